"""Questions awaiting one person's answer (ForceReply prompts, private dialogues): survive restarts."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from storage.db import Tx
from storage.timefmt import from_db, to_db


@dataclass(frozen=True)
class Pending:
    chat_id: int
    user_id: int
    kind: str
    payload: dict[str, Any]
    prompt_message_id: int | None
    expires_at: datetime


async def put(
    tx: Tx,
    chat_id: int,
    user_id: int,
    kind: str,
    payload: dict[str, Any],
    prompt_message_id: int | None,
    expires_at: datetime,
) -> None:
    await tx.execute(
        "INSERT INTO pending_inputs(chat_id, user_id, kind, payload_json, prompt_message_id, expires_at) "
        "VALUES (?,?,?,?,?,?) ON CONFLICT(chat_id, user_id) DO UPDATE SET kind = excluded.kind, "
        "payload_json = excluded.payload_json, prompt_message_id = excluded.prompt_message_id, "
        "expires_at = excluded.expires_at",
        (
            chat_id,
            user_id,
            kind,
            json.dumps(payload, ensure_ascii=False),
            prompt_message_id,
            to_db(expires_at),
        ),
    )


async def get(tx: Tx, chat_id: int, user_id: int, now: datetime) -> Pending | None:
    row = await tx.fetchone(
        "SELECT * FROM pending_inputs WHERE chat_id = ? AND user_id = ? AND expires_at > ?",
        (chat_id, user_id, to_db(now)),
    )
    return _pending(row)


async def asked_by(tx: Tx, chat_id: int, message_id: int, now: datetime) -> Pending | None:
    """The question still open that the bot asked with message `message_id` in `chat_id`."""
    row = await tx.fetchone(
        "SELECT * FROM pending_inputs WHERE chat_id = ? AND prompt_message_id = ? "
        "AND expires_at > ?",
        (chat_id, message_id, to_db(now)),
    )
    return _pending(row)


def _pending(row: Any) -> Pending | None:
    if row is None:
        return None
    return Pending(
        row["chat_id"],
        row["user_id"],
        row["kind"],
        json.loads(row["payload_json"]),
        row["prompt_message_id"],
        from_db(row["expires_at"]),
    )


async def drop(tx: Tx, chat_id: int, user_id: int) -> None:
    await tx.execute(
        "DELETE FROM pending_inputs WHERE chat_id = ? AND user_id = ?", (chat_id, user_id)
    )


async def prune(tx: Tx, now: datetime) -> int:
    return await tx.execute("DELETE FROM pending_inputs WHERE expires_at <= ?", (to_db(now),))
