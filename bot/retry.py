"""Writing down what the group has already seen: retried, never repeated.

After a group-visible send (a result card, a follow-up card, a notice), the row that caused it
must be marked done. If that write fails (another process holds a lock for a moment), sending
again would post the card twice; so the write alone is retried with back-off.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

from bot.runtime import Runtime

log = logging.getLogger(__name__)

T = TypeVar("T")
DELAYS = (0.1, 0.25, 0.5, 1.0, 2.0, 5.0)


async def until_stored(rt: Runtime, write: Callable[[], Awaitable[T]], what: str) -> T:
    """Run `write` (a database transaction) until it succeeds; retried for at most
    `database.give_up_after` seconds, then its last sqlite3.Error is raised."""
    give_up_after = rt.settings.database.give_up_after.total_seconds()
    started = time.monotonic()
    attempt = 0
    while True:
        try:
            return await write()
        except sqlite3.Error as exc:
            if time.monotonic() - started >= give_up_after:
                raise
            delay = DELAYS[min(attempt, len(DELAYS) - 1)]
            attempt += 1
            log.warning("recording %s failed (%s); retrying in %.2f s", what, exc, delay)
            await asyncio.sleep(delay)
