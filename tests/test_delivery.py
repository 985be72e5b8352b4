"""Exactly once and on time, as Telegram really delivers (issue 9): every test goes through the
program's own poller, inbox, chat lanes and schedule; isolation and flood run with the rate
limiter on."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import time
from datetime import timedelta

from bot.app import poller_of
from bot.poller import DeliveryStopped
from storage import Database
from storage import inbox as inbox_repo
from tests.kit.fake_api import _ApiError
from tests.kit.story import World, press_payload
from tests.test_flow_vote import tally_of, vote_of, voting
from tests.test_followup import mostly_unsatisfied


def sent_by_member_while_down(world, member, text: str) -> None:
    """The member sends a message while the bot is down: Telegram keeps it for the bot."""
    message = member.message(member.group.chat, text)
    world.push({"message": {k: v for k, v in message.items() if k not in ("html", "asked")}})


async def crash_after_storing(world, payloads: list[dict]) -> None:
    """The poller stored these updates in the inbox (received now), then the process died
    before handling them: Telegram considers them delivered."""
    await world.stop()
    db = Database(world.settings.database.path)
    await db.open()
    try:
        async with db.transaction() as tx:
            await inbox_repo.store_batch(
                tx,
                [
                    (900 + i, json.dumps({"update_id": 900 + i, **p}))
                    for i, p in enumerate(payloads)
                ],
                world.clock.now(),
            )
    finally:
        await db.close()


def result_cards(group) -> list[str]:
    return [t for t in group.texts() if "adopted:" in t or "not adopted:" in t]


# ----- 1. deadlines by the time the group acted -----------------------------------------------


async def test_presses_stored_before_the_deadline_count_after_a_restart_past_it(world):
    group, _chen, people, ballot = await voting(world, duration="1h")
    alice, bob, carol, _dan, _emma = people
    await carol.presses(ballot, "Disagree")
    world.clock.advance(timedelta(minutes=59))
    await crash_after_storing(
        world,
        [
            press_payload(alice, group.chat, ballot, "Agree"),
            press_payload(bob, group.chat, ballot, "Agree"),
        ],
    )
    world.clock.advance(timedelta(hours=1))
    await world.boot()
    assert await tally_of(world, group) == {"agree": 2, "disagree": 1}
    [result] = result_cards(group)
    assert result.startswith("Topic #1 adopted: Fix the well")
    vote = await vote_of(world, group)
    assert vote.result == "adopted"


async def test_commands_sent_while_down_count_by_their_date_and_late_presses_do_not(world):
    group, _chen, people, ballot = await voting(world, duration="1h")
    alice, bob, carol, _dan, _emma = people
    await carol.presses(ballot, "Disagree")
    await world.stop()
    world.clock.advance(timedelta(minutes=50))
    sent_by_member_while_down(world, alice, "/ballot 1 agree")
    sent_by_member_while_down(world, bob, "/ballot 1 agree")
    # Dan's press reaches the bot only after the restart, past the deadline: no date of its own.
    dan_press = press_payload(people[3], group.chat, ballot, "Agree")
    world.push(dan_press)
    world.clock.advance(timedelta(hours=2))
    await world.boot()
    assert await tally_of(world, group) == {"agree": 2, "disagree": 1}
    assert result_cards(group)[0].startswith("Topic #1 adopted")
    [answer] = [
        c
        for c in world.api.calls_of("answerCallbackQuery")
        if c.params["callback_query_id"] == dan_press["callback_query"]["id"]
    ]
    assert answer.params["text"] == "This vote is closed."


# ----- 2. the scheduler hears about every row ----------------------------------------------------


async def test_a_follow_up_card_due_before_the_armed_time_wakes_the_scheduler(world):
    group, chen, people, ballot = await voting(
        world, settings=(("followup_offsets", "40s"),), duration="5m"
    )
    for person in people[:3]:
        await person.presses(ballot, "Agree")
    await chen.says("/close 1")
    adopted_at = world.clock.now()
    assert result_cards(group)[0].startswith("Topic #1 adopted")
    scheduler = world.rt.scheduler
    # Armed for the follow-up card, not for the (cancelled) vote deadline five minutes away.
    assert scheduler.armed_for == adopted_at + timedelta(seconds=40)
    await world.advance(minutes=2)
    assert any("Follow-up" in t for t in group.texts()), group.texts()[-1]


# ----- 3, 4. every group-visible send happens once ------------------------------------------


async def test_close_while_the_schedule_posts_another_groups_card_posts_one_result(tmp_path):
    world = await World.start(tmp_path)
    try:
        group_a, chen_a, people_a, ballot_a = await voting(world, duration="1h")
        group_b = world.group("Xishan village")
        chen_b = group_b.convenor("wang", language="en")
        await chen_b.says("/language en")
        bee = group_b.member("bee", language="en")
        await bee.says("/propose Paint the school")
        await chen_b.says("/accept 1")
        await bee.says("/draft 1 Paint it in May.")
        await chen_b.says("/vote 1 1 1h")
        for person in people_a[:3]:
            await person.presses(ballot_a, "Agree")
        await bee.presses(group_b.last_bot_message(), "Agree")
        world.api.delay["sendMessage"] = 0.05
        world.clock.advance(timedelta(hours=1))
        # Group B's deadline falls due while group A's convenor closes A's vote by hand.
        close = chen_a.message(group_a.chat, "/close 1")
        world.push({"message": {k: v for k, v in close.items() if k not in ("html", "asked")}})
        await world.run_due()
        assert len(result_cards(group_a)) == 1
        assert len(result_cards(group_b)) == 1
    finally:
        await world.stop()


async def test_a_failed_reopen_question_does_not_post_the_follow_up_card_again(world):
    group = world.group()
    await mostly_unsatisfied(world, group)
    original = world.api._m_sendMessage

    def bad_gateway_on_the_question(params):
        if "Reopen it for deliberation?" in str(params.get("text", "")):
            world.api._m_sendMessage = original
            raise _ApiError(502, "Bad Gateway")
        return original(params)

    world.api._m_sendMessage = bad_gateway_on_the_question
    await world.advance(days=23)
    await world.advance(hours=1)
    await world.advance(days=1)
    # The 7-day card (now pointing to the newer one) and the 30-day card, each once.
    cards = [t for t in group.texts() if t.startswith(("Follow-up", "↪ This follow-up card"))]
    assert len(cards) == 2, cards


# ----- 5. the poller never stops silently ---------------------------------------------------


async def test_a_locked_database_holds_the_batch_unconfirmed_until_it_can_be_stored(tmp_path):
    world = await World.start(tmp_path, overrides={"database": {"busy_timeout_ms": 50}})
    try:
        group = world.group()
        alice = group.member("alice", language="en")
        await alice.says("/help")
        other = sqlite3.connect(world.settings.database.path, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")  # `shangliang backup` or `migrate` holding a lock
        message = alice.message(group.chat, "/propose Fix the well")
        pushed = world.push({"message": {k: v for k, v in message.items() if k != "html"}})
        await asyncio.sleep(0.5)
        poller = poller_of(world.app)
        assert (poller.offset or 0) <= pushed["update_id"], "confirmed before it was stored"
        assert world.api.confirmed_offset <= pushed["update_id"]
        other.execute("COMMIT")
        other.close()
        await world.settle()
        assert any("#1：Fix the well" in t for t in group.texts())
        assert world.api.confirmed_offset <= pushed["update_id"] + 1
    finally:
        await world.stop()


async def test_a_database_locked_for_too_long_stops_delivery_loudly(tmp_path, caplog):
    world = await World.start(
        tmp_path, overrides={"database": {"busy_timeout_ms": 50, "give_up_after": "1s"}}
    )
    other = None
    try:
        group = world.group()
        alice = group.member("alice", language="en")
        other = sqlite3.connect(world.settings.database.path, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        message = alice.message(group.chat, "/propose Fix the well")
        pushed = world.push({"message": {k: v for k, v in message.items() if k != "html"}})
        poller = poller_of(world.app)
        task = poller._task
        done, _ = await asyncio.wait({task}, timeout=10)
        assert done, "the poller went on silently"
        assert isinstance(task.exception(), DeliveryStopped)
        assert world.api.confirmed_offset <= pushed["update_id"]
    finally:
        if other is not None:
            other.execute("COMMIT")
            other.close()
        await world.stop()


# ----- 6. flood control at arrival ----------------------------------------------------------


FLOOD = {"telegram": {"rate_limiter": True}, "limits": {"flood_burst": 4, "flood_window": "30s"}}
SLOW_DOWN = "Please slow down a little; try again in a few seconds."


async def test_a_burst_is_seen_at_arrival_even_while_the_chat_waits(tmp_path):
    world = await World.start(tmp_path, overrides=FLOOD)
    try:
        group = world.group()
        chen = group.convenor("chen", language="en")
        await chen.says("/language en")
        alice = group.member("alice", language="en")
        world.api.delay["sendMessage"] = 0.2  # each answer waits: the chat's queue grows
        before = len(group.sent())
        for _ in range(20):
            message = alice.message(group.chat, "/topics")
            world.push({"message": {k: v for k, v in message.items() if k != "html"}})
        await world.settle(within=30)
        sent = group.sent()[before:]
        answers = [c.text for c in sent]
        # Four answers, then one request to slow down, by name, as a reply to her command.
        assert len(answers) == 5, answers
        notice = sent[-1]
        assert notice.text == (
            f'<a href="tg://user?id={alice.id}">Alice</a>, please slow down a little; '
            "try again in a few seconds."
        )
        assert notice.params["reply_parameters"]["message_id"] > 0
        assert all("Open topics" in a for a in answers[:4]), answers
    finally:
        await world.stop()


async def test_commands_for_other_bots_do_not_count(tmp_path):
    world = await World.start(tmp_path, overrides={"limits": {"flood_burst": 8}})
    try:
        group = world.group()
        alice = group.member("alice", language="en")
        for _ in range(9):
            await alice.says("/roll@DiceBot")
        await alice.says("/propose Fix the well")
        assert group.texts() and "#1：Fix the well" in group.texts()[-1]
    finally:
        await world.stop()


async def test_every_dropped_press_is_answered(tmp_path):
    world = await World.start(tmp_path, overrides=FLOOD)
    try:
        group, _chen, people, ballot = await voting(world, duration="1h")
        emma = people[4]  # she has not acted yet: four presses are hers to make
        payloads = [press_payload(emma, group.chat, ballot, "Agree") for _ in range(6)]
        for payload in payloads:
            world.push(payload)
        await world.settle()
        answers = {
            c.params["callback_query_id"]: c.params
            for c in world.api.calls_of("answerCallbackQuery")
        }
        ids = [p["callback_query"]["id"] for p in payloads]
        assert all(i in answers for i in ids), "a press was left spinning"
        texts = [answers[i].get("text", "") for i in ids]
        assert SLOW_DOWN not in texts[:4]
        assert texts[4] == texts[5] == SLOW_DOWN
        assert answers[ids[4]].get("show_alert") is True
        assert not answers[ids[5]].get("show_alert")
    finally:
        await world.stop()


# ----- 7. chats are independent in the schedule too ------------------------------------------


async def test_a_group_waiting_for_its_budget_does_not_delay_another_groups_result(tmp_path):
    world = await World.start(tmp_path, overrides={"telegram": {"rate_limiter": True}})
    scheduler = world.rt.scheduler
    busy_sent: list[int] = []
    stop_busy = asyncio.Event()

    async def twenty_five_notices(app, job, late):
        for i in range(25):
            if stop_busy.is_set():
                break
            await app.bot.send_message(job.chat_id, f"notice {i}")
            busy_sent.append(i)
        async with world.rt.db.transaction() as tx:
            from storage import schedule

            await schedule.finish(tx, job.id, world.clock.now(), late)

    scheduler.register("test_notices", twenty_five_notices)
    try:
        busy = world.group("Busy")
        quiet, _chen, people, ballot = await voting(world, duration="1h")
        for person in people[:3]:
            await person.presses(ballot, "Agree")
        due = world.clock.now() + timedelta(hours=1)
        async with world.rt.db.transaction() as tx:
            from storage import schedule

            await schedule.add(tx, busy.chat_id, "test_notices", 0, due - timedelta(seconds=1))
        world.clock.set(due)
        started = time.monotonic()
        while not result_cards(quiet) and time.monotonic() - started < 5:
            # What the JobQueue does: wake whenever the schedule is armed for a time passed.
            if scheduler.armed_for is not None and scheduler.armed_for <= world.clock.now():
                await scheduler.run_due(world.app)
            await asyncio.sleep(0.02)
        waited = time.monotonic() - started
        assert result_cards(quiet), "the quiet group's result never came"
        assert waited < 2.0, f"the result waited {waited:.2f}s behind the busy group"
        assert len(busy_sent) < 25  # the busy group is still waiting for its budget
        stop_busy.set()
    finally:
        stop_busy.set()
        await world.stop()


async def test_a_redelivered_update_is_handled_once(world):
    group = world.group()
    alice = group.member("alice", language="en")
    message = alice.message(group.chat, "/propose Fix the well")
    payload = {"message": {k: v for k, v in message.items() if k != "html"}}
    update = await world.feed(payload)
    # Telegram sends the same update again (its id included), as after a lost confirmation.
    world.api.push_update(update)
    world.request.polling.wake()
    await world.settle()
    async with world.rt.db.read() as tx:
        assert await tx.scalar("SELECT COUNT(*) FROM topics") == 1
    assert sum("#1：Fix the well" in t for t in group.texts()) == 1


def test_which_updates_the_flood_guard_counts():
    from telegram import Update

    from handlers.arrival import addressed_to_us

    def update(text: str) -> Update:
        chat = {"id": -1, "type": "supergroup", "title": "g"}
        user = {"id": 5, "is_bot": False, "first_name": "A"}
        message = {"message_id": 1, "date": 0, "chat": chat, "from": user, "text": text}
        return Update.de_json({"update_id": 1, "message": message}, None)

    counted = {
        "/propose Fix it": True,
        "/propose@shangliang_test_bot Fix it": True,
        "/PROPOSE@Shangliang_Test_Bot": True,
        "/roll@DiceBot": False,
        "hello": False,
    }
    for text, expected in counted.items():
        assert addressed_to_us(update(text), "shangliang_test_bot") is expected, text


async def test_a_new_members_ballot_costs_one_write_besides_the_inbox(world):
    """The member's name, the ballot and the update's handled mark commit together: the only
    other write is the inbox's (one per batch from getUpdates)."""
    group, _chen, people, ballot = await voting(world, duration="1h")
    newcomer = group.member("newcomer", language="en")
    db = world.rt.db
    real_run, real_transaction = db.run, db.transaction
    opened = []

    def counting(*args, **kwargs):
        opened.append(kwargs.get("handles"))
        return real_run(*args, **kwargs)

    def hopping(*args, **kwargs):
        opened.append(("hop-per-statement transaction", kwargs.get("handles")))
        return real_transaction(*args, **kwargs)

    db.run, db.transaction = counting, hopping
    try:
        payload = press_payload(newcomer, group.chat, ballot, "Agree")
        update = await world.feed(payload)
    finally:
        db.run, db.transaction = real_run, real_transaction
    # The inbox's store of the batch, then the use case marking this very update handled.
    assert opened == [None, update["update_id"]], opened
    async with world.rt.db.read() as tx:
        name = await tx.scalar("SELECT first_name FROM users WHERE user_id = ?", (newcomer.id,))
        handled = await tx.scalar(
            "SELECT handled_at IS NOT NULL FROM inbox WHERE update_id = ?", (update["update_id"],)
        )
    assert name == "Newcomer" and handled == 1
