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
import json
import logging
import sqlite3
import time
import warnings
from collections.abc import Callable

from telegram import Bot, Update
from telegram.error import (
    Conflict,
    EndPointNotFound,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TimedOut,
)
from telegram.warnings import PTBUserWarning

from bot.inbox import Inbox

log = logging.getLogger(__name__)

BATCH = 100
# How long to wait for getUpdates' answer beyond the long polling time itself (seconds).
READ_MARGIN = 10.0

# do_api_request advises the typed method for a known endpoint; the poller wants the raw JSON.
warnings.filterwarnings("ignore", message=r"Please use 'Bot\.getUpdates'", category=PTBUserWarning)
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
                received = await self._get_updates(timeout)
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
            if received:
                # A member's burst is judged live; a backlog (sent while we were away) is not.
                await self._store(received, live=self.caught_up.is_set())
                self._offset = received[-1][0].update_id + 1
            if len(received) < BATCH and not self.caught_up.is_set():
                self.caught_up.set()
                if self.on_caught_up is not None:
                    self.on_caught_up()

    async def _get_updates(self, poll_seconds: float) -> list[tuple[Update, str]]:
        """One getUpdates call; each update with its JSON as Telegram sent it.

        Through `Bot.do_api_request` (documented, returning the raw result) rather than
        `get_updates`: the inbox stores what Telegram sent, and serialising parsed objects back
        (`to_dict`) cost a third of an update's handling. The read timeout grows by the long
        polling timeout plus READ_MARGIN. Raises what `get_updates` raises (InvalidToken for a
        token Telegram refuses).
        """
        try:
            result = await self.bot.do_api_request(
                "getUpdates",
                api_kwargs={
                    "offset": self._offset,
                    "limit": BATCH,
                    "timeout": poll_seconds,
                    "allowed_updates": list(Update.ALL_TYPES),
                },
                read_timeout=poll_seconds + READ_MARGIN,
            )
        except EndPointNotFound as exc:
            # do_api_request's name, once the bot is initialised, for a token Telegram no
            # longer accepts (401/404): the same fault get_updates reports as InvalidToken.
            raise InvalidToken(str(exc)) from exc
        return [(Update.de_json(raw, self.bot), json.dumps(raw)) for raw in result]

    async def _store(self, received: list[tuple[Update, str]], live: bool) -> None:
        started = self._monotonic()
        attempt = 0
        while True:
            try:
                await self.inbox.accept(
                    [u for u, _ in received], screen=live, payloads=[p for _, p in received]
                )
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
