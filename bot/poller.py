"""Long polling of our own: a batch is confirmed to Telegram only once it is stored.

python-telegram-bot's Updater confirms a batch by asking for the next one, and a failure to
queue an update ends its polling task silently: the process stays up and answers nothing.
Here the offset moves past a batch only after `Inbox.accept` has stored it. A batch that cannot
be stored is retried with back-off; past `database.give_up_after` the poller raises
`DeliveryStopped`, the program logs one line and exits non-zero, and the service manager
restarts it (Telegram still holds the unconfirmed updates).
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
from collections.abc import Callable

from telegram import Bot, Update
from telegram.error import Conflict, InvalidToken, NetworkError, RetryAfter, TimedOut

from bot.inbox import Inbox

log = logging.getLogger(__name__)

BATCH = 100
NETWORK_BACKOFF = (1.0, 2.0, 5.0, 10.0, 30.0)
STORE_BACKOFF = (0.1, 0.25, 0.5, 1.0, 2.0, 5.0)


class DeliveryStopped(Exception):
    """Received updates could not be stored for too long; the process should restart."""


class Poller:
    def __init__(
        self,
        bot: Bot,
        inbox: Inbox,
        *,
        timeout: int,
        give_up_after: float,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.bot = bot
        self.inbox = inbox
        self.timeout = timeout
        self.give_up_after = give_up_after
        self._monotonic = monotonic
        self._offset: int | None = None
        self._stopping = False
        self._task: asyncio.Task | None = None
        # Set while everything Telegram holds for us has been received and queued: cleared
        # when a poll fails (updates may be waiting there), set again by the next short batch.
        self.caught_up = asyncio.Event()
        # Told each time the poller catches up again (the schedule runs what waited for it).
        self.on_caught_up: Callable[[], None] | None = None

    @property
    def offset(self) -> int | None:
        """The next update id asked for: every id below it is stored (and confirmed)."""
        return self._offset

    def start(self) -> asyncio.Task:
        self._task = asyncio.create_task(self.run(), name="shangliang-poller")
        return self._task

    async def stop(self) -> None:
        """Stop now, wherever it is: a long poll, a back-off or a store in flight is
        abandoned. Safe: nothing is confirmed to Telegram before it is stored, and what was
        stored and not yet queued is replayed at the next start."""
        self._stopping = True
        task = self._task
        if task is None or task.done():
            return
        task.cancel()
        try:
            await task
        except (asyncio.CancelledError, DeliveryStopped):
            pass

    async def run(self) -> None:
        """Poll until stopped; raises DeliveryStopped or InvalidToken."""
        failures = 0
        while not self._stopping:
            # Until caught up, take what is waiting at once; then long polling.
            timeout = self.timeout if self.caught_up.is_set() else 0
            try:
                updates = await self.bot.get_updates(
                    offset=self._offset,
                    limit=BATCH,
                    timeout=timeout,
                    allowed_updates=Update.ALL_TYPES,
                )
            except RetryAfter as exc:
                self.caught_up.clear()
                await asyncio.sleep(_seconds(exc.retry_after))
                continue
            except TimedOut:
                continue
            except InvalidToken:
                raise
            except (NetworkError, Conflict) as exc:
                # Conflict: another instance polls with this token; both keep trying, loudly.
                self.caught_up.clear()
                delay = NETWORK_BACKOFF[min(failures, len(NETWORK_BACKOFF) - 1)]
                failures += 1
                log.warning("getUpdates failed (%s); trying again in %.0f s", exc, delay)
                await asyncio.sleep(delay)
                continue
            failures = 0
            if updates:
                # A member's burst is judged live; a backlog (sent while we were away) is not.
                await self._store(updates, live=self.caught_up.is_set())
                self._offset = updates[-1].update_id + 1
            if len(updates) < BATCH and not self.caught_up.is_set():
                self.caught_up.set()
                if self.on_caught_up is not None:
                    self.on_caught_up()

    async def _store(self, updates: tuple[Update, ...], live: bool) -> None:
        started = self._monotonic()
        attempt = 0
        while True:
            try:
                await self.inbox.accept(updates, screen=live)
                return
            except sqlite3.Error as exc:
                waited = self._monotonic() - started
                if waited >= self.give_up_after:
                    raise DeliveryStopped(
                        f"received updates could not be stored for {waited:.0f} s ({exc})"
                    ) from exc
                delay = STORE_BACKOFF[min(attempt, len(STORE_BACKOFF) - 1)]
                attempt += 1
                log.warning("storing received updates failed (%s); retrying in %.2f s", exc, delay)
                await asyncio.sleep(delay)


def _seconds(value: object) -> float:
    return value.total_seconds() if hasattr(value, "total_seconds") else float(value)  # type: ignore[union-attr]
