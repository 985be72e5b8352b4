"""Telegram's failure modes against the fake Bot API: nothing lost, nothing twice, no crash."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.kit.story import World


async def vote_in_progress(world, group):
    chen = group.convenor("chen", language="en")
    await chen.says("/language en")
    alice, bob = group.member("alice", language="en"), group.member("bob", language="en")
    await alice.says("/propose Clean the pond")
    await chen.says("/accept 1 1h 1h")
    await alice.says("/draft 1 Clean it in May.")
    await chen.says("/vote 1 1")
    return chen, alice, bob, group.last_bot_message()


@pytest.fixture
async def limited_world(tmp_path):
    w = await World.start(tmp_path, overrides={"telegram": {"rate_limiter": True}})
    try:
        yield w
    finally:
        await w.stop()


async def test_429_is_waited_out_and_the_message_sent_once(limited_world):
    world = limited_world
    group = world.group()
    alice = group.member("alice", language="en")
    world.api.fail("sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1)
    await alice.says("/propose Fix the gate")
    cards = [m for m in group.bot_messages() if "Fix the gate" in m["text"]]
    assert len(cards) == 1
    assert (
        len([c for c in world.api.calls_of("sendMessage", group.chat_id)]) == 2
    )  # refused, then sent


async def test_not_modified_and_deleted_cards_are_handled(world):
    group = world.group()
    chen, alice, bob, ballot = await vote_in_progress(world, group)
    await alice.presses(ballot, "Agree")
    await world.run_due()
    edits = len(group.edits())
    await alice.presses(ballot, "Agree")  # same choice again: the card would not change
    await world.run_due()
    assert len(group.edits()) == edits + 1  # tried, "not modified", no crash

    world.api.messages.pop((group.chat_id, ballot["message_id"]))  # someone deleted the card
    await bob.presses(ballot, "Agree")
    await world.run_due()
    fresh = group.last_bot_message()
    assert fresh["message_id"] != ballot["message_id"] and "Vote on topic #1" in fresh["text"]
    assert "2 voted so far" in fresh["text"]
    await alice.presses(fresh, "Disagree")  # the fresh card works


async def test_network_error_on_the_result_card_is_retried_once_sent(world):
    group = world.group()
    chen, alice, bob, ballot = await vote_in_progress(world, group)
    await alice.presses(ballot, "Agree")
    world.api.fail("sendMessage", 502, "Bad Gateway")
    await world.advance(hours=2)
    assert not any("adopted: Clean the pond" in t for t in group.texts())
    async with world.rt.db.read() as tx:
        assert await tx.scalar("SELECT status FROM topics") == "adopted"  # the record is right
    await world.advance(timedelta(minutes=6))
    assert sum("adopted: Clean the pond" in t for t in group.texts()) == 1
    await world.advance(timedelta(minutes=30))
    assert sum("adopted: Clean the pond" in t for t in group.texts()) == 1


async def test_scheduled_send_to_a_migrated_group_moves_it_and_resends(world):
    group = world.group()
    chen, alice, bob, ballot = await vote_in_progress(world, group)
    await alice.presses(ballot, "Agree")
    new_id = group.chat_id - 777
    world.api.add_chat(new_id, "supergroup", group.title)
    world.api.fail(
        "sendMessage",
        400,
        "Bad Request: group chat was upgraded to a supergroup chat",
        migrate_to_chat_id=new_id,
    )
    await world.advance(hours=2)
    await world.run_due()
    assert any(
        "adopted: Clean the pond" in m["text"]
        for m in world.api.messages.values()
        if m["chat"]["id"] == new_id
    )
    async with world.rt.db.read() as tx:
        assert await tx.scalar("SELECT chat_id FROM topics") == new_id


async def test_flooding_member_is_told_once_and_others_are_served(tmp_path):
    world = await World.start(
        tmp_path, overrides={"limits": {"flood_burst": 5, "flood_window": "10s"}}
    )
    try:
        group = world.group()
        alice, bob = group.member("alice"), group.member("bob")
        for _ in range(50):
            await alice.says("/topics")
        slow = [c for c in group.sent() if "操作太频繁" in c.text]
        assert len(slow) == 1
        assert len(group.sent()) == 5 + 1
        await bob.says("/topics")
        assert len(group.sent()) == 7  # Bob is answered at once
    finally:
        await world.stop()


async def test_a_row_that_keeps_failing_is_given_up_after_a_few_tries(world):
    group = world.group()
    chen, alice, bob, ballot = await vote_in_progress(world, group)
    world.api.fail("sendMessage", 502, "Bad Gateway", times=100)
    await world.advance(hours=2)
    for attempt in range(1, 8):
        await world.advance(timedelta(minutes=5 * attempt + 1))
    async with world.rt.db.read() as tx:
        row = await tx.fetchone(
            "SELECT outcome, payload_json FROM scheduled WHERE kind = 'post_result'"
        )
    assert row["outcome"] == "failed" and '"attempts": 5' in row["payload_json"]
    world.api._failures.clear()
