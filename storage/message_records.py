"""Which record a member's message created: an edit of the message finds it here."""

from __future__ import annotations

from dataclasses import dataclass

from storage.db import Tx

TOPIC = "topic"
VIEW = "view"
DRAFT = "draft"
BALLOT = "ballot"


@dataclass(frozen=True)
class MessageRecord:
    chat_id: int
    message_id: int
    kind: str  # TOPIC, VIEW, DRAFT or BALLOT
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
