"""Consultation down (委员 → 基层): a members' topic put to its linked villages, and the villagers'
answers (migration 0010). A consultation is one village's part; it is open until closed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from storage.db import Tx
from storage.rows import from_row
from storage.timefmt import to_db
from storage.views import SHARES_NAMES

# A consultation card for a village (ref_id = consultation id, chat_id = the village).
CONSULT_CARD = "consult_card"


@dataclass(frozen=True)
class ConsultationRow:
    id: int
    topic_id: int
    members_chat_id: int
    village_chat_id: int
    link_id: int | None
    opened_by: int
    opened_at: datetime
    card_message_id: int | None
    closed_at: datetime | None
    village_title: str = ""

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


@dataclass(frozen=True)
class AnswerRow:
    consultation_id: int
    user_id: int
    stance: str
    text: str
    at: datetime
    # The village's share_names when the answer was given (migration 0013).
    names_shared: bool = False


_SELECT = (
    "SELECT c.*, COALESCE(v.title, '') AS village_title FROM consultations c "
    "LEFT JOIN chats v ON v.chat_id = c.village_chat_id "
)


async def open_one(
    tx: Tx,
    topic_id: int,
    members_chat_id: int,
    village_chat_id: int,
    link_id: int,
    by: int,
    now: datetime,
) -> int | None:
    """A new open consultation of the village; None when one is open already."""
    changed = await tx.execute(
        "INSERT OR IGNORE INTO consultations(topic_id, members_chat_id, village_chat_id, link_id, "
        "opened_by, opened_at) VALUES (?,?,?,?,?,?)",
        (topic_id, members_chat_id, village_chat_id, link_id, by, to_db(now)),
    )
    if not changed:
        return None
    return await tx.scalar("SELECT last_insert_rowid()")


async def get(tx: Tx, consultation_id: int) -> ConsultationRow | None:
    row = await tx.fetchone(_SELECT + "WHERE c.id = ?", (consultation_id,))
    return None if row is None else from_row(ConsultationRow, row)


async def of_topic(tx: Tx, topic_id: int) -> list[ConsultationRow]:
    rows = await tx.fetchall(_SELECT + "WHERE c.topic_id = ? ORDER BY c.id", (topic_id,))
    return [from_row(ConsultationRow, r) for r in rows]


async def open_of_link(tx: Tx, link_id: int) -> list[ConsultationRow]:
    """The link's consultations still collecting answers."""
    rows = await tx.fetchall(
        _SELECT + "WHERE c.link_id = ? AND c.closed_at IS NULL ORDER BY c.id", (link_id,)
    )
    return [from_row(ConsultationRow, r) for r in rows]


async def set_card(tx: Tx, consultation_id: int, message_id: int | None) -> None:
    await tx.execute(
        "UPDATE consultations SET card_message_id = ? WHERE id = ?", (message_id, consultation_id)
    )


async def close(tx: Tx, consultation_id: int, by: int, now: datetime) -> bool:
    return (
        await tx.execute(
            "UPDATE consultations SET closed_at = ?, closed_by = ? "
            "WHERE id = ? AND closed_at IS NULL",
            (to_db(now), by, consultation_id),
        )
        > 0
    )


async def answer(
    tx: Tx, consultation_id: int, user_id: int, stance: str, text: str, now: datetime
) -> bool:
    """Keep a villager's answer; a later one replaces it. True when it is their first."""
    first = (
        await tx.scalar(
            "SELECT 1 FROM consultation_views WHERE consultation_id = ? AND user_id = ?",
            (consultation_id, user_id),
        )
        is None
    )
    village = "(SELECT village_chat_id FROM consultations WHERE id = ?)"
    await tx.execute(
        "INSERT INTO consultation_views(consultation_id, user_id, stance, text, at, names_shared) "
        f"VALUES (?,?,?,?,?,({SHARES_NAMES.format(topic_chat=village)})) "
        "ON CONFLICT(consultation_id, user_id) DO UPDATE SET "
        "stance = excluded.stance, text = excluded.text, at = excluded.at, changed = 1, "
        "names_shared = excluded.names_shared",
        (consultation_id, user_id, stance, text, to_db(now), consultation_id),
    )
    return first


async def answers(tx: Tx, consultation_id: int) -> list[AnswerRow]:
    rows = await tx.fetchall(
        "SELECT consultation_id, user_id, stance, text, at, names_shared FROM consultation_views "
        "WHERE consultation_id = ? ORDER BY at, user_id",
        (consultation_id,),
    )
    return [from_row(AnswerRow, r) for r in rows]


async def move_chat(tx: Tx, old_id: int, new_id: int) -> None:
    for column in ("members_chat_id", "village_chat_id"):
        await tx.execute(
            f"UPDATE consultations SET {column} = ? WHERE {column} = ?", (new_id, old_id)
        )


async def export_by_topic(tx: Tx, chat_id: int) -> dict[int, list[dict[str, Any]]]:
    """The members' group's consultations, keyed by topic row id: each village, when it was open,
    the answers' counts by stance and their texts (never who wrote them)."""
    rows = await tx.fetchall(_SELECT + "WHERE c.members_chat_id = ? ORDER BY c.id", (chat_id,))
    found: dict[int, list[dict[str, Any]]] = {}
    for r in rows:
        said = await answers(tx, r["id"])
        counts: dict[str, int] = {}
        for a in said:
            counts[a.stance] = counts.get(a.stance, 0) + 1
        found.setdefault(r["topic_id"], []).append(
            {
                "id": r["id"],
                "village": {"chat_id": r["village_chat_id"], "title": r["village_title"]},
                "opened_by": r["opened_by"],
                "opened_at": r["opened_at"],
                "closed_at": r["closed_at"],
                "counts": counts,
                "views": [{"stance": a.stance, "text": a.text, "at": to_db(a.at)} for a in said],
            }
        )
    return found
