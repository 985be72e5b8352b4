"""每一条私下留言都送到召集人手里（测试员发现的问题 2）。

以前留言只随下一轮的跟踪卡片汇总：最后一轮（90 天）上的留言、事项全部完成后那一轮评价上的
留言，永远没人看到。现在留言存下时就排上一行日程（一个议题同时只排一行，一小时后发，避开免打扰
时段），到时把还没发过的留言不署名地私下发给召集人；每条只发一次，重启也不丢、不重发。"""

from __future__ import annotations

from datetime import UTC, datetime

from tests.kit.story import deep_link_payload


def link_button(message: dict, words: str) -> dict:
    return next(
        b
        for row in (message.get("reply_markup") or {}).get("inline_keyboard", [])
        for b in row
        if words in b["text"]
    )


async def 通过的议题(world):
    """东山村，2026年3月2日（周一）北京时间10:00：陈支书召集，大家通过修路。"""
    world.clock.set(datetime(2026, 3, 2, 2, 0, tzinfo=UTC))
    group = world.group("东山村")
    chen = group.convenor("chen")
    wang, liu = group.member("wang"), group.member("liu")
    await wang.says("/propose 修村口的路")
    await chen.says("/accept 1 1小时 1小时")
    await wang.says("/draft 1 今年内把村口的路修好。")
    await chen.says("/vote 1 1")
    ballot = group.last_bot_message()
    for person in (chen, wang, liu):
        await person.presses(ballot, "同意")
    await chen.says("/close 1")
    await chen.starts_bot()
    return group, chen, wang, liu


async def 留言(person, card, text):
    await person.presses(card, "不满意")
    await person.says_privately("/start " + deep_link_payload(link_button(card, "私下留言")["url"]))
    await person.says_privately(text)


def 汇总(person, words: str) -> list[str]:
    return [
        m["text"]
        for m in person.private_messages()
        if "私下留言" in m["text"] and words in m["text"]
    ]


async def test_最后一轮上的留言_一小时内发给召集人_只发一次(world):
    group, chen, wang, liu = await 通过的议题(world)
    await world.advance(days=90)  # 7、30、90 天的卡片都发过了：第 3 轮是最后一轮
    card = group.last_bot_message()
    assert "第 3 轮" in card["text"]
    await 留言(wang, card, "路修好了，可排水沟还是堵的")
    assert 汇总(chen, "排水沟") == []  # 留言当时不发
    await world.advance(hours=1, minutes=1)
    [digest] = 汇总(chen, "排水沟")
    assert "第 3 轮" in digest and "wang" not in digest
    # 重启以后、再过很多天：不重发。
    await world.restart()
    await world.advance(days=30)
    assert len(汇总(chen, "排水沟")) == 1


async def test_事项全部完成后那一轮的留言也送到召集人(world):
    group, chen, wang, liu = await 通过的议题(world)
    hello = await liu.says("我来负责")
    await chen.replies_to(hello, "/action 1 3月31日 向镇政府递交申请")
    await liu.says("/done A1 申请已经递交")
    card = group.last_bot_message()
    card = next(
        m for m in reversed(group.bot_messages()) if "私下留言" in str(m.get("reply_markup"))
    )
    await 留言(wang, card, "递交了但没有回音")
    await world.advance(hours=2)
    [digest] = 汇总(chen, "没有回音")
    assert "wang" not in digest


async def test_几条留言合成一份_重启后照样发出(world):
    group, chen, wang, liu = await 通过的议题(world)
    await world.advance(days=7)
    card = group.last_bot_message()
    await 留言(wang, card, "路口的坑还没填")
    await 留言(liu, card, "已经修了一半")
    await world.restart()  # 日程行在库里：重启不丢
    await world.advance(hours=1, minutes=1)
    [digest] = [m["text"] for m in chen.private_messages() if "私下留言" in m["text"]]
    assert "路口的坑还没填" in digest and "已经修了一半" in digest
    # 改了留言：新的内容再发一次，旧的不重发。
    await 留言(wang, card, "路口的坑填了一半")
    await world.advance(hours=1, minutes=1)
    digests = [m["text"] for m in chen.private_messages() if "私下留言" in m["text"]]
    assert len(digests) == 2 and "路口的坑填了一半" in digests[1]
    assert "已经修了一半" not in digests[1]


async def test_免打扰时段里的留言_天亮后再发(world):
    group, chen, wang, liu = await 通过的议题(world)
    await world.advance(days=7)  # 3月9日 北京时间 10:00
    card = group.last_bot_message()
    await world.advance(hours=12, minutes=30)  # 22:30：免打扰时段
    await 留言(wang, card, "晚上路灯不亮")
    await world.advance(hours=2)
    assert 汇总(chen, "路灯") == []
    await world.advance(hours=9)  # 第二天早上
    assert len(汇总(chen, "路灯")) == 1
