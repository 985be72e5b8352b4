"""The form of a topic (网上议事, 圆桌会谈, 树下贤聊, 开门协商): kept in its history, the latest
"form_set" row is the form now (none: online). What a suggestion reads of the views."""

from __future__ import annotations

import json
from collections.abc import Sequence

from storage.db import Tx

FORM_EVENT = "form_set"


async def current_form(tx: Tx, topic_id: int) -> str | None:
    """The form last set on the topic (None: never set, which is online)."""
    detail = await tx.scalar(
        "SELECT detail FROM history WHERE topic_id = ? AND event = ? ORDER BY id DESC LIMIT 1",
        (topic_id, FORM_EVENT),
    )
    if not detail:
        return None
    try:
        value = json.loads(detail).get("form")
    except (ValueError, AttributeError):
        return None
    return value if isinstance(value, str) else None


async def forms_of(tx: Tx, topic_ids: Sequence[int]) -> dict[int, str]:
    """Topic row id -> the form last set on it, for those that have one (the export)."""
    found: dict[int, str] = {}
    for topic_id in topic_ids:
        form = await current_form(tx, topic_id)
        if form is not None:
            found[topic_id] = form
    return found


async def view_givers(tx: Tx, topic_id: int, round_no: int) -> int:
    """People who gave a view this round (an anonymous view's author counts once, unnamed)."""
    return int(
        await tx.scalar(
            "SELECT COUNT(DISTINCT author_id) FROM views "
            "WHERE topic_id = ? AND round = ? AND retracted = 0",
            (topic_id, round_no),
        )
    )


async def round_stances(tx: Tx, topic_id: int, round_no: int) -> dict[str, int]:
    """Views this round by stance."""
    rows = await tx.fetchall(
        "SELECT stance, COUNT(*) FROM views WHERE topic_id = ? AND round = ? AND retracted = 0 "
        "GROUP BY stance",
        (topic_id, round_no),
    )
    return {r[0]: r[1] for r in rows}
