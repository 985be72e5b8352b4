"""Which record a member's message created: an edit of the message finds it here."""

from __future__ import annotations

from dataclasses import dataclass

from storage.db import Tx

TOPIC = "topic"
VIEW = "view"
DRAFT = "draft"
BALLOT = "ballot"
# The bot's own pinned notice board of a group (ref_id 0, user_id the bot's 0): one per chat.
BOARD = "board"


@dataclass(frozen=True)
class MessageRecord:
    chat_id: int
    message_id: int
    kind: str  # TOPIC, VIEW, DRAFT, BALLOT or BOARD
    ref_id: int  # topics.id, views.id, drafts.id, votes.id
    user_id: int


async def remember(
    tx: Tx, chat_id: int, message_id: int, kind: str, ref_id: int, user_id: int
) -> None:
    """The message (chat_id, message_id) created the record (kind, ref_id). A message creates
    one record; a second call for it (a redelivered update) keeps the first."""
    await tx.execute(
        "INSERT OR IGNORE INTO message_records(chat_id, message_id, kind, ref_id, user_id) "
        "VALUES (?,?,?,?,?)",
        (chat_id, message_id, kind, ref_id, user_id),
    )


async def record_of(tx: Tx, chat_id: int, message_id: int) -> MessageRecord | None:
    row = await tx.fetchone(
        "SELECT chat_id, message_id, kind, ref_id, user_id FROM message_records "
        "WHERE chat_id = ? AND message_id = ?",
        (chat_id, message_id),
    )
    return None if row is None else MessageRecord(*row)


async def board_of(tx: Tx, chat_id: int) -> int | None:
    """The message that is the group's notice board (BOARD), if the bot has posted one."""
    return await tx.scalar(
        "SELECT message_id FROM message_records WHERE chat_id = ? AND kind = ? "
        "ORDER BY message_id DESC LIMIT 1",
        (chat_id, BOARD),
    )


async def set_board(tx: Tx, chat_id: int, message_id: int | None) -> None:
    """The group's notice board is now `message_id` (None: it has none; the old one is gone)."""
    await tx.execute("DELETE FROM message_records WHERE chat_id = ? AND kind = ?", (chat_id, BOARD))
    if message_id is not None:
        await remember(tx, chat_id, message_id, BOARD, 0, 0)
