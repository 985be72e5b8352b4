"""Edits (issue 11): the record a member's message created, for an edit of that message.

Telegram sends an edited message again, with its chat and message id; the record it created
(a topic, a view, a draft, a ballot) is found by them (storage.message_records, written with the
record) and changed by its own service while its phase allows it. An edited message that made
no record is nobody's business."""

from __future__ import annotations

from bot.runtime import Runtime
from storage import message_records
from storage.message_records import BALLOT, DRAFT, TOPIC, VIEW, MessageRecord

__all__ = ["BALLOT", "DRAFT", "TOPIC", "VIEW", "MessageRecord", "record_of"]


async def record_of(
    rt: Runtime, chat_id: int, message_id: int, user_id: int
) -> MessageRecord | None:
    """The record `user_id`'s message (chat_id, message_id) created; None if it made none."""
    found = await rt.db.view(lambda tx: message_records.record_of(tx, chat_id, message_id))
    return found if found is not None and found.user_id == user_id else None
