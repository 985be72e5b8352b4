"""A group that has spent its Telegram budget must not hold up any other chat."""

from __future__ import annotations

import asyncio
import time

from telegram import Update

from tests.kit.story import World


async def test_saturated_group_does_not_delay_another_group(tmp_path):
    world = await World.start(tmp_path, overrides={"telegram": {"rate_limiter": True}})
    app = world.app
    try:
        busy, quiet = world.group("Busy"), world.group("Quiet")
        members = [busy.member(f"m{i}") for i in range(23)]
        bob = quiet.member("bob")
        await app.start()
        # 23 proposals in the busy group: more than its 20 messages a minute.
        for i, member in enumerate(members):
            message = member.message(busy.chat, f"/propose Matter {i}")
            await app.update_queue.put(
                Update.de_json({"update_id": 1000 + i, "message": _public(message)}, app.bot)
            )
        await asyncio.sleep(0.5)
        assert len(busy.sent()) < 23  # the busy group is being held back by its budget
        started = time.monotonic()
        message = bob.message(quiet.chat, "/help")
        await app.update_queue.put(
            Update.de_json({"update_id": 5000, "message": _public(message)}, app.bot)
        )
        while not quiet.sent() and time.monotonic() - started < 5:  # noqa: ASYNC110 - polling what the fake API saw
            await asyncio.sleep(0.02)
        waited = time.monotonic() - started
        assert quiet.sent(), "the quiet group was never answered"
        assert waited < 2.0, f"the quiet group waited {waited:.2f}s behind the busy one"
    finally:
        if app.running:
            await app.stop()
        await world.stop()


def _public(message: dict) -> dict:
    return {k: v for k, v in message.items() if k not in ("html", "asked")}
