"""两商衔接，一个故事从头到尾（issue 13 “Done when” 里属于衔接的部分）：县政协委员之家和东山村、
西河村衔接；东山村商量修桥，通过请求后转给委员之家；委员之家接手、商量、通过给部门的建议并定下
落实事项、跟进；东山村每一步都看得到，也照常给结果打分；委员之家再就第二个问题向两个村征求意见，
按村看到大家的态度。"""

from __future__ import annotations

import re

CODE = re.compile(r"[A-Z2-9]{4}-[A-Z2-9]{4}")


def current(world, group, message) -> dict:
    return world.api.messages[(group.chat_id, message["message_id"])]


async def test_两商衔接的故事(world):
    members = world.group("县政协委员之家")
    wang = members.convenor("wang")
    zhao, qian = members.member("zhao"), members.member("qian")
    east = world.group("东山村")
    chen = east.convenor("chen")
    alice, bob, carol = (east.member(n) for n in ("alice", "bob", "carol"))
    west = world.group("西河村")
    li = west.convenor("li")
    dan, emma = west.member("dan"), west.member("emma")

    # 衔接两个村
    for village, convenor in ((east, chen), (west, li)):
        await wang.says("/link")
        code = CODE.search(members.last_bot_message()["text"]).group(0)
        await convenor.says(f"/link {code}")
        assert "本群已与委员之家“县政协委员之家”衔接" in village.last_bot_message()["text"]
    await wang.says("/links")
    assert "东山村" in members.last_bot_message()["text"]
    assert "西河村" in members.last_bot_message()["text"]

    # 东山村商量，通过请求，转上去
    await alice.says("/propose 修缮村东石桥\n石桥裂缝越来越大，村里资金不够。")
    await chen.says("/accept 1")
    village_card = east.last_bot_message()
    await alice.says("/view 1 support 孩子上学必经之路")
    await bob.says("/view 1 concern 村里出不起钱")
    await alice.says("/draft 1 请县里协调资金，年内修好石桥。")
    await chen.says("/vote 1 1")
    ballot = east.last_bot_message()
    for person in (alice, bob, carol):
        await person.presses(ballot, "同意")
    await chen.says("/close 1")
    await chen.says("/refer 1 村里定不了，请委员之家协调")
    card = members.last_bot_message()
    assert "“东山村”转来议题 #1：修缮村东石桥" in card["text"]
    assert "村里通过的共识：请县里协调资金，年内修好石桥。" in card["text"]

    # 委员之家接手，商量，通过建议，定落实事项
    await wang.presses(card, "接手")
    assert "已接手，作为委员之家议题 #1" in east.last_bot_message()["text"]
    await zhao.says("/view 1 suggestion 列入交通局计划")
    await zhao.says("/draft 1 建议县交通局年内加固石桥，所需资金列入明年预算。")
    await wang.says("/vote 1 1")
    ballot = members.last_bot_message()
    for person in (zhao, qian, wang):
        await person.presses(ballot, "同意")
    await wang.says("/close 1")
    assert "通过的建议：建议县交通局年内加固石桥" in east.last_bot_message()["text"]
    await wang.says("/action 1 30d 交通局派人查看石桥")
    assert "新增落实事项 A1：交通局派人查看石桥" in east.last_bot_message()["text"]
    await wang.says("/progress A1 60 已查看，正在做方案")
    assert "落实事项 A1（交通局派人查看石桥）：60%" in east.last_bot_message()["text"]
    await wang.says("/done A1 已加固")
    assert "现在：已落实" in east.last_bot_message()["text"]
    await world.run_due()
    assert "已转委员之家：县政协委员之家（已落实）" in current(world, east, village_card)["text"]

    # 东山村照常给结果打分（村里自己的跟踪卡片）
    await world.advance(days=7, hours=1)
    followup = [m for m in east.bot_messages() if "满意" in str(m.get("reply_markup", ""))]
    assert followup, east.texts()[-3:]
    for person in (alice, bob):
        assert await person.presses(followup[-1], "满意") is not None

    # 第二个问题：向两个村征求意见
    await zhao.says("/propose 全县推广垃圾分类")
    await wang.says("/accept 2")
    topic_card = members.last_bot_message()
    await wang.says("/consult 2")
    await wang.presses(members.last_bot_message(), "所有衔接的村")
    for village, person, stance, words in (
        (east, alice, "支持", "早该分类"),
        (east, bob, "担忧", "垃圾车跟不上"),
        (west, dan, "反对", "老人分不清"),
        (west, emma, "建议", "先发分类垃圾桶"),
    ):
        asked = [m for m in village.bot_messages() if "向本村征求意见" in m["text"]][-1]
        await person.presses(asked, stance)
        await person.replies_to(village.last_bot_message(), words)
    await world.run_due()
    shown = current(world, members, topic_card)["text"]
    assert "📣 东山村：支持 1 · 担忧 1（征求中）" in shown
    assert "📣 西河村：反对 1 · 建议 1（征求中）" in shown
    await wang.says("/views 2")
    listing = members.last_bot_message()["text"]
    assert "垃圾车跟不上" in listing and "先发分类垃圾桶" in listing
    assert "Dan" not in listing and "Bob" not in listing
