"""Edge cases a review turned up: long records stay postable, retries never post twice, and a
member who left keeps no say."""

from __future__ import annotations

from datetime import timedelta

from tests.kit.fake_api import html_to_plain
from tests.test_followup import adopted_topic


async def open_vote(world, group, draft_text="Clean it in May."):
    chen = group.convenor("chen", language="en")
    await chen.says("/language en")
    people = [group.member(f"m{i}", language="en") for i in range(8)]
    await people[0].says("/propose Clean the pond")
    await chen.says("/accept 1 1h 1h")
    await people[0].says(f"/draft 1 {draft_text}")
    await chen.says("/vote 1 1")
    return chen, people, group.last_bot_message()


async def test_result_card_with_long_wording_and_many_reasons_fits_one_message(world):
    group = world.group()
    chen, people, ballot = await open_vote(world, group, "长" * 1990)
    for person in people:
        await person.says("/ballot 1 disagree " + "理由很长&<>" * 60)
    await chen.says("/close 1")
    result = [c.text for c in group.sent() if "not adopted: Clean the pond" in c.text]
    assert len(result) == 1
    plain = html_to_plain(result[0])
    assert len(plain) <= 4096 and "长" * 1990 in plain
    assert "more reasons, in the minutes" in plain


async def test_result_card_is_posted_once_when_a_card_edit_fails(world):
    group = world.group()
    chen, people, ballot = await open_vote(world, group)
    await people[0].presses(ballot, "Agree")
    world.api.fail("editMessageText", 502, "Bad Gateway", times=3)
    await chen.says("/close 1")
    await world.advance(timedelta(minutes=30))
    assert sum("Clean the pond" in t and "adopted" in t for t in group.texts()) == 1


async def test_follow_up_card_with_many_long_actions_fits_one_message(world):
    group = world.group()
    chen, alice, bob, carol = await adopted_topic(world, group)
    for _ in range(14):  # each line is clipped to about 350 characters on the card
        hello = await bob.says("me")
        await chen.replies_to(hello, "/action 1 60d " + "Repair lamp post number forty " * 13)
    await world.advance(days=7)
    card = group.last_bot_message()
    assert card["text"].startswith("Follow-up on topic #1")
    assert len(card["text"]) <= 4096 and "more: /actions 1" in card["text"]


async def test_transient_failure_keeps_the_round_and_the_reopen_question(world):
    group = world.group()
    chen, alice, bob, carol = await adopted_topic(world, group)
    await world.advance(days=7)
    card = group.last_bot_message()
    for person in (alice, bob, carol):
        await person.presses(card, "Not satisfied")
    world.api.fail("sendMessage", 502, "Bad Gateway")
    await world.advance(days=23)  # the 30-day card fails once...
    await world.advance(timedelta(minutes=6))  # ...and goes out on the retry
    # The 7-day card (now pointing to the 30-day one) and the 30-day card, each once.
    assert sum(t.startswith("Follow-up on topic #1") for t in group.texts()) == 1
    assert sum(t.startswith("↪ This follow-up card is out of date") for t in group.texts()) == 1
    assert sum("Reopen it for deliberation?" in t for t in group.texts()) == 1
    async with world.rt.db.read() as tx:
        assert await tx.scalar("SELECT COUNT(*) FROM rating_rounds") == 2


async def test_member_who_left_cannot_vote_from_private(world):
    group = world.group()
    chen, people, ballot = await open_vote(world, group)
    eve = people[1]
    link = next(
        b["url"] for row in ballot["reply_markup"]["inline_keyboard"] for b in row if "url" in b
    )
    await eve.says_privately("/start " + link.split("start=")[1])
    world.api.set_status(group.chat_id, eve.id, "kicked")
    world.rt.admin_cache.drop(("member", group.chat_id, eve.id))
    await eve.says_privately("/ballot 1 agree")
    assert "members of that group only" in eve.last_private_message()["text"]
    async with world.rt.db.read() as tx:
        assert await tx.scalar("SELECT COUNT(*) FROM ballots") == 0


async def test_anonymous_view_cannot_be_changed_in_the_group_by_anyone(world):
    group = world.group()
    chen = group.convenor("chen", language="en")
    await chen.says("/language en")
    alice, bob = group.member("alice", language="en"), group.member("bob", language="en")
    await alice.says("/propose Plant trees")
    await chen.says("/accept 1 1d 1d")
    await alice.says_privately("/start")
    await alice.says_privately(f"/start av_{group.chat_id}_1")
    await alice.presses_privately(alice.last_private_message(), "Concern")
    await alice.says_privately("Who waters them?")
    await alice.says("/retract 1 1")
    by_author = group.last_bot_message()["text"]
    await bob.says("/retract 1 1")
    by_other = group.last_bot_message()["text"]
    assert by_author == by_other  # the answer gives nothing away
    assert "anonymous" in by_author
    await alice.says_privately("/retract 1 1")
    assert "was retracted" in alice.last_private_message()["text"]


async def test_upgraded_group_keeps_private_focus_and_pending_questions(world):
    group = world.group()
    chen, people, ballot = await open_vote(world, group)
    voter = people[2]
    link = next(
        b["url"] for row in ballot["reply_markup"]["inline_keyboard"] for b in row if "url" in b
    )
    await voter.says_privately("/start " + link.split("start=")[1])
    new_id = group.chat_id - 999
    world.api.add_chat(new_id, "supergroup", group.title)
    world.api.set_status(new_id, voter.id, "member")
    await world.feed(
        {
            "message": {
                "message_id": 9999,
                "date": 0,
                "chat": group.chat,
                "migrate_to_chat_id": new_id,
            }
        }
    )
    await voter.says_privately("/ballot 1 agree")
    assert "Your ballot: agree" in voter.last_private_message()["text"]


async def test_escalation_ends_the_vote_without_a_result_and_keeps_the_record(world):
    group = world.group()
    chen, people, ballot = await open_vote(world, group)
    await people[0].presses(ballot, "Agree")
    await people[1].says("/escalate 1 the neighbours cannot agree")
    assert group.last_bot_message()["text"] == "Only a convenor of this group can do that."
    await chen.says("/escalate 1 the neighbours cannot agree")
    assert "escalated to mediation" in group.last_bot_message()["text"]
    # Its record: the minutes, with /minutes N (the convenor never started the bot privately).
    escalated = group.last_bot_message()["text"]
    assert "/minutes 1" in escalated and "shangliang" not in escalated
    await world.advance(hours=2)  # the vote's deadline passes: nothing more happens
    assert not any("adopted: Clean the pond" in t for t in group.texts())
    from bot.export import build_export

    async with world.rt.db.read() as tx:
        doc = (await build_export(tx, {}, group.chat_id, world.clock.now())).document
        pending = await tx.fetchall("SELECT kind FROM scheduled WHERE done_at IS NULL")
    topic = doc["chats"][0]["topics"][0]
    # Nothing of the deliberation is left to run; only the question about its outcome (issue 13).
    assert topic["status"] == "escalated" and [r[0] for r in pending] == ["escalation_check"]
    assert topic["votes"][0]["result"] is None and topic["votes"][0]["closed_at"]
    assert topic["history"][-1]["event"] == "escalated"
    assert topic["history"][-1]["detail"] == "the neighbours cannot agree"
