"""Consensus drafts (共识文本): numbered per topic, each amendment a new version of its parent."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from storage.db import Tx
from storage.rows import from_row
from storage.timefmt import to_db


@dataclass(frozen=True)
class DraftRow:
    id: int
    topic_id: int
    number: int
    version: int
    parent_no: int | None
    author_id: int
    text: str
    created_at: datetime
    message_id: int | None


def _draft(row: Any) -> DraftRow:
    return from_row(DraftRow, row)


async def add_draft(
    tx: Tx, topic_id: int, author_id: int, text: str, now: datetime, parent: DraftRow | None = None
) -> DraftRow:
    number = await tx.scalar("SELECT next_draft_no FROM topics WHERE id = ?", (topic_id,))
    await tx.execute(
        "UPDATE topics SET next_draft_no = next_draft_no + 1 WHERE id = ?", (topic_id,)
    )
    draft_id = await tx.insert(
        "INSERT INTO drafts(topic_id, number, version, parent_no, author_id, text, created_at) "
        "VALUES (?,?,?,?,?,?,?)",
        (
            topic_id,
            number,
            parent.version + 1 if parent else 1,
            parent.number if parent else None,
            author_id,
            text,
            to_db(now),
        ),
    )
    row = await tx.fetchone("SELECT * FROM drafts WHERE id = ?", (draft_id,))
    return _draft(row)


async def get_draft_by_id(tx: Tx, draft_id: int) -> DraftRow | None:
    row = await tx.fetchone("SELECT * FROM drafts WHERE id = ?", (draft_id,))
    return None if row is None else _draft(row)


async def set_text(tx: Tx, draft_id: int, text: str) -> None:
    await tx.execute("UPDATE drafts SET text = ? WHERE id = ?", (text, draft_id))


async def get_draft(tx: Tx, topic_id: int, number: int) -> DraftRow | None:
    row = await tx.fetchone(
        "SELECT * FROM drafts WHERE topic_id = ? AND number = ?", (topic_id, number)
    )
    return None if row is None else _draft(row)


async def draft_by_message(tx: Tx, chat_id: int, message_id: int) -> DraftRow | None:
    row = await tx.fetchone(
        "SELECT d.* FROM drafts d JOIN topics t ON t.id = d.topic_id "
        "WHERE d.message_id = ? AND t.chat_id = ?",
        (message_id, chat_id),
    )
    return None if row is None else _draft(row)


async def list_drafts(tx: Tx, topic_id: int) -> list[DraftRow]:
    rows = await tx.fetchall("SELECT * FROM drafts WHERE topic_id = ? ORDER BY number", (topic_id,))
    return [_draft(r) for r in rows]


async def set_message(tx: Tx, draft_id: int, message_id: int) -> None:
    await tx.execute("UPDATE drafts SET message_id = ? WHERE id = ?", (message_id, draft_id))
