"""Reads for the follow-up part of the export: actions, their progress, follow-up rows, ratings."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from storage.db import Tx
from storage.rows import by_topic

_ACTION_KINDS = ("due_soon", "overdue", "overdue_reopen")


async def actions(tx: Tx, chat_id: int) -> dict[int, list[dict[str, Any]]]:
    """Topic row id -> its actions with owners and progress reports, by number."""
    rows = await tx.fetchall(
        "SELECT id, topic_id, number, text, due_date, due_at, status FROM actions "
        "WHERE chat_id = ? ORDER BY number",
        (chat_id,),
    )
    owners: dict[int, list[int]] = defaultdict(list)
    for r in await tx.fetchall(
        "SELECT o.action_id, o.user_id FROM action_owners o JOIN actions a ON a.id = o.action_id "
        "WHERE a.chat_id = ? ORDER BY o.user_id",
        (chat_id,),
    ):
        owners[r[0]].append(r[1])
    progress: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for r in await tx.fetchall(
        "SELECT p.action_id, p.at, p.by, p.percent, p.note FROM progress p "
        "JOIN actions a ON a.id = p.action_id WHERE a.chat_id = ? ORDER BY p.id",
        (chat_id,),
    ):
        progress[r[0]].append({"at": r[1], "by": r[2], "percent": r[3], "note": r[4]})
    return by_topic(
        rows,
        lambda r: {
            "id": r["number"],
            "text": r["text"],
            "owner_ids": owners.get(r["id"], []),
            "due": r["due_date"],
            "due_at": r["due_at"],
            "status": r["status"],
            "progress": progress.get(r["id"], []),
        },
    )


async def followups(tx: Tx, chat_id: int) -> dict[int, list[dict[str, Any]]]:
    """Topic row id -> every follow-up row (sent, pending or obsolete), by due time."""
    rows = await tx.fetchall(
        "SELECT s.id, s.kind, s.due_at, s.done_at, s.late, s.outcome, "
        "CASE WHEN s.kind = 'followup' THEN s.ref_id ELSE a.topic_id END AS topic_id "
        "FROM scheduled s LEFT JOIN actions a ON a.id = s.ref_id AND s.kind IN (?,?,?) "
        "WHERE s.chat_id = ? AND s.kind IN ('followup', ?,?,?) ORDER BY s.due_at, s.id",
        (*_ACTION_KINDS, chat_id, *_ACTION_KINDS),
    )
    return by_topic(rows, _followup)


def _followup(r: Any) -> dict[str, Any]:
    sent = r["done_at"] if r["outcome"] == "done" else None
    return {
        "id": r["id"],
        "kind": r["kind"],
        "due_at": r["due_at"],
        "sent_at": sent,
        "late": bool(r["late"]) if sent else False,
        "outcome": r["outcome"],
    }


async def ratings(tx: Tx, chat_id: int) -> dict[int, list[dict[str, Any]]]:
    """Topic row id -> counts per rating round."""
    rows = await tx.fetchall(
        "SELECT r.topic_id, r.number, r.kind, "
        "SUM(g.value = 'satisfied'), SUM(g.value = 'partly'), SUM(g.value = 'not_satisfied') "
        "FROM rating_rounds r JOIN topics t ON t.id = r.topic_id "
        "LEFT JOIN ratings g ON g.round_id = r.id WHERE t.chat_id = ? "
        "GROUP BY r.id ORDER BY r.topic_id, r.number",
        (chat_id,),
    )
    return by_topic(
        rows,
        lambda r: {
            "round": r[1],
            "kind": r[2],
            "satisfied": r[3] or 0,
            "partly": r[4] or 0,
            "not_satisfied": r[5] or 0,
        },
        key=0,
    )


async def subscriber_counts(tx: Tx, chat_id: int) -> dict[int, int]:
    rows = await tx.fetchall(
        "SELECT s.topic_id, COUNT(*) FROM subscriptions s JOIN topics t ON t.id = s.topic_id "
        "WHERE t.chat_id = ? GROUP BY s.topic_id",
        (chat_id,),
    )
    return {r[0]: r[1] for r in rows}


async def comments(tx: Tx, chat_id: int) -> dict[int, list[dict[str, Any]]]:
    """Topic row id -> the private comments on its ratings, unsigned (no author, and in the
    order of the rounds and then of time, not by person): round number, rating, text."""
    rows = await tx.fetchall(
        "SELECT r.topic_id, r.number, g.value, g.comment FROM ratings g "
        "JOIN rating_rounds r ON r.id = g.round_id JOIN topics t ON t.id = r.topic_id "
        "WHERE t.chat_id = ? AND g.comment IS NOT NULL AND g.comment != '' "
        "ORDER BY r.topic_id, r.number, g.at",
        (chat_id,),
    )
    return by_topic(rows, lambda r: {"round": r[1], "rating": r[2], "text": r[3]}, key=0)
