"""每个委员都是一个平台：村召集人回复衔接的委员之家成员的消息发 /contact add，指定本村联系委员；
本村每个新议题私信告诉联系委员（点一下就能打开），联系委员在私聊里发 /mygroups 看所联系的村。"""

from __future__ import annotations

import re

from tests.kit.story import button_labels, buttons, deep_link_payload

CODE = re.compile(r"[A-Z2-9]{4}-[A-Z2-9]{4}")


async def linked(world):
    members = world.group("县政协委员之家")
    wang = members.convenor("wang")
    zhao = members.member("zhao")
    east = world.group("东山村")
    chen = east.convenor("chen")
    await wang.says("/link")
    code = CODE.search(members.last_bot_message()["text"]).group(0)
    await chen.says(f"/link {code}")
    return members, wang, zhao, east, chen


async def contacts_rows(world) -> list:
    async with world.rt.db.read() as tx:
        return [tuple(r) for r in await tx.fetchall("SELECT * FROM contacts ORDER BY id")]


async def test_指定联系委员_新议题私信告诉他_点一下打开_mygroups列出(world):
    members, wang, zhao, east, chen = await linked(world)
    alice = east.member("alice")
    zhao_here = east.add(zhao)
    hello = await zhao_here.says("大家好，我是县政协委员老赵")

    await chen.replies_to(hello, "/contact add")
    assert "“县政协委员之家”的Zhao现在是本村的联系委员" in east.last_bot_message()["text"]
    await chen.replies_to(hello, "/contact add")
    assert "已经是本村的联系委员了" in east.last_bot_message()["text"]
    await chen.says("/links")
    assert "本村联系委员：Zhao" in east.last_bot_message()["text"]

    # 还没开始私聊：新议题私信不了，什么也不丢，/mygroups 照样列出
    await alice.says("/propose 村口装路灯")
    assert zhao.private_messages() == []
    await zhao.starts_bot()
    await alice.says("/propose 修缮村东石桥\n石桥裂缝越来越大。")
    notice = zhao.last_private_message()
    assert "你联系的“东山村”有新议题 #2：修缮村东石桥" in notice["text"]
    assert button_labels(notice) == ["📖 查看议题"]

    await zhao.says_privately(f"/start {deep_link_payload(buttons(notice)[0]['url'])}")
    opened = zhao.last_private_message()["text"]
    assert "东山村 · 议题 #2：修缮村东石桥" in opened and "石桥裂缝越来越大" in opened

    # 不是联系委员的人打开同一个链接
    qian = members.member("qian")
    await qian.starts_bot()
    await qian.says_privately(f"/start {deep_link_payload(buttons(notice)[0]['url'])}")
    assert "只供该群的联系委员使用" in qian.last_private_message()["text"]

    await zhao.says_privately("/mygroups")
    listing = zhao.last_private_message()["text"]
    assert "东山村" in listing and "#1 村口装路灯" in listing and "#2 修缮村东石桥" in listing
    await qian.says_privately("/mygroups")
    assert "不是任何村（社区）的联系委员" in qian.last_private_message()["text"]
    await zhao_here.says("/mygroups")
    assert "请在和我的私聊里发 /mygroups" in east.last_bot_message()["text"]

    # 撤销（按按钮）以后不再私信
    await chen.says("/contact remove")
    question = east.last_bot_message()
    await chen.presses(question, "Zhao")
    assert (
        "Zhao不再是本村的联系委员"
        in world.api.messages[(east.chat_id, question["message_id"])]["text"]
    )
    before = len(zhao.private_messages())
    await alice.says("/propose 清理河道")
    assert len(zhao.private_messages()) == before
    rows = await contacts_rows(world)
    assert len(rows) == 1 and rows[0][6] is not None  # removed_at: the record stays


async def test_只能指定衔接的委员之家的成员_不能指定机器人_普通成员不能指定(world):
    members, wang, zhao, east, chen = await linked(world)
    bob = east.member("bob")
    said = await bob.says("我来当联系人")
    await chen.replies_to(said, "/contact add")
    assert "不是与本村衔接的委员之家的成员" in east.last_bot_message()["text"]

    bot_message = east.last_bot_message()
    await chen.replies_to(bot_message, "/contact add")
    assert "机器人不能当联系委员" in east.last_bot_message()["text"]

    zhao_here = east.add(zhao)
    hello = await zhao_here.says("大家好")
    await bob.replies_to(hello, "/contact add")
    assert "只有本群的召集人" in east.last_bot_message()["text"]
    await chen.says("/contact add")
    assert "/contact add" in east.last_bot_message()["text"]
    await chen.says("/contact")
    assert "/contact remove" in east.last_bot_message()["text"]
    await chen.says("/contact remove")
    assert "本村还没有联系委员" in east.last_bot_message()["text"]
    await chen.replies_to(hello, "/contact remove")
    assert "本来就不是本村的联系委员" in east.last_bot_message()["text"]
    assert await contacts_rows(world) == []


async def test_没有衔接委员之家时不能指定联系委员_解除衔接后联系委员也撤销(world):
    east = world.group("东山村")
    chen = east.convenor("chen")
    bob = east.member("bob")
    said = await bob.says("你好")
    await chen.replies_to(said, "/contact add")
    assert "还没有和委员之家衔接" in east.last_bot_message()["text"]

    members = world.group("县政协委员之家")
    wang = members.convenor("wang")
    zhao = members.member("zhao")
    await wang.says("/link")
    await chen.says(f"/link {CODE.search(members.last_bot_message()['text']).group(0)}")
    hello = await east.add(zhao).says("大家好")
    await chen.replies_to(hello, "/contact add")
    await wang.says("/unlink")
    await wang.presses(members.last_bot_message(), "东山村")
    await chen.says("/links")
    assert "本村联系委员" not in east.last_bot_message()["text"]
    rows = await contacts_rows(world)
    assert len(rows) == 1 and rows[0][6] is not None
