"""一张跟踪卡片、不刷屏（issue 12）：一个议题通过后 90 天的跟踪，群里最多 8 条新消息。

东山村通过了修路的议题，定了两件事：刘德福负责的 A1 按时完成，王秀英和赵霞负责的 A2 逾期。
机器人通过真正的日程（时钟一天天往前走）跟踪 90 天：只在 7、30、90 天发新的跟踪卡片（各开一轮
评价），其余的变化都改在这张卡片上；即将到期和逾期只发一句话，真正提及负责人并指向卡片；
7 天那一轮的评价不会因为到期、逾期的提醒而清零，下一轮的卡片上显示上一轮的结果。
"""

from __future__ import annotations

from datetime import UTC, datetime

from storage import followup as repo
from tests.kit.story import button_labels, deep_link_payload


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
    assert "通过" in group.last_bot_message()["text"]
    return group, chen, wang, liu, zhao


def current_card(world, group) -> dict:
    """The living card as the group sees it now (edits included)."""
    cards = [m for m in group.bot_messages() if "跟踪反馈" in m["text"] and button_labels(m)]
    assert cards, "no follow-up card with buttons"
    return world.api.messages[(group.chat_id, cards[-1]["message_id"])]


async def test_ninety_days_of_follow_up_cost_the_group_at_most_eight_messages(world):
    group, chen, wang, liu, zhao = await 通过的议题(world)
    await zhao.says("/actions 1")  # the bot now knows @zhaoxia
    before = len(group.sent())

    hello = await liu.says("我来负责递交申请")
    await chen.replies_to(hello, "/action 1 3月20日 向镇政府递交申请")
    confirmation = group.last_bot_message()
    hello = await wang.says("修路的事我和赵霞来办")
    await chen.replies_to(hello, "/action 1 3月25日 请施工队修路 @zhaoxia")
    # 刘德福按“接收提醒”开启私聊：之后在私聊里报告进展。
    await liu.says_privately(
        "/start " + deep_link_payload(link_button(confirmation, "接收提醒")["url"])
    )

    await wang.starts_bot()  # 王秀英开启了私聊，赵霞没有

    # Day by day, through the real schedule.
    seven_day_card = None
    for day in range(1, 92):
        await world.advance(days=1)
        if day == 7:
            seven_day_card = current_card(world, group)
            for person, label in ((wang, "满意"), (zhao, "基本满意"), (chen, "满意")):
                await person.presses(seven_day_card, label)
        if day == 12:
            await liu.says_privately("/done A1 申请已经递交")
            assert "A1" in liu.last_private_message()["text"]

        if day == 26:  # A2 was due on 25 March: the due line and the overdue line are out
            # The 7-day round is still the current one: its counts did not reset, and its
            # buttons still take a rating.
            card = current_card(world, group)
            assert card["message_id"] == seven_day_card["message_id"]
            assert "😊 满意 2 · 😐 基本满意 1 · 😞 不满意 0" in card["text"]
            answer = await liu.presses(card, "基本满意")
            assert answer is not None and not answer.params.get("show_alert")
            await world.run_due()
            card = current_card(world, group)
            assert "😊 满意 2 · 😐 基本满意 2 · 😞 不满意 0" in card["text"]
        if day == 31:  # the 30-day card: a new round, the 7-day round's result beside it
            card = current_card(world, group)
            assert card["message_id"] != seven_day_card["message_id"]
            assert "第 1 轮" in card["text"] and "满意 2" in card["text"]
            # The 7-day card lost its buttons and points to the new one.
            old = world.api.messages[(group.chat_id, seven_day_card["message_id"])]
            assert button_labels(old) == []
            assert f"/{card['message_id']}" in old["html"]

    sent = group.sent()[before:]
    texts = [c.params["text"] for c in sent]
    assert len(sent) <= 8, "\n---\n".join(texts)

    # The overdue line mentions every owner of the open action, for real; the due-soon line
    # only those the bot cannot remind privately (赵霞; 王秀英 has her private reminders).
    lines = [m for m in group.bot_messages() if m["text"].startswith(("⏰", "⚠️"))]
    assert len(lines) == 2, [m["text"] for m in lines]
    for line in lines:
        assert "A2" in line["text"] and "A1" not in line["text"]
        assert mentions(line["html"], zhao)
        assert mentions(line["html"], wang) == line["text"].startswith("⚠️")
        assert "跟踪卡片" in line["text"]

    # Privately: 王秀英 is reminded of A2 the day before it is due and on the day, once each, and
    # gets one note of her open actions with each round's card, none with the due lines.
    private = [m["text"] for m in wang.private_messages()][1:]  # after the /start welcome
    assert sum("A2" in t and "明天到期" in t for t in private) == 1
    assert sum("A2" in t and "今天到期" in t for t in private) == 1
    assert len(private) == 2 + 3, private
    assert zhao.private_messages() == []

    # One round per offset, none for the due and overdue lines; the 7-day ratings are kept.
    async with world.rt.db.read() as tx:
        topic_id = await tx.scalar("SELECT id FROM topics WHERE chat_id = ?", (group.chat_id,))
        rounds = await repo.rounds_of(tx, topic_id)
        first = await repo.rating_counts(tx, rounds[0].id)
    assert len(rounds) == 3
    assert first == {"satisfied": 2, "partly": 2}


