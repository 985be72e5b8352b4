"""两商衔接之一：委员之家发衔接码，村群输码衔接；/links 列出，/unlink 解除（记录保留）；
衔接码错、用过、过期、自己衔接自己、已经衔接、不是召集人、私聊里发：都客气地说明，什么也不改。"""

from __future__ import annotations

import re
from datetime import timedelta

from bot.rules.links import CodeVerdict, code_hash, judge_code, new_code, read_code
from storage import links as link_repo

CODE = re.compile(r"[A-Z2-9]{4}-[A-Z2-9]{4}")


def code_in(text: str) -> str:
    found = CODE.search(text)
    assert found, text
    return found.group(0)


async def issue(members, convenor) -> str:
    await convenor.says("/link")
    return code_in(members.last_bot_message()["text"])


async def links_rows(world) -> list:
    async with world.rt.db.read() as tx:
        return [tuple(r) for r in await tx.fetchall("SELECT * FROM links ORDER BY id")]


async def test_委员之家发码_村群输码_两边都收到一行通知_一个委员之家衔接两个村(world):
    members = world.group("县政协委员之家")
    wang = members.convenor("wang")
    east = world.group("东山村")
    chen = east.convenor("chen")
    west = world.group("西河村")
    li = west.convenor("li")

    await wang.says("/link")
    issued = members.last_bot_message()["text"]
    assert "衔接码：" in issued and "只能用一次" in issued and "/link " in issued
    code = code_in(issued)
    async with world.rt.db.read() as tx:
        stored = await tx.fetchall("SELECT code_hash FROM link_codes")
    # 只存哈希，不存码本身
    assert [r[0] for r in stored] == [code_hash(code)]

    await chen.says(f"/link {code.lower()}")  # 小写也认
    assert "本群已与委员之家“县政协委员之家”衔接" in east.last_bot_message()["text"]
    assert "“东山村”已与本委员之家衔接" in members.last_bot_message()["text"]

    await li.says(f"/link {await issue(members, wang)}")
    assert "“西河村”已与本委员之家衔接" in members.last_bot_message()["text"]

    await wang.says("/links")
    listing = members.last_bot_message()["text"]
    assert "东山村" in listing and "西河村" in listing and "衔接的村（社区）群" in listing
    await chen.says("/links")
    listing = east.last_bot_message()["text"]
    assert "县政协委员之家" in listing and "西河村" not in listing


async def test_一个村可以衔接几个委员之家(world):
    county = world.group("县政协委员之家")
    zhang = county.convenor("zhang")
    town = world.group("镇委员工作站")
    zhao = town.convenor("zhao")
    east = world.group("东山村")
    chen = east.convenor("chen")
    await chen.says(f"/link {await issue(county, zhang)}")
    await chen.says(f"/link {await issue(town, zhao)}")
    await chen.says("/links")
    listing = east.last_bot_message()["text"]
    assert "县政协委员之家" in listing and "镇委员工作站" in listing
    assert len(await links_rows(world)) == 2


async def test_错码_用过的码_过期的码_自己衔接自己_已经衔接_都客气拒绝什么也不改(world):
    members = world.group("县政协委员之家")
    wang = members.convenor("wang")
    east = world.group("东山村")
    chen = east.convenor("chen")
    west = world.group("西河村")
    li = west.convenor("li")

    await chen.says("/link 12")
    assert "不是衔接码" in east.last_bot_message()["text"]
    assert "K7QM-3XHP" in east.last_bot_message()["text"]
    await chen.says("/link ABCD-EFGH")
    assert "没有找到衔接码“ABCD-EFGH”" in east.last_bot_message()["text"]

    code = await issue(members, wang)
    await wang.says(f"/link {code}")
    assert "不能和本群自己衔接" in members.last_bot_message()["text"]
    assert await links_rows(world) == []

    await chen.says(f"/link {code}")
    await li.says(f"/link {code}")
    assert "已经用过了" in west.last_bot_message()["text"]

    # 已经衔接：新码不被用掉
    again = await issue(members, wang)
    await chen.says(f"/link {again}")
    assert "已经衔接了" in east.last_bot_message()["text"]
    await li.says(f"/link {again}")
    assert "“西河村”已与本委员之家衔接" in members.last_bot_message()["text"]

    late = await issue(members, wang)
    await world.advance(hours=24, seconds=1)
    north = world.group("北坡村")
    zhou = north.convenor("zhou")
    await zhou.says(f"/link {late}")
    assert "已过期" in north.last_bot_message()["text"]
    assert len(await links_rows(world)) == 2


async def test_不是召集人_私聊里_都不能发码或输码(world):
    members = world.group("县政协委员之家")
    wang = members.convenor("wang")
    alice = members.member("alice")
    east = world.group("东山村")
    bob = east.member("bob")

    await alice.says("/link")
    assert "只有本群的召集人" in members.last_bot_message()["text"]
    code = await issue(members, wang)
    await bob.says(f"/link {code}")
    assert "只有本群的召集人" in east.last_bot_message()["text"]
    await bob.says("/unlink")
    assert "只有本群的召集人" in east.last_bot_message()["text"]
    await wang.says_privately("/link")
    assert "群聊" in wang.last_private_message()["text"]
    assert await links_rows(world) == []
    async with world.rt.db.read() as tx:
        assert await tx.scalar("SELECT COUNT(*) FROM link_codes") == 1


