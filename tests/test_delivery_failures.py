"""What goes wrong between the poller, the inbox and the schedule when the database or the
network misbehaves (found by review after issue 9's first pass; each failed before its fix)."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import timedelta

import aiosqlite
import pytest
from telegram.error import NetworkError

from storage.migrate import apply_migrations
from tests.kit.story import World
from tests.test_delivery import SLOW_DOWN, result_cards
from tests.test_flow_vote import tally_of, voting


def push_text(world, member, text: str) -> dict:
    message = member.message(member.group.chat, text)
    return world.push({"message": {k: v for k, v in message.items() if k not in ("html", "asked")}})


async def test_a_backlog_sent_while_down_is_not_judged_a_burst(tmp_path):
    world = await World.start(
        tmp_path, overrides={"limits": {"flood_burst": 4, "flood_window": "30s"}}
    )
    try:
        group = world.group()
        chen = group.convenor("chen", language="en")
        await chen.says("/language en")
        alice = group.member("alice", language="en")
        await world.stop()
        for _ in range(6):  # ten minutes apart, while the bot is down
            world.clock.advance(timedelta(minutes=10))
            push_text(world, alice, "/topics")
        before = len(group.sent())
        await world.boot()
        answers = [c.text for c in group.sent()[before:]]
        assert len(answers) == 6 and SLOW_DOWN not in answers, answers
    finally:
        await world.stop()


async def test_a_failing_flood_screen_lets_the_update_through(tmp_path):
    world = await World.start(tmp_path)
    try:
        group = world.group()
        alice = group.member("alice", language="en")
        await alice.says("/help")
        inbox = world.rt.inbox
        real = inbox.screen

        async def flaky(update):
            inbox.screen = real
            raise sqlite3.OperationalError("database is locked")

        inbox.screen = flaky
        await alice.says("/propose Fix the well")
        async with world.rt.db.read() as tx:
            assert await tx.scalar("SELECT COUNT(*) FROM topics") == 1
            assert await tx.scalar("SELECT COUNT(*) FROM inbox WHERE handled_at IS NULL") == 0
        assert inbox.in_hand == 0
    finally:
        await world.stop()


async def test_a_ballot_held_at_telegram_during_an_outage_counts_before_the_deadline(tmp_path):
    world = await World.start(tmp_path)
    try:
        group, _chen, people, ballot = await voting(world, duration="1h")
        alice, bob, carol = people[:3]
        await alice.presses(ballot, "Agree")
        await bob.presses(ballot, "Agree")
        polling = world.request.polling
        real = polling.get_updates

        async def outage(params):
            await asyncio.sleep(0.01)
            raise NetworkError("Bad Gateway")

        polling.get_updates = outage
        world.clock.advance(timedelta(minutes=59))
        push_text(world, carol, "/ballot 1 agree")  # dated before the deadline, held at Telegram
        poller_failed = world.rt.scheduler.receiving
        for _ in range(200):
            if not poller_failed.is_set():
                break
            await asyncio.sleep(0.01)
        world.clock.advance(timedelta(minutes=2))
        scheduler = world.rt.scheduler
        assert await scheduler.run_due(world.app) == 0  # the deadline waits for Telegram
        polling.get_updates = real
        polling.wake()
        await world.settle(within=15)
        assert await tally_of(world, group) == {"agree": 3}
        assert result_cards(group)[0].startswith("Topic #1 adopted")
    finally:
        await world.stop()


async def test_an_upgrade_keeps_updates_handled_before_a_crash_handled(tmp_path):
    conn = await aiosqlite.connect(tmp_path / "old.db", isolation_level=None)
    try:
        await apply_migrations(conn, target=4)
        # Version 4 handled update 77 (processed_updates, with its use case) and crashed
        # before its batched clean-up removed the inbox row.
        await conn.execute("INSERT INTO inbox(update_id, payload) VALUES (77, '{}')")
        await conn.execute("INSERT INTO processed_updates(update_id) VALUES (77)")
        await apply_migrations(conn)
        rows = await conn.execute_fetchall("SELECT update_id, handled_at FROM inbox")
        assert len(rows) == 1 and rows[0][1] is not None
    finally:
        await conn.close()


async def test_a_migration_that_cannot_be_followed_backs_off(tmp_path):
    world = await World.start(tmp_path)
    try:
        group, _chen, people, ballot = await voting(world, duration="1h")
        for person in people[:3]:
            await person.presses(ballot, "Agree")
        newer = world.group("Already a supergroup")
        await newer.member("zed", language="en").says("/propose Something else")
        before = len(world.api.calls_of("sendMessage", group.chat_id))
        world.api.fail(
            "sendMessage",
            400,
            "Bad Request: group chat was upgraded to a supergroup chat",
            times=40,
            migrate_to_chat_id=newer.chat_id,
        )
        await world.advance(hours=2)
        tries = len(world.api.calls_of("sendMessage", group.chat_id)) - before
        assert tries == 1, tries  # then the row waits for its retry time
    finally:
        world.errors.clear()
        await world.stop()


async def test_a_short_lock_after_the_result_card_does_not_post_it_again(tmp_path):
    world = await World.start(tmp_path, overrides={"database": {"busy_timeout_ms": 50}})
    other = sqlite3.connect(world.settings.database.path, isolation_level=None)
    try:
        group, _chen, people, ballot = await voting(world, duration="1h")
        for person in people[:3]:
            await person.presses(ballot, "Agree")
        original = world.api._m_sendMessage
        loop = asyncio.get_running_loop()

        def lock_after_the_card(params):
            out = original(params)
            if "adopted:" in str(params.get("text", "")) and not other.in_transaction:
                other.execute("BEGIN IMMEDIATE")  # `shangliang backup`, say, for 0.6 s
                loop.call_later(0.6, other.execute, "COMMIT")
            return out

        world.api._m_sendMessage = lock_after_the_card
        await world.advance(hours=2)
        assert len(result_cards(group)) == 1
    finally:
        if other.in_transaction:
            other.execute("COMMIT")
        other.close()
        await world.stop()


async def test_a_token_revoked_while_running_is_reported_as_an_invalid_token():
    """getUpdates goes through Bot.do_api_request, which names a refused token
    EndPointNotFound once the bot is initialised: the poller still reports InvalidToken."""
    from telegram import Bot
    from telegram.error import InvalidToken
    from telegram.request import BaseRequest

    from bot.poller import Poller

    class Revoked(BaseRequest):
        @property
        def read_timeout(self) -> float:
            return 5.0

        async def initialize(self) -> None:
            pass

        async def shutdown(self) -> None:
            pass

        async def do_request(self, url, method, request_data=None, **_kwargs):
            if url.endswith("getMe"):
                return 200, (
                    b'{"ok":true,"result":{"id":1,"is_bot":true,"first_name":"b","username":"b"}}'
                )
            return 401, b'{"ok":false,"error_code":401,"description":"Unauthorized"}'

    bot = Bot("1:abc", request=Revoked(), get_updates_request=Revoked())
    await bot.initialize()
    with pytest.raises(InvalidToken):
        await Poller(bot, object(), timeout=0, give_up_after=1).run()
