"""Nothing Telegram has handed over is lost or handled twice, even across a crash.

The poller (bot/poller.py) gives each batch that getUpdates returns to `Inbox.accept`, which
stores it in one transaction with the moment the bot received it, before Telegram is told (by
the next getUpdates) that it arrived. An update is marked handled in the same transaction as
the use case it causes (`Database.run(work, handles=...)`), or, when it changes nothing,
in a batch after the processor is done with it. Start-up replays what is stored and not
handled; a redelivered id that was handled is skipped. This is the one exactly-once mechanism.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sqlite3
from collections.abc import Awaitable, Callable, Iterable, Sequence
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from telegram import Update

from bot.runtime import Runtime
from bot.services.chats import Person, person_written, write_person
from storage import Tx
from storage import inbox as repo

log = logging.getLogger(__name__)

# Handled rows are kept this long to recognise redeliveries (Telegram keeps an unconfirmed
# update for 24 hours), then forgotten.
KEEP_HANDLED = timedelta(days=1)
PRUNE_EVERY = timedelta(hours=1)

# Told of each update before it is queued; False drops it (flood control at arrival).
Screen = Callable[[Update], Awaitable[bool]]


class Inbox:
    def __init__(self, rt: Runtime, queue: asyncio.Queue) -> None:
        self.rt = rt
        self.queue = queue
        self.screen: Screen | None = None
        # Updates queued in this run and not yet marked handled in the database, with the
        # moment they were received (UTC): a deadline is judged by it.
        self._received: dict[int, datetime] = {}
        self._handled: list[int] = []
        # Marked handled by their own use case's transaction, the processor not yet done.
        self._marked: set[int] = set()
        # Names seen on updates whose use case (if any) did not write them.
        self._people: dict[int, Person] = {}
        self._changed = asyncio.Event()
        self._last_prune: datetime | None = None
        rt.db.on_handled = self._marked_by_use_case

    def received_at(self, update_id: int) -> datetime | None:
        """When the bot received this update (UTC), while it is being handled."""
        return self._received.get(update_id)

    async def accept(
        self,
        updates: Sequence[Update],
        screen: bool = True,
        payloads: Sequence[str] | None = None,
    ) -> int:
        """Store a batch, then queue what is new; returns how many were queued.

        `screen=False` for a backlog (what members sent while the bot was away): flood
        control judges bursts as they happen, not updates that arrive together late.
        Raises sqlite3.Error when the batch cannot be stored: then nothing was queued and the
        caller must not confirm the batch to Telegram. `payloads` are the updates' JSON as
        received (the poller has it); without it they are serialised here.
        """
        now = self.rt.clock.now()
        if payloads is None:
            payloads = [json.dumps(u.to_dict()) for u in updates]
        rows = [(u.update_id, p) for u, p in zip(updates, payloads, strict=True)]
        handled_before = await self.rt.db.run(lambda tx: repo.store_batch(tx, rows, now))
        queued = 0
        for update in updates:
            uid = update.update_id
            if uid in handled_before:
                log.info("update %s was handled before; skipped", uid)
                continue
            if uid in self._received:
                continue  # replayed at start-up and redelivered: already in hand
            if screen and not await self._passes_screen(update):
                self._received[uid] = now
                self._note_handled(uid)
                continue
            self._received[uid] = now
            await self.queue.put(update)
            queued += 1
        return queued

    async def _passes_screen(self, update: Update) -> bool:
        if self.screen is None:
            return True
        try:
            return await self.screen(update)
        except Exception:
            # Flood control is a courtesy: when it fails, the update is handled as usual.
            log.exception("flood screen failed on update %s", update.update_id)
            return True

    async def replay(self, bot: Any) -> int:
        """Queue what was received but not handled before the last stop, in order."""
        waiting = await self.rt.db.view(repo.waiting)
        for stored in waiting:
            if stored.update_id in self._received:
                continue
            try:
                update = Update.de_json(json.loads(stored.payload), bot)
            except Exception:
                # One unreadable row must not keep the bot from starting: set aside, marked.
                log.exception("stored update %s cannot be read; skipped", stored.update_id)
                self._received[stored.update_id] = stored.received_at
                self._note_handled(stored.update_id)
                continue
            self._received[stored.update_id] = stored.received_at
            await self.queue.put(update)
        if waiting:
            log.info("replaying %d updates received before the last stop", len(waiting))
        return len(waiting)

    def handled(self, update: object) -> None:
        """The processor is done with `update` (its use case, if any, has committed)."""
        if not isinstance(update, Update):
            return
        uid = update.update_id
        if uid in self._marked:
            # Its use case's transaction marked it: nothing left to write for it.
            self._marked.discard(uid)
            self._received.pop(uid, None)
            self._changed.set()
            return
        elif uid in self._received:
            self._note_handled(uid)

    def _marked_by_use_case(self, update_id: int) -> None:
        if update_id in self._received:
            self._marked.add(update_id)

    def note_person(self, person: Person) -> None:
        """Write this member's name with the next batch of handled marks."""
        self._people[person.user_id] = person

    def _note_handled(self, update_id: int) -> None:
        self._handled.append(update_id)
        self._changed.set()

    @property
    def in_hand(self) -> int:
        """Updates queued in this run and not yet marked handled in the database."""
        return len(self._received)

    async def flush(self) -> bool:
        """Mark handled what the processor has finished (called now and then, and at stop);
        forget handled rows older than a day. False when the marks could not be written."""
        if not self.rt.db.is_open:
            return False
        now = self.rt.clock.now()
        done, self._handled = self._handled, []
        people, self._people = self._people, {}
        prune = self._last_prune is None or now - self._last_prune >= PRUNE_EVERY
        if not done and not prune and not people:
            return True
        try:
            await self.rt.db.run(partial(self._write_marks, people, done, now, prune))
        except sqlite3.Error as exc:
            # Another process holds a lock, or the disk is full: tried again at the next
            # flush. Until then a restart would replay these (harmless: they changed nothing
            # their own use case did not mark).
            self._handled[:0] = done
            self._people = {**people, **self._people}
            log.warning("handled updates not marked yet (%s); will try again", exc)
            return False
        except BaseException:
            self._handled[:0] = done
            self._people = {**people, **self._people}
            raise
        if prune:
            self._last_prune = now
        for person in people.values():
            person_written(self.rt, person)
        for uid in done:
            self._received.pop(uid, None)
        self._changed.set()
        return True

    async def _write_marks(
        self, people: dict[int, Person], done: list[int], now: datetime, prune: bool, tx: Tx
    ) -> None:
        for person in people.values():
            await write_person(tx, self.rt, person)
        if done:
            await repo.mark_handled(tx, done, now)
        if prune:
            await repo.prune(tx, now - KEEP_HANDLED)

    async def processed(self, update_ids: Iterable[int]) -> None:
        """Wait until the processor is done with these updates (their marks may still be
        waiting for the next flush)."""
        waiting = set(update_ids)
        while True:
            waiting = {u for u in waiting if u in self._received and u not in self._handled}
            if not waiting:
                return
            self._changed.clear()
            await self._changed.wait()

    async def settled(self, update_ids: Iterable[int] | None = None) -> None:
        """Wait until these updates (default: all in hand now) have been handled and marked."""
        waiting = set(self._received if update_ids is None else update_ids)
        while True:
            waiting &= set(self._received)
            if not waiting:
                return
            if any(u in self._handled for u in waiting):
                if not await self.flush():
                    await asyncio.sleep(0.1)  # the database refuses for now: no busy loop
                continue
            self._changed.clear()
            await self._changed.wait()
