"""Where a matter went when deliberation could not settle it (民事调解, 共享法庭), and how it was
settled."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from storage.db import Tx
from storage.rows import from_row
from storage.timefmt import to_db

MEDIATION, COURT = "mediation", "court"


@dataclass(frozen=True)
class EscalationRow:
    id: int
    topic_id: int
    venue: str
    reason: str
    escalated_by: int
    escalated_at: datetime
    outcome: str | None
    resolved_by: int | None
    resolved_at: datetime | None


async def add(
    tx: Tx, topic_id: int, venue: str, reason: str, by: int, now: datetime
) -> EscalationRow:
    row_id = await tx.insert(
        "INSERT INTO escalations(topic_id, venue, reason, escalated_by, escalated_at) "
        "VALUES (?,?,?,?,?)",
        (topic_id, venue, reason, by, to_db(now)),
    )
    found = await get(tx, row_id)
    assert found is not None
    return found


async def get(tx: Tx, escalation_id: int) -> EscalationRow | None:
    row = await tx.fetchone("SELECT * FROM escalations WHERE id = ?", (escalation_id,))
    return None if row is None else from_row(EscalationRow, row)


async def latest(tx: Tx, topic_id: int) -> EscalationRow | None:
    row = await tx.fetchone(
        "SELECT * FROM escalations WHERE topic_id = ? ORDER BY id DESC LIMIT 1", (topic_id,)
    )
    return None if row is None else from_row(EscalationRow, row)


async def correct(tx: Tx, escalation_id: int, venue: str, reason: str) -> None:
    """Where the matter went and why, corrected by a convenor (the history keeps the first)."""
    await tx.execute(
        "UPDATE escalations SET venue = ?, reason = ? WHERE id = ?", (venue, reason, escalation_id)
    )


async def resolve(tx: Tx, escalation_id: int, outcome: str, by: int, now: datetime) -> None:
    await tx.execute(
        "UPDATE escalations SET outcome = ?, resolved_by = ?, resolved_at = ? WHERE id = ?",
        (outcome, by, to_db(now), escalation_id),
    )


async def for_export(tx: Tx, chat_id: int) -> dict[int, list[dict[str, Any]]]:
    """Topic row id -> its escalations, each with where it went, why, and how it was settled."""
    found: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for r in await tx.fetchall(
        "SELECT e.* FROM escalations e JOIN topics t ON t.id = e.topic_id WHERE t.chat_id = ? "
        "ORDER BY e.topic_id, e.id",
        (chat_id,),
    ):
        found[r["topic_id"]].append(
            {
                "venue": r["venue"],
                "reason": r["reason"],
                "escalated_by": r["escalated_by"],
                "escalated_at": r["escalated_at"],
                "outcome": r["outcome"],
                "resolved_by": r["resolved_by"],
                "resolved_at": r["resolved_at"],
            }
        )
    return dict(found)
