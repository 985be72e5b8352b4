"""The notice board's records: which message is a group's board, and what it lists.

The board is a message of the bot's (bot/board.py renders it, handlers/board.py posts, pins
and edits it); it is remembered as a message record of kind BOARD (storage/message_records.py),
one per group. A group upgraded to a supergroup starts a new board: its old messages stay in
the old chat."""

from __future__ import annotations

from bot.runtime import Runtime
from bot.services.topics import list_open
from storage import message_records
from storage.topics import TopicRow


async def message_of(rt: Runtime, chat_id: int) -> int | None:
    """The message id of the group's board; None when it has none (never posted, or gone)."""
    return await rt.db.view(lambda tx: message_records.board_of(tx, chat_id))


async def set_message(rt: Runtime, chat_id: int, message_id: int | None) -> None:
    """The group's board is `message_id` from now on (None: forget it; it is gone)."""
    await rt.db.run(lambda tx: message_records.set_board(tx, chat_id, message_id))


async def topics_on(rt: Runtime, chat_id: int) -> list[TopicRow]:
    """The topics the board lists: those still alive in the group (bot/board.py ORDER)."""
    return await list_open(rt, chat_id)
