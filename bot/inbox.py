"""Nothing Telegram has handed over is lost, even to a crash.

python-telegram-bot's poller confirms a batch of updates (by asking for the next one) as soon
as it has queued them, before they are handled; after a crash Telegram will not send them
again. So the update queue writes each update to the database before the poller may go on,
the processor notes when it has been handled, and start-up replays whatever was left.
Handled ids are forgotten in batches; an update replayed after a crash is recognised by
processed_updates when it wrote anything, and is harmlessly answered again otherwise.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

from telegram import Update

from bot.runtime import Runtime
from storage import inbox as repo

log = logging.getLogger(__name__)


class DurableUpdateQueue(asyncio.Queue):
    def __init__(self) -> None:
        super().__init__()
        self.rt: Runtime | None = None
        self._handled: list[int] = []

    async def put(self, item: Any) -> None:
        if isinstance(item, Update) and self.rt is not None and self.rt.db.is_open:
            async with self.rt.db.transaction(record_update=False) as tx:
                await repo.store(tx, item.update_id, json.dumps(item.to_dict()))
        await super().put(item)

    def handled(self, update: object) -> None:
        if isinstance(update, Update):
            self._handled.append(update.update_id)

    async def flush(self) -> None:
        """Forget what has been handled (called now and then, and at stop)."""
        if not self._handled or self.rt is None or not self.rt.db.is_open:
            return
        done, self._handled = self._handled, []
        async with self.rt.db.transaction(record_update=False) as tx:
            await repo.forget(tx, done)

    async def replay(self, bot: Any) -> int:
        """Queue what was received but not handled before the last stop."""
        assert self.rt is not None
        async with self.rt.db.read() as tx:
            waiting = await repo.waiting(tx)
        for _update_id, payload in waiting:
            await super().put(Update.de_json(json.loads(payload), bot))
        if waiting:
            log.info("replaying %d updates received before the last stop", len(waiting))
        return len(waiting)