async def test_解除衔接_按按钮_两边都通知_记录保留_别的群的召集人按不了(world):
    members = world.group("县政协委员之家")
    wang = members.convenor("wang")
    east = world.group("东山村")
    chen = east.convenor("chen")
    await chen.says(f"/link {await issue(members, wang)}")
    # 委员之家的召集人在村群里只是普通成员
    wang_here = east.add(wang)

    await chen.says("/unlink")
    question = east.last_bot_message()
    assert "要解除哪个衔接" in question["text"]
    data = question["reply_markup"]["inline_keyboard"][0][0]["callback_data"]

    answer = await wang_here.presses(question, "县政协委员之家")
    assert answer is not None and "只有本群的召集人" in answer.params["text"]
    assert (await links_rows(world))[0][6] is None  # ended_at

    await chen.presses(question, "县政协委员之家")
    ended = world.api.messages[(east.chat_id, question["message_id"])]["text"]
    assert "衔接已解除" in ended
    assert "衔接已解除" in members.last_bot_message()["text"]
    rows = await links_rows(world)
    assert len(rows) == 1 and rows[0][6] is not None
    await chen.says("/links")
    assert "还没有和其他群衔接" in east.last_bot_message()["text"]
    await chen.says("/unlink")
    assert "没有和其他群衔接" in east.last_bot_message()["text"]
    # 按第二次：已经解除
    answer = await chen.presses_data(question, data)
    assert answer is not None and "已经解除" in answer.params["text"]


# ----- 纯规则 -------------------------------------------------------------------------------------
def test_衔接码的样子_读法_和判定():
    code = new_code()
    assert CODE.fullmatch(code)
    assert read_code(code.lower()) == code
    assert read_code(code.replace("-", " ")) == code
    assert read_code("Ｋ７ＱＭ－３ＸＨＰ") == "K7QM-3XHP"
    assert read_code("K7QM-3XH0") is None  # 0 不在字母表里
    assert read_code("K7QM") is None
    from datetime import UTC, datetime

    now = datetime(2026, 3, 1, tzinfo=UTC)
    later = now + timedelta(hours=24)
    assert judge_code(False, None, False, None, 1, now) is CodeVerdict.UNKNOWN
    assert judge_code(True, 1, False, later, 1, now) is CodeVerdict.SAME_GROUP
    assert judge_code(True, 1, True, later, 2, now) is CodeVerdict.USED
    assert judge_code(True, 1, False, later, 2, later) is CodeVerdict.EXPIRED
    assert judge_code(True, 1, False, later, 2, now) is CodeVerdict.OK


async def test_衔接的记录在导出里_两端都有(world, tmp_path):
    members = world.group("县政协委员之家")
    wang = members.convenor("wang")
    east = world.group("东山村")
    chen = east.convenor("chen")
    await chen.says(f"/link {await issue(members, wang)}")
    async with world.rt.db.read() as tx:
        there = await link_repo.export_links(tx, members.chat_id)
        here = await link_repo.export_links(tx, east.chat_id)
    assert there[0]["this_group_is"] == "members" and here[0]["this_group_is"] == "village"
    assert there[0]["village_group"]["title"] == "东山村"
    assert there[0]["status"] == "live"


def test_通报只说新变化():
    from bot.rules.links import changes, snapshot
    from bot.services import kinds
    from storage import referrals

    assert (kinds.REFERRAL_CARD, kinds.REFERRAL_REPORT, kinds.CONTACT_TOPIC) == (
        referrals.REFERRAL_CARD,
        referrals.REFERRAL_REPORT,
        referrals.CONTACT_TOPIC,
    )
    first = snapshot(3, "deliberating", None, [])
    assert [c.kind for c in changes({}, first)] == ["taken", "status"]
    assert changes(first, first) == []
    adopted = snapshot(3, "adopted", "加固石桥", [])
    assert [(c.kind, c.status or c.text) for c in changes(first, adopted)] == [
        ("status", "adopted"),
        ("wording", "加固石桥"),
    ]
    acting = snapshot(3, "following_up", "加固石桥", [(1, "查看", "open", 0)])
    found = changes(adopted, acting)
    assert [(c.kind, c.new) for c in found] == [("status", False), ("action", True)]
    moved = snapshot(3, "following_up", "加固石桥", [(1, "查看", "in_progress", 50)])
    assert [(c.kind, c.percent, c.new) for c in changes(acting, moved)] == [("action", 50, False)]


async def test_村群升级为超级群后衔接和联系委员都跟着走(world):
    members = world.group("县政协委员之家")
    wang = members.convenor("wang")
    east = world.group("东山村")
    chen = east.convenor("chen")
    await chen.says(f"/link {await issue(members, wang)}")
    new_id = east.chat_id - 5000
    world.api.add_chat(new_id, "supergroup", east.title)
    await world.feed(
        {
            "message": {
                "message_id": 9999,
                "date": 0,
                "chat": east.chat,
                "migrate_to_chat_id": new_id,
            }
        }
    )
    rows = await links_rows(world)
    assert rows[0][2] == new_id  # village_chat_id


async def test_衔接的通知是排程里的一行_委员之家暂时不让发言_重启后恢复时发一次(world):
    members = world.group("县政协委员之家")
    wang = members.convenor("wang")
    east = world.group("东山村")
    chen = east.convenor("chen")
    code = await issue(members, wang)
    await members.bot_becomes("restricted", by=wang, can_send_messages=False)
    await chen.says(f"/link {code}")
    assert "本群已与委员之家“县政协委员之家”衔接" in east.last_bot_message()["text"]
    await world.restart()
    await members.bot_becomes("member", by=wang)
    await world.advance(minutes=1)
    await world.restart()
    await world.advance(minutes=10)
    told = [t for t in members.texts() if "“东山村”已与本委员之家衔接" in t]
    assert len(told) == 1
    async with world.rt.db.read() as tx:
        assert (
            await tx.scalar(
                "SELECT COUNT(*) FROM scheduled WHERE kind = 'link_notice' AND done_at IS NULL"
            )
            == 0
        )
