"""The database is the schedule; the JobQueue only wakes the bot at the next due time.

One APScheduler job ("wake") is armed for the earliest pending row. When it fires, every row
that is due is handed to the handler registered for its kind, one at a time. Start-up re-arms
from the database, so 50,000 pending rows cost one indexed MIN() and no memory; rows that fell
due while the bot was down run at once and are marked late.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

from telegram.error import ChatMigrated, Forbidden

from bot.runtime import Runtime
from storage import schedule
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
    def __init__(self, rt: Runtime) -> None:
        self.rt = rt
        self.handlers: dict[str, JobHandler] = {}
        self._armed_for: datetime | None = None
        self._running = asyncio.Lock()
        self.app: Any = None

    @property
    def armed_for(self) -> datetime | None:
        """When the wake-up job will next run (None: nothing pending)."""
        return self._armed_for

    def register(self, kind: str, handler: JobHandler) -> None:
        self.handlers[kind] = handler

    async def start(self, app: Any) -> None:
        """Run what fell due while we were down, then arm for the next row."""
        self.app = app
        await self.run_due(app)

    async def stop(self) -> None:
        self._armed_for = None
        if self.app is not None and self.app.job_queue is not None:
            for job in self.app.job_queue.get_jobs_by_name(WAKE_NAME):
                job.schedule_removal()

    async def notify(self, due_at: datetime) -> None:
        """A row was added: wake earlier if it is due before the armed time."""
        if self._armed_for is None or due_at < self._armed_for:
            await self.arm()

    async def arm(self) -> None:
        async with self.rt.db.read() as tx:
            next_due = await schedule.next_due(tx)
        self._armed_for = next_due
        queue = self.app.job_queue if self.app is not None else None
        if queue is None:
            return
        for job in queue.get_jobs_by_name(WAKE_NAME):
            job.schedule_removal()
        if next_due is None:
            return
        delay = max(0.0, (next_due - self.rt.clock.now()).total_seconds())
        queue.run_once(
            self._wake, when=delay, name=WAKE_NAME, job_kwargs={"misfire_grace_time": None}
        )

    async def _wake(self, context: Any) -> None:
        await self.run_due(context.application)

    async def run_due(self, app: Any) -> int:
        """Handle every due row; returns how many were handled."""
        handled = 0
        seen: set[int] = set()
        async with self._running:
            while True:
                now = self.rt.clock.now()
                async with self.rt.db.read() as tx:
                    jobs = [j for j in await schedule.due(tx, now, BATCH) if j.id not in seen]
                if not jobs:
                    break
                for job in jobs:
                    seen.add(job.id)
                    await self._run(app, job, now)
                    handled += 1
                # Loop again: a handled row may have queued another that is due now.
        await self.arm()
        return handled

    async def run_job(self, app: Any, job_id: int) -> None:
        """Run one row now (an announcement a handler has just queued)."""
        async with self.rt.db.read() as tx:
            job = await schedule.get_job(tx, job_id)
        if job is not None:
            async with self._running:
                await self._run(app, job, self.rt.clock.now())

    async def _run(self, app: Any, job: Job, now: datetime) -> None:
        handler = self.handlers.get(job.kind)
        late = now - job.due_at > LATE_AFTER
        if handler is None:
            log.error("no handler for scheduled kind %s (row %s)", job.kind, job.id)
            async with self.rt.db.transaction() as tx:
                await schedule.finish(tx, job.id, now, late, outcome="unknown kind")
            return
        try:
            await handler(app, job, late)
        except ChatMigrated as exc:
            # The group became a supergroup: move its records (this row included) and retry.
            from bot.services.chats import migrate_chat

            await migrate_chat(self.rt, job.chat_id, exc.new_chat_id)
            log.info(
                "chat %s migrated to %s; row %s will run again",
                job.chat_id,
                exc.new_chat_id,
                job.id,
            )
        except Forbidden as exc:
            # The bot was removed from the group: its rows pause until it is added back.
            from bot.services.chats import set_active

            await set_active(self.rt, job.chat_id, False)
            log.info("chat %s refuses the bot (%s); its schedule is paused", job.chat_id, exc)
        except Exception:
            # One bad row must not stop the others: retried a few times, then given up on
            # (and left in the record as failed) rather than retried for ever.
            log.exception("scheduled %s row %s failed", job.kind, job.id)
            async with self.rt.db.transaction() as tx:
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
