"""Chats proceed independently; the updates of one chat stay in order.

PTB handles updates one at a time by default, and a send that waits for its group's rate budget
would then stall every other chat. Here each update runs concurrently, in its chat's lane
(bot/lanes.py, shared with the schedule), so a busy group only ever waits for itself.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

from bot.lanes import ChatLanes


def chat_key(update: object) -> int:
    """The lane of an update: its chat, or its user where there is no chat (0 for neither)."""
    if isinstance(update, Update):
        if update.effective_chat is not None:
            return update.effective_chat.id
        if update.effective_user is not None:
            return update.effective_user.id
        return 0
    # Our own work queued beside updates (a flood notice) names its chat.
    return int(getattr(update, "chat_id", 0))


class PerChatUpdateProcessor(BaseUpdateProcessor):
    def __init__(self, lanes: ChatLanes, max_concurrent_updates: int = 4096) -> None:
        super().__init__(max_concurrent_updates)
        self.lanes = lanes
        # Told when an update has been handled, whatever came of it (the inbox marks it).
        self.on_handled: Callable[[object], None] | None = None

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        async with self.lanes.lane(chat_key(update)):
            await coroutine
        # Not when cancelled (a stop): an update cut off in the middle is replayed at start-up.
        # A handler's exception has already gone to the error handler by now.
        if self.on_handled is not None:
            self.on_handled(update)

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None
