"""The inbox: every update received from Telegram, stored before Telegram is told it arrived.

A row is waiting until the use case it caused commits (the same transaction marks it handled)
or, for an update that changes nothing, until the processor has finished with it. Rows are the
one record of what was handled: a redelivered update id is recognised here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from storage.db import Tx
from storage.timefmt import from_db, to_db


@dataclass(frozen=True)
class Stored:
    update_id: int
    payload: str
    received_at: datetime


async def store_batch(
    tx: Tx, updates: Iterable[tuple[int, str]], received_at: datetime
) -> set[int]:
    """Insert a batch of (update_id, payload JSON); returns the ids already handled before
    (a redelivery, to be skipped). An id already stored and still waiting is left as it was."""
    rows = list(updates)
    if not rows:
        return set()
    at = to_db(received_at)
    await tx.executemany(
        "INSERT OR IGNORE INTO inbox(update_id, payload, received_at) VALUES (?, ?, ?)",
        [(update_id, payload, at) for update_id, payload in rows],
    )
    marks = ",".join("?" * len(rows))
    handled = await tx.fetchall(
        f"SELECT update_id FROM inbox WHERE update_id IN ({marks}) AND handled_at IS NOT NULL",
        [update_id for update_id, _ in rows],
    )
    return {r[0] for r in handled}


async def mark_handled(tx: Tx, update_ids: Iterable[int], at: datetime) -> None:
    """Mark updates handled (a no-op for those already marked)."""
    await tx.executemany(
        "UPDATE inbox SET handled_at = ? WHERE update_id = ? AND handled_at IS NULL",
        [(to_db(at), u) for u in update_ids],
    )


async def waiting(tx: Tx) -> list[Stored]:
    """Stored and not handled, oldest first: what a start-up replays."""
    rows = await tx.fetchall(
        "SELECT update_id, payload, received_at FROM inbox WHERE handled_at IS NULL "
        "ORDER BY update_id"
    )
    return [Stored(r[0], r[1], from_db(r[2])) for r in rows]


async def prune(tx: Tx, handled_before: datetime) -> int:
    """Forget handled rows older than `handled_before` (UTC)."""
    return await tx.execute(
        "DELETE FROM inbox WHERE handled_at IS NOT NULL AND handled_at < ?",
        (to_db(handled_before),),
    )
