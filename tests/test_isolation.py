"""A group that has spent its Telegram budget must not hold up any other chat (rate limiter on,
updates through the program's own poller, inbox and chat lanes)."""

from __future__ import annotations

import asyncio
import time

from tests.kit.story import World


async def test_saturated_group_does_not_delay_another_group(tmp_path):
    world = await World.start(tmp_path, overrides={"telegram": {"rate_limiter": True}})
    try:
        busy, quiet = world.group("Busy"), world.group("Quiet")
        members = [busy.member(f"m{i}") for i in range(23)]
        bob = quiet.member("bob")
        # 23 proposals in the busy group: more than its 20 messages a minute.
        for i, member in enumerate(members):
            message = member.message(busy.chat, f"/propose Matter {i}")
            world.push({"message": {k: v for k, v in message.items() if k != "html"}})
        for _ in range(100):
            if len(busy.sent()) >= 20:
                break
            await asyncio.sleep(0.01)
        assert len(busy.sent()) < 23  # the busy group is being held back by its budget
        started = time.monotonic()
        message = bob.message(quiet.chat, "/help")
        world.push({"message": {k: v for k, v in message.items() if k != "html"}})
        for _ in range(250):
            if quiet.sent():
                break
            await asyncio.sleep(0.02)
        waited = time.monotonic() - started
        assert quiet.sent(), "the quiet group was never answered"
        assert waited < 2.0, f"the quiet group waited {waited:.2f}s behind the busy one"
        assert len(busy.sent()) < 23
    finally:
        await world.stop()
