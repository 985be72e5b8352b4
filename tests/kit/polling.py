"""getUpdates for the in-process fake: long polling that waits on the event loop, not a thread.

The fake's own getUpdates (used over HTTP, from a server thread) blocks on a condition; in
process that would freeze the loop the bot runs on. Same answers, same confirmation rule:
asking with `offset` confirms every update below it.
"""

from __future__ import annotations

import asyncio
from typing import Any

from tests.kit.fake_api import FakeBotAPI


class AsyncPolling:
    def __init__(self, api: FakeBotAPI) -> None:
        self.api = api
        self._arrived = asyncio.Event()
        self.polls = 0

    def wake(self) -> None:
        """An update was pushed: a poll in wait answers now."""
        self._arrived.set()

    async def get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        offset = int(params.get("offset") or 0)
        limit = int(params.get("limit") or 100)
        timeout = float(params.get("timeout") or 0)
        self.polls += 1
        loop = asyncio.get_running_loop()
        deadline = loop.time() + min(timeout, 1.0)
        while True:
            ready = self.api.take_updates(offset)
            remaining = deadline - loop.time()
            if ready or remaining <= 0:
                return ready[:limit]
            self._arrived.clear()
            try:
                await asyncio.wait_for(self._arrived.wait(), remaining)
            except TimeoutError:
                pass