async def test_all_owners_reachable_one_done_the_day_before_due_still_at_most_eight(world):
    """The tester's case: every owner started the bot; 刘德福 finishes A1 the day before it is
    due (after the due-soon warning would have gone), A2 runs long overdue. Over 90 days: two
    action confirmations, three round cards, A2's overdue line and the reopen question; no
    due-soon line in the group (each owner has their private reminders)."""
    group, chen, wang, liu, zhao = await 通过的议题(world)
    await zhao.says("/actions 1")
    before = len(group.sent())

    hello = await liu.says("我来负责递交申请")
    await chen.replies_to(hello, "/action 1 3月20日 向镇政府递交申请")
    first = group.last_bot_message()
    hello = await wang.says("修路的事我和赵霞来办")
    await chen.replies_to(hello, "/action 1 3月25日 请施工队修路 @zhaoxia")
    second = group.last_bot_message()
    for person, confirmation in ((liu, first), (wang, second), (zhao, second)):
        await person.says_privately(
            "/start " + deep_link_payload(link_button(confirmation, "接收提醒")["url"])
        )

    for day in range(1, 92):
        await world.advance(days=1)
        if day == 17:  # 3月19日, the day before A1 is due
            await liu.says_privately("/done A1 申请已经递交")

    sent = group.sent()[before:]
    texts = [c.params["text"] for c in sent]
    assert len(sent) <= 8, "\n---\n".join(texts)
    assert not any(t.startswith("⏰") for t in texts), texts
    assert sum(t.startswith("⚠️") and "A2" in t for t in texts) == 1, texts
    # Each owner was reminded privately instead.
    for person, action in ((liu, "A1"), (wang, "A2"), (zhao, "A2")):
        assert any(
            action in m["text"] and "明天到期" in m["text"] for m in person.private_messages()
        ), person.name


async def test_the_living_card_shows_an_overdue_action_the_day_it_goes_overdue(world):
    """Finding 4: the card is edited when the overdue row runs, not at the next round."""
    group, chen, wang, liu, zhao = await 通过的议题(world)
    hello = await liu.says("我来负责递交申请")
    await chen.replies_to(hello, "/action 1 3月12日 向镇政府递交申请")
    await world.advance(days=7)  # the 7-day card
    card = current_card(world, group)
    assert "已逾期" not in card["text"]
    await world.advance(days=4)  # 3月13日: A1 was due on 12 March
    await world.run_due()  # the coalesced card edit goes out
    card = current_card(world, group)
    assert "A1" in card["text"] and "已逾期" in card["text"], card["text"]
