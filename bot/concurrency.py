"""Chats proceed independently; the updates of one chat stay in order.

PTB handles updates one at a time by default, and a send that waits for its group's rate budget
would then stall every other chat. Here each update runs concurrently, behind a lock of its own
chat, so a busy group only ever waits for itself.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor


def chat_key(update: object) -> int:
    if isinstance(update, Update):
        if update.effective_chat is not None:
            return update.effective_chat.id
        if update.effective_user is not None:
            return update.effective_user.id
    return 0


class PerChatUpdateProcessor(BaseUpdateProcessor):
    def __init__(self, max_concurrent_updates: int = 4096) -> None:
        super().__init__(max_concurrent_updates)
        self._locks: dict[int, asyncio.Lock] = {}
        self._users: dict[int, int] = {}
        # Told when an update has been handled (the inbox forgets it).
        self.on_handled: Callable[[object], None] | None = None

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = chat_key(update)
        lock = self._locks.get(key)
        if lock is None:
            lock = self._locks[key] = asyncio.Lock()
        self._users[key] = self._users.get(key, 0) + 1
        try:
            async with lock:
                await coroutine
            if self.on_handled is not None:
                self.on_handled(update)
        finally:
            self._users[key] -= 1
            if not self._users[key]:
                del self._users[key]
                del self._locks[key]

    def queued_for(self, key: int) -> int:
        return self._users.get(key, 0)

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None
