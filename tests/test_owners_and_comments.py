"""负责人能收到消息、私下留言有人看（issue 12）。

群里列出事项的地方都真正提及负责人（确认消息、跟踪卡片、即将到期和逾期的通知）；事项确认消息
带“接收提醒”链接，一按就开启私聊；开启了私聊的负责人在到期前一天和当天各收到一次私下提醒，
没开启的只在群里被提及。

“💬 私下留言”不署名地汇总给召集人：留言后一小时内（tests/test_comment_digest.py），还没发过的
留言私下发给开启了私聊的召集人（用 /convenor 指定的召集人和群管理员），不带姓名。"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from storage import followup as followup_repo
from tests.kit.story import deep_link_payload


def mentions(html: str, person) -> bool:
    """消息里有没有真正提及这个人（tg://user?id=…，会通知到本人）。"""
    return f'href="tg://user?id={person.id}"' in html


def link_button(message: dict, words: str) -> dict:
    return next(
        b
        for row in (message.get("reply_markup") or {}).get("inline_keyboard", [])
        for b in row
        if words in b["text"]
    )


async def 通过的议题(world):
    """东山村，2026年3月2日（周一）北京时间10:00：陈支书召集，王秀英提出修路，大家通过。"""
    world.clock.set(datetime(2026, 3, 2, 2, 0, tzinfo=UTC))
    group = world.group("东山村")
    chen = group.convenor("chen")
    wang, liu, zhao = group.member("wang"), group.member("liu"), group.member("zhaoxia")
    await wang.says("/propose 修村口的路")
    await chen.says("/accept 1 1小时 1小时")
    await wang.says("/draft 1 今年内把村口的路修好。")
    await chen.says("/vote 1 1")
    ballot = group.last_bot_message()
    for person in (chen, wang, liu):
        await person.presses(ballot, "同意")
    await chen.says("/close 1")
    return group, chen, wang, liu, zhao


async def 刘德福负责一件事(world, group, chen, liu, due="3月10日"):
    hello = await liu.says("我来负责")
    await chen.replies_to(hello, f"/action 1 {due} 向镇政府递交申请")
    return group.last_bot_message()


def 私下提醒(person) -> list[str]:
    """到期前的私下提醒（不含跟踪卡片附带的提醒和“接收提醒”的回复）。"""
    return [m["text"] for m in person.private_messages() if "提醒：你负责的" in m["text"]]


async def test_事项确认消息真正提及负责人并带接收提醒按钮(world):
    group, chen, wang, liu, zhao = await 通过的议题(world)
    confirmation = await 刘德福负责一件事(world, group, chen, liu)
    assert "A1 向镇政府递交申请 — Liu — 截止 3月10日（周二） — 未开始" in confirmation["text"]
    assert mentions(confirmation["html"], liu)
    button = link_button(confirmation, "接收提醒")
    assert deep_link_payload(button["url"]) == f"or_{group.chat_id}_1"

    # /actions 列出事项时也提及负责人。
    await wang.says("/actions 1")
    assert mentions(group.last_bot_message()["html"], liu)


async def test_即将到期和逾期的通知提及负责人(world):
    group, chen, wang, liu, zhao = await 通过的议题(world)
    await 刘德福负责一件事(world, group, chen, liu)
    before = len(group.bot_messages())
    # 3月10日到期：提前两天（3月8日零点过后，免打扰时段结束时）发出即将到期的通知。
    await world.advance(days=6, hours=22)
    due_soon = [m for m in group.bot_messages()[before:] if "A1" in m["text"]]
    assert len(due_soon) == 1, "即将到期的通知应当只有一句"
    assert due_soon[0]["text"].startswith("⏰ A1 明天到期：Liu——向镇政府递交申请")
    assert mentions(due_soon[0]["html"], liu)

    before = len(group.bot_messages())
    await world.advance(days=3)  # 3月11日：已经逾期
    overdue = [m for m in group.bot_messages()[before:] if "逾期" in m["text"]]
    assert overdue, "没有发出逾期通知"
    assert mentions(overdue[-1]["html"], liu)


