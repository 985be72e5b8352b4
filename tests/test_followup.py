"""Follow-up closes the loop: actions, cards at the offsets, ratings, reopening, quiet hours."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from storage import followup as repo
from storage import topics as topic_repo
from tests.kit.story import button_labels, deep_link_payload


async def adopted_topic(world, group):
    """A topic adopted on Monday 2 March 2026, 10:00 Shanghai time."""
    world.clock.set(datetime(2026, 3, 2, 2, 0, tzinfo=UTC))
    chen = group.convenor("chen", language="en")
    await chen.says("/language en")
    alice, bob, carol = (group.member(n, language="en") for n in ("alice", "bob", "carol"))
    await alice.says("/propose Fix the street lights")
    await chen.says("/accept 1 1h 1h")
    await alice.says("/draft 1 Replace the lamps on Main Street within a month.")
    await chen.says("/vote 1 1")
    ballot = group.last_bot_message()
    for person in (alice, bob, carol):
        await person.presses(ballot, "Agree")
    await chen.says("/close 1")
    assert "adopted: Fix the street lights" in group.last_bot_message()["text"]
    return chen, alice, bob, carol


async def topic(world, group):
    async with world.rt.db.read() as tx:
        return await topic_repo.get_topic(tx, group.chat_id, 1)


async def test_actions_cards_ratings_and_done(world):
    group = world.group()
    chen, alice, bob, carol = await adopted_topic(world, group)
    hello = await bob.says("I can do the lamps")
    await chen.replies_to(hello, "/action 1 2026-03-20 Buy and fit new lamps")
    assert "A1" in group.last_bot_message()["text"] and "Bob" in group.last_bot_message()["text"]
    await chen.replies_to(hello, "/action 1 14d Check the wiring")
    assert (await topic(world, group)).status == "following_up"

    # Carol follows the topic from the card's deep link and opens a private chat.
    await carol.says_privately("/start")
    await world.advance(days=7)  # the 7-day follow-up card
    card = group.last_bot_message()
    assert "Follow-up on topic #1" in card["text"] and "Replace the lamps" in card["text"]
    assert "A1 Buy and fit new lamps — Bob — due Fri 20 Mar — open" in card["text"]
    notify = next(
        b for row in card["reply_markup"]["inline_keyboard"] for b in row if "Notify" in b["text"]
    )
    await carol.says_privately("/start " + deep_link_payload(notify["url"]))
    assert "You will get the follow-up of topic #1" in carol.last_private_message()["text"]

    await alice.presses(card, "Not satisfied")
    await bob.presses(card, "Satisfied")
    answer = await alice.presses(card, "Partly")  # changes her rating
    assert "Partly" in answer.params["text"]
    await world.run_due()
    refreshed = world.api.messages[(group.chat_id, card["message_id"])]["text"]
    assert "😊 Satisfied 1 · 😐 Partly 1 · 😞 Not satisfied 0" in refreshed

    await bob.says("/progress A1 40 lamps ordered")
    assert "in progress 40%" in group.last_bot_message()["text"]
    await alice.says("/progress A1 50")
    assert "Only an owner of this action or a convenor" in group.last_bot_message()["text"]
    await bob.says("/progress A1 140")
    assert "0 to 100" in group.last_bot_message()["text"]
    await bob.says("/done A1 all fitted")
    await chen.says("/done A2 wiring fine")
    assert (await topic(world, group)).status == "done"
    # The final rating is one round on the living card, edited in place (no new card); the
    # 7-day round's result shows beside it.
    assert not any("is done" in t for t in group.texts()[:-1] if t != card["text"])
    final = card  # the fake keeps a message's latest state
    assert "is done" in final["text"] and any(
        "Satisfied" in label for label in button_labels(final)
    )
    assert "Last round (round 1): 😊 Satisfied 1 · 😐 Partly 1" in final["text"]
    assert "↳ latest: wiring fine" in final["text"]
    answer = await carol.presses(final, "Satisfied")
    assert answer is not None and not answer.params.get("show_alert")
    # Every pending follow-up of the topic is cancelled once it is done.
    async with world.rt.db.read() as tx:
        pending = await tx.scalar("SELECT COUNT(*) FROM scheduled WHERE done_at IS NULL")
        progress = await repo.progress_of(tx, (await repo.get_action(tx, group.chat_id, 1)).id)
    assert pending == 0
    assert [(p.percent, p.note) for p in progress] == [(40, "lamps ordered"), (100, "all fitted")]

    from bot.export import build_export

    async with world.rt.db.read() as tx:
        doc = (await build_export(tx, {}, group.chat_id, world.clock.now())).document
    exported = doc["chats"][0]["topics"][0]
    assert exported["status"] == "done"
    assert [(a["id"], a["owner_ids"], a["status"]) for a in exported["actions"]] == [
        (1, [bob.id], "done"),
        (2, [bob.id], "done"),
    ]
    assert [p["percent"] for p in exported["actions"][0]["progress"]] == [40, 100]
    assert set(exported["actions"][0]) == {"id", "text", "owner_ids", "due", "status", "progress"}
    assert set(exported["actions"][0]["progress"][0]) == {"at", "by", "percent", "note"}
    sent = [f for f in exported["followups"] if f["sent_at"]]
    assert [f["kind"] for f in sent] == ["followup"]
    assert {"id", "kind", "due_at", "sent_at", "late"} <= set(sent[0])
    assert exported["ratings"] == [
        {"round": 1, "kind": "followup", "satisfied": 1, "partly": 1, "not_satisfied": 0},
        {"round": 2, "kind": "final", "satisfied": 1, "partly": 0, "not_satisfied": 0},
    ]
    assert exported["subscribers"] == 1


async def test_subscribers_get_cards_privately_and_strangers_are_recorded(world):
    group = world.group()
    chen, alice, bob, carol = await adopted_topic(world, group)
    await carol.says_privately("/start")
    await carol.says_privately(f"/start sub_{group.chat_id}_1")
    await bob.says_privately("/start")
    await bob.says_privately(f"/start sub_{group.chat_id}_1")
    world.api.set_status(bob.id, bob.id, "blocked")  # Bob blocks the bot afterwards
    await world.advance(days=7)
    assert "Follow-up on topic #1" in carol.last_private_message()["text"]
    async with world.rt.db.read() as tx:
        rows = await tx.fetchall("SELECT user_id, kind FROM undeliverable")
    assert [(r["user_id"], r["kind"]) for r in rows] == [(bob.id, "followup")]
    # Not retried: the next card skips him, and the group card is unaffected.
    await world.advance(days=23)
    async with world.rt.db.read() as tx:
        assert await tx.scalar("SELECT COUNT(*) FROM undeliverable") == 1
    posted = [c.params["text"] for c in group.sent()]
    assert sum("Follow-up on topic #1" in t for t in posted) == 2
    # One private copy per round.
    assert sum("Follow-up on topic #1" in m["text"] for m in carol.private_messages()) == 2


async def mostly_unsatisfied(world, group):
    """An adopted topic whose 7-day card two of three rate "not satisfied"; the card."""
    chen, alice, bob, carol = await adopted_topic(world, group)
    await world.advance(days=7)
    card = group.last_bot_message()
    for person in (alice, bob):
        await person.presses(card, "Not satisfied")
    await carol.presses(card, "Satisfied")
    return chen, alice, bob, carol, card


async def test_mostly_not_satisfied_brings_the_reopen_card(world):
    group = world.group()
    chen, alice, bob, carol, card = await mostly_unsatisfied(world, group)
    stale_rating = next(b["callback_data"] for b in buttons_of(card) if "Satisfied" in b["text"])
    await world.advance(days=23)
    question = [m for m in group.bot_messages() if "Reopen it for deliberation?" in m["text"]]
    assert len(question) == 1 and "2 of 3 ratings" in question[0]["text"]
    await alice.presses(question[0], "Reopen")
    assert (await topic(world, group)).status == "following_up"  # members cannot
    await chen.presses(question[0], "Reopen")
    assert button_labels(question[0]) == []  # an answered question loses its buttons
    reopened = await topic(world, group)
    assert reopened.status == "deliberating" and reopened.round == 2
    # The living card lost its buttons and says the follow-up has ended; the 7-day card points
    # to it; rating an old round (a press that was on its way) is refused.
    await world.run_due()
    living = [m for m in group.bot_messages() if m["text"].startswith("Follow-up on topic #1")][-1]
    assert living["message_id"] != card["message_id"]
    assert "reopened for deliberation" in living["text"] and button_labels(living) == []
    assert button_labels(card) == [] and "out of date" in card["text"]
    answer = await alice.presses_data(card, stale_rating)
    assert answer.params.get("show_alert") is True


async def test_overdue_action_asks_convenors_to_reopen(world):
    group = world.group()
    chen, alice, bob, carol = await adopted_topic(world, group)
    hello = await bob.says("me")
    await chen.replies_to(hello, "/action 1 3d Order lamps")
    await world.advance(days=4)
    overdue = [t for t in group.texts() if t.startswith("⚠️ A1 is overdue")]
    assert len(overdue) == 1 and "Bob" in overdue[0]
    await world.advance(days=8)
    assert any("A1 of topic #1 is long overdue" in t for t in group.texts())
    # Neither the notices nor the question opened a rating round: only the 7-day card did.
    async with world.rt.db.read() as tx:
        assert await tx.scalar("SELECT COUNT(*) FROM rating_rounds") == 1


async def test_quiet_hours_hold_cards_until_morning(world):
    group = world.group()
    await adopted_topic(world, group)
    # The 7-day card falls due at 10:00 local; move adoption so it falls at 23:00 instead.
    async with world.rt.db.transaction() as tx:
        await tx.execute(
            "UPDATE scheduled SET due_at = ? WHERE kind = 'followup' AND payload_json LIKE '%\"index\": 0%'",
            ("2026-03-09T15:00:00+00:00",),
        )
    world.clock.set(datetime(2026, 3, 9, 15, 30, tzinfo=UTC))  # 23:30 in Shanghai
    await world.run_due()
    assert not any("Follow-up on topic #1" in t for t in group.texts())
    world.clock.set(datetime(2026, 3, 10, 0, 0, 1, tzinfo=UTC))  # 08:00:01
    await world.run_due()
    assert sum("Follow-up on topic #1" in t for t in group.texts()) == 1


async def test_bad_follow_up_input_changes_nothing(world):
    group = world.group()
    chen, alice, bob, carol = await adopted_topic(world, group)
    await chen.says("/action 1 2026-02-31 Something")
    assert "not a real date" in group.last_bot_message()["text"]
    await chen.says("/action 1 2026-01-01 Something")
    assert "already past" in group.last_bot_message()["text"]
    await chen.says("/action 1 soon Something")
    assert "neither a date" in group.last_bot_message()["text"]
    await alice.says("/action 1 14d Something")
    assert "Only a convenor" in group.last_bot_message()["text"]
    await chen.says("/action 9 14d Something")
    assert "There is no topic #9" in group.last_bot_message()["text"]
    await bob.says("/progress A7 50")
    assert "There is no action A7" in group.last_bot_message()["text"]
    await carol.says_privately("/subscribe 1")
    assert "open the group's card link first" in carol.last_private_message()["text"]
    await carol.says_privately(f"/start sub_{group.chat_id}_42")
    assert "There is no topic #42" in carol.last_private_message()["text"]
    async with world.rt.db.read() as tx:
        assert await tx.scalar("SELECT COUNT(*) FROM actions") == 0
        assert await tx.scalar("SELECT COUNT(*) FROM subscriptions") == 0


async def test_restart_with_cards_pending_sends_each_once(world):
    group = world.group()
    chen, alice, bob, carol = await adopted_topic(world, group)
    hello = await bob.says("me")
    await chen.replies_to(hello, "/action 1 3d Order lamps")
    await world.stop()
    world.clock.advance(
        timedelta(days=8)
    )  # the 7-day card, the due reminder and the overdue card fell due
    await world.boot()
    await world.run_due()
    await world.restart()
    await world.run_due()
    texts = group.texts()
    assert sum(t.startswith("⏰ A1 is due") for t in texts) == 1
    assert sum(t.startswith("⚠️ A1 is overdue") for t in texts) == 1
    # The 7-day card once; the due and overdue notices are one line each, not cards.
    assert sum(t.startswith("Follow-up on topic #1: Fix the street lights\n") for t in texts) == 1
    async with world.rt.db.read() as tx:
        rows = await tx.fetchall(
            "SELECT kind, late FROM scheduled WHERE done_at IS NOT NULL AND kind != 'vote_close' AND kind != 'views_close' AND kind != 'post_result' AND kind != 'owner_reminder'"
        )
    assert all(r["late"] == 1 for r in rows) and len(rows) == 3


async def test_convenor_drops_an_action_with_a_reason_and_the_rest_completes_the_topic(world):
    group = world.group()
    chen, alice, bob, carol = await adopted_topic(world, group)
    hello = await bob.says("me")
    await chen.replies_to(hello, "/action 1 14d Buy lamps")
    await chen.replies_to(hello, "/action 1 14d Paint the poles")
    await bob.says("/drop A2 no budget")
    assert "Only a convenor" in group.last_bot_message()["text"]
    await chen.says("/drop A2")
    assert "For example: /drop A1" in group.last_bot_message()["text"]
    await chen.says("/drop A2 no budget this year")
    assert "dropped: no budget this year" in group.last_bot_message()["text"]
    await bob.says("/done A1")
    assert (await topic(world, group)).status == "done"
    async with world.rt.db.read() as tx:
        dropped = await repo.get_action(tx, group.chat_id, 2)
    assert (dropped.status, dropped.reason) == ("dropped", "no budget this year")


async def test_notify_me_on_the_topic_card_subscribes_in_one_tap(world):
    group = world.group()
    chen, alice, bob, carol = await adopted_topic(world, group)
    await chen.says("/topic 1")
    card = group.last_bot_message()
    notify = next(b for b in buttons_of(card) if "Notify" in b["text"])
    await carol.says_privately("/start " + deep_link_payload(notify["url"]))
    await carol.says_privately("/mysubscriptions")
    assert "#1 Fix the street lights" in carol.last_private_message()["text"]
    await carol.says_privately("/unsubscribe 1")
    assert "no longer follow topic #1" in carol.last_private_message()["text"]
    async with world.rt.db.read() as tx:
        assert await tx.scalar("SELECT COUNT(*) FROM subscriptions") == 0


def buttons_of(message):
    return [b for row in message.get("reply_markup", {}).get("inline_keyboard", []) for b in row]


async def test_owner_reports_progress_from_the_follow_up_card(world):
    group = world.group()
    chen, alice, bob, carol = await adopted_topic(world, group)
    hello = await bob.says("me")
    await chen.replies_to(hello, "/action 1 30d Paint the poles")
    await world.advance(days=7)
    card = group.last_bot_message()
    refused = await alice.presses(card, "📈 Report on A1")
    assert refused.params["show_alert"] is True and "Only an owner" in refused.params["text"]
    await bob.presses(card, "📈 Report on A1")
    prompt = group.last_bot_message()
    assert prompt["asked"]["force_reply"] is True and "progress of A1" in prompt["text"]
    await bob.replies_to(prompt, "60 poles painted")
    assert "in progress 60%" in group.last_bot_message()["text"]
    async with world.rt.db.read() as tx:
        action = await repo.get_action(tx, group.chat_id, 1)
        reports = await repo.progress_of(tx, action.id)
    assert [(r.percent, r.note, r.by) for r in reports] == [(60, "poles painted", bob.id)]
    assert (group.chat_id, prompt["message_id"]) not in world.api.messages  # prompt tidied away


async def test_escalation_takes_the_rating_buttons_off_the_living_card(world):
    group = world.group()
    chen, alice, bob, carol = await adopted_topic(world, group)
    hello = await bob.says("me")
    await chen.replies_to(hello, "/action 1 20d Order lamps")
    await world.advance(days=7)
    card = group.last_bot_message()
    await alice.presses(card, "Satisfied")
    await chen.says("/escalate 1 the contractor will not answer")
    await world.run_due()
    assert button_labels(card) == []
    assert "went to mediation" in card["text"] and "😊 Satisfied 1" in card["text"]
    # Later offsets and the action's due and overdue rows post nothing; only the question about
    # how the escalated matter was settled (issue 13) comes, once, 30 days on.
    sent = len(group.sent())
    await world.advance(days=100)
    later = [c.text for c in group.sent()[sent:]]
    assert len(later) == 1 and "How was it settled?" in later[0], later
