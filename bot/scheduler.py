"""The database is the schedule; the JobQueue only wakes the bot at the next due time.

One APScheduler job ("wake") is armed for the earliest pending row. When it fires, the rows
that are due are claimed (noted as running, so that no second run picks them up) and each runs
in its chat's lane (bot/lanes.py): after everything that chat sent before, beside other chats,
so that one group waiting for its send budget delays only itself. A row is read again inside
the lane before it runs. Adding a row anywhere wakes the scheduler once its transaction has
committed (Database.on_scheduled). Start-up re-arms from the database, so 50,000 pending rows
cost one indexed MIN() and no memory; rows that fell due while the bot was down run at once
and are marked late.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

from bot.errors import ChatClosed, ChatMoved
from bot.lanes import ChatLanes
from bot.runtime import EdgeApp, Runtime
from storage import Tx, schedule
from storage.schedule import Job

log = logging.getLogger(__name__)

JobHandler = Callable[[Any, Job, bool], Awaitable[None]]
WAKE_NAME = "shangliang-wake"
# A row run this long after its due time (e.g. after a restart) is recorded as late.
LATE_AFTER = timedelta(minutes=2)
BATCH = 200
RETRY_AFTER = timedelta(minutes=5)
MAX_ATTEMPTS = 6


class Scheduler:
    def __init__(self, rt: Runtime, lanes: ChatLanes) -> None:
        self.rt = rt
        self.lanes = lanes
        self.handlers: dict[str, JobHandler] = {}
        self._armed_for: datetime | None = None
        self._running: set[int] = set()
        # Rows whose failure could not even be written down (the database refused): left
        # alone in memory until then, so that a failing row is never retried in a tight loop.
        self._held: dict[int, datetime] = {}
        # Set while everything Telegram holds for us has been received (the poller's
        # caught_up): a deadline waits for ballots still on their way. None: no gate.
        self.receiving: asyncio.Event | None = None
        self._tasks: set[asyncio.Task] = set()
        self._started = False
        # Set once start() has run (the start-up's catch-up is under way).
        self.started = asyncio.Event()
        self.app: EdgeApp = None
        rt.db.on_scheduled = self.notify

    @property
    def armed_for(self) -> datetime | None:
        """When the wake-up is next due (UTC; None: nothing pending, or not started)."""
        return self._armed_for

    @property
    def running(self) -> int:
        """Rows claimed and not finished."""
        return len(self._running)

    def register(self, kind: str, handler: JobHandler) -> None:
        self.handlers[kind] = handler

    async def start(self, app: EdgeApp) -> None:
        """Run what fell due while we were down, then arm for the next row. Called once the
        updates received before the stop have been handled, so they count first."""
        self.app = app
        self._started = True
        await self.run_due(app)
        self.started.set()

    async def stop(self) -> None:
        """Disarm and wait for the rows in hand."""
        self._started = False
        self.started.clear()
        self._armed_for = None
        self._disarm()
        await self.idle()

    async def idle(self) -> None:
        """Return once no claimed row is still running."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    def resume(self) -> None:
        """Everything Telegram held has been received again (after an outage): wake now if
        something fell due meanwhile."""
        if self._started and self._armed_for is not None:
            if self._armed_for <= self.rt.clock.now():
                self._arm_at(self._armed_for)

    def notify(self, due_at: datetime) -> None:
        """A row due at `due_at` (UTC) was committed: wake earlier if it is due first."""
        if not self._started:
            return
        if self._armed_for is None or due_at < self._armed_for:
            self._arm_at(due_at)

    async def arm(self) -> None:
        """Arm for the earliest live row that is not already running."""
        if not self._started:
            return
        excluded = self._excluded(self.rt.clock.now())
        next_due = await self.rt.db.view(lambda tx: schedule.next_due(tx, excluded))
        candidates = [t for t in (next_due, *self._held.values()) if t is not None]
        if not candidates:
            self._armed_for = None
            self._disarm()
        else:
            self._arm_at(min(candidates))

    def _excluded(self, now: datetime) -> set[int]:
        """Rows not to claim now: running, or held back after a failure (expired holds go)."""
        for row_id in [r for r, until in self._held.items() if until <= now]:
            del self._held[row_id]
        return self._running | set(self._held)

    def _arm_at(self, due_at: datetime) -> None:
        self._armed_for = due_at
        queue = self.rt.job_queue
        if queue is None:
            return  # tests move the clock and call run_due themselves
        self._disarm()
        delay = max(0.0, (due_at - self.rt.clock.now()).total_seconds())
        queue.run_once(
            self._wake, when=delay, name=WAKE_NAME, job_kwargs={"misfire_grace_time": None}
        )

    def _disarm(self) -> None:
        queue = self.rt.job_queue
        if queue is not None:
            for job in queue.get_jobs_by_name(WAKE_NAME):
                job.schedule_removal()

    async def _wake(self, context: Any) -> None:
        await self.run_due(context.application)

    async def run_due(self, app: EdgeApp) -> int:
        """Claim every due row and start it in its chat's lane; returns how many were claimed.

        Does not wait for them (see `idle`): a chat waiting for its send budget must not hold
        up the others.
        """
        if not self._started:
            return 0  # start() runs it once the start-up's received updates are handled
        if self.receiving is not None and not self.receiving.is_set():
            return 0  # ballots may be on their way: woken again once they are received
        self.app = app
        now = self.rt.clock.now()
        room = BATCH - len(self._running)
        if room <= 0:
            return 0  # each finishing row re-arms; the list of rows left out stays short
        excluded = self._excluded(now)
        jobs = await self.rt.db.view(lambda tx: schedule.due(tx, now, room, excluded))
        for job in jobs:
            self._running.add(job.id)
            task = asyncio.create_task(self._run_in_lane(app, job), name=f"row-{job.id}")
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        await self.arm()
        return len(jobs)

    async def _run_in_lane(self, app: EdgeApp, claimed: Job) -> None:
        try:
            async with self.lanes.lane(claimed.chat_id):
                job = await self.rt.db.view(lambda tx: schedule.get_job(tx, claimed.id))
                if job is None or job.due_at > self.rt.clock.now():
                    return  # done, cancelled or postponed meanwhile
                await self._run(app, job, self.rt.clock.now())
        except Exception:
            # Not even the row could be read: leave it alone for a while rather than spin.
            log.exception("scheduled row %s could not run", claimed.id)
            self._held[claimed.id] = self.rt.clock.now() + RETRY_AFTER
        finally:
            self._running.discard(claimed.id)
            if self._started and self.rt.db.is_open:
                try:
                    await self.arm()
                except Exception:
                    log.exception("could not re-arm the schedule")

    async def _run(self, app: EdgeApp, job: Job, now: datetime) -> None:
        handler = self.handlers.get(job.kind)
        late = now - job.due_at > LATE_AFTER
        if handler is None:
            log.error("no handler for scheduled kind %s (row %s)", job.kind, job.id)
            await self.rt.db.run(
                lambda tx: schedule.finish(tx, job.id, now, late, outcome="unknown kind")
            )
            return
        try:
            await handler(app, job, late)
            return
        except ChatMoved as exc:
            # The group became a supergroup: move its records (this row included) and retry.
            from bot.services.chats import migrate_chat

            try:
                moved = await migrate_chat(self.rt, job.chat_id, exc.new_chat_id)
            except Exception:
                log.exception("chat %s could not follow its migration", job.chat_id)
                moved = False
            if moved:
                log.info(
                    "chat %s migrated to %s; row %s runs again",
                    job.chat_id,
                    exc.new_chat_id,
                    job.id,
                )
                return
        except ChatClosed as exc:
            # The bot was removed from the group: its rows pause until it is added back.
            from bot.services.chats import set_active

            try:
                await set_active(self.rt, job.chat_id, False)
                log.info("chat %s refuses the bot (%s); its schedule is paused", job.chat_id, exc)
                return
            except Exception:
                log.exception("chat %s refuses the bot and could not be paused", job.chat_id)
        except Exception:
            log.exception("scheduled %s row %s failed", job.kind, job.id)
        await self._retry_later(job, now, late)

    async def _retry_later(self, job: Job, now: datetime, late: bool) -> None:
        """One bad row must not stop the others: retried a few times with back-off, then given
        up on (and left in the record as failed) rather than retried for ever."""

        async def count_the_try(tx: Tx) -> None:
            # The handler may have claimed work in the row (a round it opened): keep it.
            current = await schedule.get_job(tx, job.id)
            if current is None:
                return
            attempts = int(current.payload.get("attempts", 0)) + 1
            if attempts >= MAX_ATTEMPTS:
                await schedule.finish(tx, job.id, now, late, outcome="failed")
            else:
                payload = {**current.payload, "attempts": attempts}
                await schedule.set_payload(tx, job.id, payload)
                await schedule.postpone(tx, job.id, now + RETRY_AFTER * attempts)

        try:
            await self.rt.db.run(count_the_try)
        except sqlite3.Error as exc:
            log.warning(
                "row %s held back for %s: its failure could not be recorded (%s)",
                job.id,
                RETRY_AFTER,
                exc,
            )
            self._held[job.id] = now + RETRY_AFTER