async def test_按接收提醒开启私聊_说明会提醒什么并记下能私下联系(world):
    group, chen, wang, liu, zhao = await 通过的议题(world)
    confirmation = await 刘德福负责一件事(world, group, chen, liu)
    url = link_button(confirmation, "接收提醒")["url"]
    await liu.says_privately("/start " + deep_link_payload(url))
    answer = liu.last_private_message()["text"]
    assert "东山村" in answer and "A1 向镇政府递交申请" in answer
    assert "前一天" in answer and "当天" in answer
    async with world.rt.db.read() as tx:
        assert await followup_repo.reachable(tx, [liu.id, zhao.id]) == [liu.id]

    # 不是负责人的人按了，也说清楚：现在没有需要提醒的事项。
    await zhao.says_privately("/start " + deep_link_payload(url))
    assert "没有" in zhao.last_private_message()["text"]


async def test_负责人到期前一天和当天各收到一次私下提醒_没开启私聊的只在群里被提及(world):
    group, chen, wang, liu, zhao = await 通过的议题(world)
    await zhao.says("/actions 1")  # 机器人由此认识了 @zhaoxia
    hello = await liu.says("我来负责")
    await chen.replies_to(hello, "/action 1 3月10日 向镇政府递交申请 @zhaoxia")
    confirmation = group.last_bot_message()
    assert mentions(confirmation["html"], liu) and mentions(confirmation["html"], zhao)
    await liu.says_privately(
        "/start " + deep_link_payload(link_button(confirmation, "接收提醒")["url"])
    )

    # 3月9日（周一）北京时间9:00：到期前一天。
    world.clock.set(datetime(2026, 3, 9, 0, 59, tzinfo=UTC))
    await world.run_due()
    assert 私下提醒(liu) == []
    await world.advance(minutes=2)
    assert len(私下提醒(liu)) == 1
    eve = 私下提醒(liu)[0]
    assert "明天到期" in eve and "A1" in eve and "东山村" in eve and "/done A1" in eve

    # 3月10日北京时间9:00：到期当天，还没完成。
    await world.advance(days=1)
    reminders = 私下提醒(liu)
    assert len(reminders) == 2 and "今天到期" in reminders[1]

    # 之后不再重复，重启也不会再发。
    await world.restart()
    await world.advance(days=1)
    assert len(私下提醒(liu)) == 2
    # 赵没有开启私聊：私下什么也收不到，只在群里被提及。
    assert zhao.private_messages() == []


async def test_已经完成的事项不再私下提醒_没完成的照常提醒(world):
    group, chen, wang, liu, zhao = await 通过的议题(world)
    await liu.starts_bot()
    hello = await liu.says("这两件我来")
    await chen.replies_to(hello, "/action 1 3月10日 向镇政府递交申请")
    await chen.replies_to(hello, "/action 1 3月12日 请施工队报价")
    await liu.says("/done A1 已经递交")
    await world.advance(days=11)  # 到 3月13日
    reminders = 私下提醒(liu)
    assert len(reminders) == 2 and all("A2" in r and "A1" not in r for r in reminders)
    async with world.rt.db.read() as tx:
        pending = await tx.scalar(
            "SELECT COUNT(*) FROM scheduled WHERE kind = 'owner_reminder' AND done_at IS NULL"
        )
    assert pending == 0


def test_提醒时间是到期前一天和当天的上午九点_已过的不排():
    from zoneinfo import ZoneInfo

    from bot.services.followup.owners import reminder_times

    shanghai = ZoneInfo("Asia/Shanghai")
    now = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
    day = datetime(2026, 3, 10).date()
    assert reminder_times(day, shanghai, now) == [
        ("eve", datetime(2026, 3, 9, 1, 0, tzinfo=UTC)),
        ("day", datetime(2026, 3, 10, 1, 0, tzinfo=UTC)),
    ]
    # 明天到期、现在已过今天9点：只剩当天的提醒。
    assert reminder_times(now.date() + timedelta(days=1), shanghai, now) == [
        ("day", datetime(2026, 3, 3, 1, 0, tzinfo=UTC))
    ]


