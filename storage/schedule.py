"""The schedule: one row per deadline, reminder, prompt or announcement still to make."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from storage.db import Tx
from storage.timefmt import from_db, to_db


@dataclass(frozen=True)
class Job:
    id: int
    chat_id: int
    kind: str
    ref_id: int
    due_at: datetime
    payload: dict[str, Any]


async def add(
    tx: Tx,
    chat_id: int,
    kind: str,
    ref_id: int,
    due_at: datetime,
    payload: dict[str, Any] | None = None,
) -> int:
    """Add a row due at `due_at` (UTC); the scheduler hears of it when the transaction commits."""
    row_id = await tx.insert(
        "INSERT INTO scheduled(chat_id, kind, ref_id, due_at, payload_json) VALUES (?,?,?,?,?)",
        (chat_id, kind, ref_id, to_db(due_at), json.dumps(payload or {}, ensure_ascii=False)),
    )
    tx.scheduled(due_at)
    return row_id


# A group that removed the bot keeps its rows, paused, until the bot is added back.
_LIVE = "done_at IS NULL AND chat_id NOT IN (SELECT chat_id FROM chats WHERE active = 0)"


def _not_in(ids: frozenset[int] | set[int]) -> tuple[str, tuple[int, ...]]:
    if not ids:
        return "", ()
    return f" AND id NOT IN ({','.join('?' * len(ids))})", tuple(ids)


async def next_due(tx: Tx, running: frozenset[int] | set[int] = frozenset()) -> datetime | None:
    """The earliest due time of live rows, leaving out the ids already running."""
    extra, params = _not_in(running)
    return from_db(
        await tx.scalar(f"SELECT MIN(due_at) FROM scheduled WHERE {_LIVE}{extra}", params)
    )


async def due(
    tx: Tx, now: datetime, limit: int = 100, running: frozenset[int] | set[int] = frozenset()
) -> list[Job]:
    """Live rows due at `now` (UTC) or before, oldest first, leaving out those already running."""
    extra, params = _not_in(running)
    rows = await tx.fetchall(
        "SELECT id, chat_id, kind, ref_id, due_at, payload_json FROM scheduled "
        f"WHERE {_LIVE} AND due_at <= ?{extra} ORDER BY due_at, id LIMIT ?",
        (to_db(now), *params, limit),
    )
    return [_job(r) for r in rows]


async def get_job(tx: Tx, job_id: int) -> Job | None:
    row = await tx.fetchone(
        "SELECT id, chat_id, kind, ref_id, due_at, payload_json FROM scheduled "
        "WHERE id = ? AND done_at IS NULL",
        (job_id,),
    )
    return None if row is None else _job(row)


def _job(r: Any) -> Job:
    return Job(r[0], r[1], r[2], r[3], from_db(r[4]), json.loads(r[5]))


async def is_pending(tx: Tx, job_id: int) -> bool:
    return (
        await tx.scalar("SELECT 1 FROM scheduled WHERE id = ? AND done_at IS NULL", (job_id,))
        is not None
    )


async def finish(tx: Tx, job_id: int, now: datetime, late: bool, outcome: str = "done") -> bool:
    """Mark done once: False when another run got there first."""
    return (
        await tx.execute(
            "UPDATE scheduled SET done_at = ?, late = ?, outcome = ? WHERE id = ? AND done_at IS NULL",
            (to_db(now), int(late), outcome, job_id),
        )
        > 0
    )


async def postpone(tx: Tx, job_id: int, until: datetime) -> None:
    await tx.execute(
        "UPDATE scheduled SET due_at = ? WHERE id = ? AND done_at IS NULL", (to_db(until), job_id)
    )


async def move(tx: Tx, kind: str, ref_id: int, due_at: datetime) -> int:
    """Rows of this kind about `ref_id` still to run fall due at `due_at` (UTC) instead."""
    moved = await tx.execute(
        "UPDATE scheduled SET due_at = ? WHERE kind = ? AND ref_id = ? AND done_at IS NULL",
        (to_db(due_at), kind, ref_id),
    )
    if moved:
        tx.scheduled(due_at)
    return moved


async def payloads_done(tx: Tx, kind: str, ref_id: int) -> list[dict[str, Any]]:
    """The payloads of rows of this kind about `ref_id` that ran (not those cancelled or skipped)."""
    rows = await tx.fetchall(
        "SELECT payload_json FROM scheduled WHERE kind = ? AND ref_id = ? AND outcome = 'done'",
        (kind, ref_id),
    )
    return [json.loads(r[0]) for r in rows]


async def cancel(tx: Tx, kind: str, ref_id: int, now: datetime) -> int:
    return await tx.execute(
        "UPDATE scheduled SET done_at = ?, outcome = 'cancelled' WHERE kind = ? AND ref_id = ? AND done_at IS NULL",
        (to_db(now), kind, ref_id),
    )


async def is_waiting(tx: Tx, kind: str, ref_id: int) -> bool:
    """Is a row of this kind about `ref_id` still to run?"""
    return (
        await tx.scalar(
            "SELECT 1 FROM scheduled WHERE kind = ? AND ref_id = ? AND done_at IS NULL",
            (kind, ref_id),
        )
        is not None
    )


async def pending_count(tx: Tx) -> int:
    return int(await tx.scalar("SELECT COUNT(*) FROM scheduled WHERE done_at IS NULL"))


async def history_of(tx: Tx, kinds: tuple[str, ...], ref_id: int) -> list[dict[str, Any]]:
    marks = ",".join("?" * len(kinds))
    rows = await tx.fetchall(
        f"SELECT id, kind, due_at, done_at, late, outcome FROM scheduled WHERE ref_id = ? AND kind IN ({marks}) ORDER BY due_at, id",
        (ref_id, *kinds),
    )
    return [dict(r) for r in rows]


async def cancel_for_topic(
    tx: Tx,
    topic_id: int,
    action_ids: list[int],
    kinds_topic: tuple[str, ...],
    kinds_action: tuple[str, ...],
    now: datetime,
) -> None:
    for kind in kinds_topic:
        await cancel(tx, kind, topic_id, now)
    for action_id in action_ids:
        for kind in kinds_action:
            await cancel(tx, kind, action_id, now)


async def set_payload(tx: Tx, job_id: int, payload: dict[str, Any]) -> None:
    await tx.execute(
        "UPDATE scheduled SET payload_json = ? WHERE id = ?",
        (json.dumps(payload, ensure_ascii=False), job_id),
    )
