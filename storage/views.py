"""Views (意见) voiced on a topic, each with a stance."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from storage.db import Tx
from storage.rows import from_row
from storage.timefmt import to_db

# The group's setting share_names now, as 0/1, for the chat the SQL `{topic_chat}` names: kept
# with each view and consultation answer when written (migration 0013).
SHARES_NAMES = (
    "SELECT COALESCE(json_extract(settings_json, '$.share_names'), 0) = 1 "
    "FROM chats WHERE chat_id = {topic_chat}"
)


@dataclass(frozen=True)
class ViewRow:
    id: int
    topic_id: int
    number: int
    author_id: int
    anonymous: bool
    stance: str
    text: str
    created_at: datetime
    updated_at: datetime | None
    retracted: bool
    round: int
    # A voice note's length in seconds, file id and link (None for a text view; the link is
    # None in a basic group too): see migration 0007.
    voice_duration: int | None = None
    voice_file_id: str | None = None
    voice_link: str | None = None
    # The village's share_names when the view was written (migration 0013).
    names_shared: bool = False

    @property
    def is_voice(self) -> bool:
        return self.voice_duration is not None


@dataclass(frozen=True)
class Voice:
    """A voice note given as a view: its length (seconds), file id, link to the message."""

    duration: int
    file_id: str
    link: str | None


def _view(row: Any) -> ViewRow:
    return from_row(ViewRow, row)


async def add_view(
    tx: Tx,
    topic_id: int,
    author_id: int,
    stance: str,
    text: str,
    anonymous: bool,
    round_no: int,
    now: datetime,
    voice: Voice | None = None,
) -> ViewRow:
    number = await tx.scalar("SELECT next_view_no FROM topics WHERE id = ?", (topic_id,))
    await tx.execute("UPDATE topics SET next_view_no = next_view_no + 1 WHERE id = ?", (topic_id,))
    view_id = await tx.insert(
        "INSERT INTO views(topic_id, number, author_id, anonymous, stance, text, created_at, round, "
        "voice_duration, voice_file_id, voice_link, names_shared) VALUES (?,?,?,?,?,?,?,?,?,?,?,"
        f"({SHARES_NAMES.format(topic_chat='(SELECT chat_id FROM topics WHERE id = ?)')}))",
        (
            topic_id,
            number,
            author_id,
            int(anonymous),
            stance,
            text,
            to_db(now),
            round_no,
            voice.duration if voice else None,
            voice.file_id if voice else None,
            voice.link if voice else None,
            topic_id,
        ),
    )
    row = await tx.fetchone("SELECT * FROM views WHERE id = ?", (view_id,))
    return _view(row)


async def get_view_by_id(tx: Tx, view_id: int) -> ViewRow | None:
    row = await tx.fetchone("SELECT * FROM views WHERE id = ?", (view_id,))
    return None if row is None else _view(row)


async def origin(tx: Tx, view_id: int) -> int | None:
    """The number of the topic a merged view was written for (None if it never moved)."""
    return await tx.scalar(
        "SELECT t.number FROM views v JOIN topics t ON t.id = v.moved_from WHERE v.id = ?",
        (view_id,),
    )


async def get_view(tx: Tx, topic_id: int, number: int) -> ViewRow | None:
    row = await tx.fetchone(
        "SELECT * FROM views WHERE topic_id = ? AND number = ?", (topic_id, number)
    )
    return None if row is None else _view(row)


async def list_views(tx: Tx, topic_id: int, include_retracted: bool = False) -> list[ViewRow]:
    sql = "SELECT * FROM views WHERE topic_id = ?"
    if not include_retracted:
        sql += " AND retracted = 0"
    rows = await tx.fetchall(sql + " ORDER BY number", (topic_id,))
    return [_view(r) for r in rows]


async def update_view(
    tx: Tx,
    view_id: int,
    text: str | None,
    retracted: bool,
    now: datetime,
    stance: str | None = None,
) -> None:
    """New text (and, from an edited /view, perhaps a new stance), or retracted (text None)."""
    if stance is not None:
        await tx.execute("UPDATE views SET stance = ? WHERE id = ?", (stance, view_id))
    if text is None:
        await tx.execute(
            "UPDATE views SET retracted = ?, updated_at = ? WHERE id = ?",
            (int(retracted), to_db(now), view_id),
        )
    else:
        await tx.execute(
            "UPDATE views SET text = ?, retracted = ?, updated_at = ? WHERE id = ?",
            (text, int(retracted), to_db(now), view_id),
        )


async def move_views(tx: Tx, from_topic: int, to_topic: int) -> int:
    """Merged views keep their author, stance and time; they are renumbered in the new topic."""
    rows = await tx.fetchall(
        "SELECT id, number FROM views WHERE topic_id = ? ORDER BY number", (from_topic,)
    )
    for row in rows:
        number = await tx.scalar("SELECT next_view_no FROM topics WHERE id = ?", (to_topic,))
        await tx.execute(
            "UPDATE topics SET next_view_no = next_view_no + 1 WHERE id = ?", (to_topic,)
        )
        await tx.execute(
            "UPDATE views SET topic_id = ?, number = ?, moved_from = ? WHERE id = ?",
            (to_topic, number, from_topic, row["id"]),
        )
    return len(rows)


async def stance_counts(tx: Tx, topic_id: int, round_no: int | None = None) -> dict[str, int]:
    """Views not retracted, by stance; of round `round_no` only when given (a topic card
    counts the current round's views: a new round starts at 👍0)."""
    if round_no is not None:
        rows = await tx.fetchall(
            "SELECT stance, COUNT(*) FROM views WHERE topic_id = ? AND retracted = 0 AND round = ? "
            "GROUP BY stance",
            (topic_id, round_no),
        )
        return {r[0]: r[1] for r in rows}
    rows = await tx.fetchall(
        "SELECT stance, COUNT(*) FROM views WHERE topic_id = ? AND retracted = 0 GROUP BY stance",
        (topic_id,),
    )
    return {r[0]: r[1] for r in rows}