async def 留言(world, person, card, text):
    """在跟踪卡片上评价，再按“💬 私下留言”链接写一句留言。"""
    url = link_button(card, "私下留言")["url"]
    await person.says_privately("/start " + deep_link_payload(url))
    await person.says_privately(text)


async def test_私下留言随下一轮跟踪不署名地发给召集人(world):
    group, chen, wang, liu, zhao = await 通过的议题(world)
    zhou = group.member("zhoujie")  # 陈支书指定的召集人（不是群管理员）
    hello = await zhou.says("我来帮忙")
    await chen.replies_to(hello, "/convenor add")
    for person in (chen, zhou, liu):
        await person.starts_bot()

    await world.advance(days=7)  # 7 天的跟踪卡片
    card = group.last_bot_message()
    assert "满意" in card["text"]
    await wang.presses(card, "不满意")
    await 留言(world, wang, card, "路口的坑还没填，晚上看不清")
    await liu.presses(card, "基本满意")
    await 留言(world, liu, card, "已经修了一半")
    await zhao.presses(card, "满意")  # 只评价，不留言
    # 留言当时不发给任何人。
    assert not any("路口的坑" in m["text"] for m in chen.private_messages())

    await world.advance(days=23)  # 留言一小时后汇总给召集人（此后是 30 天的跟踪卡片）
    for convenor in (chen, zhou):
        digests = [m for m in convenor.private_messages() if "私下留言" in m["text"]]
        assert len(digests) == 1, convenor.name
        text, html = digests[0]["text"], digests[0]["html"]
        assert "路口的坑还没填，晚上看不清" in text and "已经修了一半" in text
        assert "不满意" in text and "基本满意" in text
        assert "东山村" in text and "议题 #1" in text and "第 1 轮" in text
        # 不署名：没有留言人的名字，也没有提及。
        for writer in (wang, liu):
            assert writer.name not in text and f"id={writer.id}" not in html
    # 留言的村民不是召集人，收不到汇总；群里也看不到留言。
    assert not any("路口的坑" in m["text"] for m in liu.private_messages())
    assert not any("路口的坑" in m["text"] for m in group.bot_messages())

    # 第 2 轮没人留言：90 天的卡片不再发汇总。
    await world.advance(days=60)
    assert len([m for m in chen.private_messages() if "私下留言" in m["text"]]) == 1


async def test_私下留言不署名地写进纪要_没人评价的轮次写明无人评价(world, tmp_path):
    import io

    from docx import Document

    from bot.export import export_command

    group, chen, wang, liu, zhao = await 通过的议题(world)
    await chen.starts_bot()
    await world.advance(days=7)  # 7 天的跟踪卡片：第 1 轮
    card = group.last_bot_message()
    await wang.presses(card, "不满意")
    await 留言(world, wang, card, "路口的坑还没填，晚上看不清")
    await zhao.presses(card, "满意")
    await world.advance(days=83)  # 30 天、90 天的卡片：第 2、3 轮没人评价

    await chen.says("/minutes 1")
    [sent] = [m for (chat, _), m in sorted(world.api.messages.items()) if "document" in m]
    paragraphs = [p.text for p in Document(io.BytesIO(sent["upload"])).paragraphs]
    out = tmp_path / "minutes.md"
    assert await export_command(world.settings, group.chat_id, "md", str(out)) == 0
    markdown = out.read_text(encoding="utf-8").splitlines()
    for lines, bullet in ((paragraphs, ""), (markdown, "- ")):
        assert bullet + "第 1 轮，不满意：路口的坑还没填，晚上看不清" in lines
        assert bullet + "第 1 轮：满意 1，基本满意 0，不满意 1" in lines
        assert bullet + "第 2 轮：无人评价" in lines and bullet + "第 3 轮：无人评价" in lines
        assert not any("满意 0，基本满意 0，不满意 0" in line for line in lines)
        # 不署名：留言那一行没有名字。
        comment = next(line for line in lines if "路口的坑" in line)
        assert wang.name not in comment
