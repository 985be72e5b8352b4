"""One lane per chat: the work of a chat runs in order, different chats run side by side.

Updates and scheduled rows of the same chat share its lane, so a deadline is handled after
everything that chat sent before it was received, and a group waiting for its send budget
delays only itself.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager


class ChatLanes:
    def __init__(self) -> None:
        self._locks: dict[int, asyncio.Lock] = {}
        self._users: dict[int, int] = {}
        self._idle = asyncio.Event()
        self._idle.set()

    @asynccontextmanager
    async def lane(self, key: int) -> AsyncIterator[None]:
        """Hold chat `key`'s lane (a chat id; a private chat's id is its user's id)."""
        lock = self._locks.get(key)
        if lock is None:
            lock = self._locks[key] = asyncio.Lock()
        self._users[key] = self._users.get(key, 0) + 1
        self._idle.clear()
        try:
            async with lock:
                yield
        finally:
            self._users[key] -= 1
            if not self._users[key]:
                del self._users[key]
                del self._locks[key]
            if not self._users:
                self._idle.set()

    @property
    def busy(self) -> bool:
        return bool(self._users)

    async def idle(self) -> None:
        """Return once no lane is held or waited for."""
        await self._idle.wait()
