"""Offline meetings on a topic: the meeting, who will come, attendance and minutes; and what the
export reads of them."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from storage.db import Tx
from storage.rows import from_row
from storage.timefmt import to_db

YES, NO = "yes", "no"


@dataclass(frozen=True)
class MeetingRow:
    id: int
    topic_id: int
    starts_at: datetime
    place: str
    form: str
    called_by: int
    called_at: datetime
    card_message_id: int | None
    attendance: int | None
    attendance_by: int | None
    attendance_at: datetime | None


@dataclass(frozen=True)
class NoteRow:
    id: int
    meeting_id: int
    author_id: int
    at: datetime
    text: str
    photo_file_id: str | None
    message_id: int | None


_COLUMNS = (
    "id, topic_id, starts_at, place, form, called_by, called_at, card_message_id, attendance, "
    "attendance_by, attendance_at"
)


async def create(
    tx: Tx, topic_id: int, starts_at: datetime, place: str, form: str, by: int, now: datetime
) -> MeetingRow:
    meeting_id = await tx.insert(
        "INSERT INTO meetings(topic_id, starts_at, place, form, called_by, called_at) "
        "VALUES (?,?,?,?,?,?)",
        (topic_id, to_db(starts_at), place, form, by, to_db(now)),
    )
    meeting = await get(tx, meeting_id)
    assert meeting is not None
    return meeting


async def get(tx: Tx, meeting_id: int) -> MeetingRow | None:
    row = await tx.fetchone(f"SELECT {_COLUMNS} FROM meetings WHERE id = ?", (meeting_id,))
    return None if row is None else from_row(MeetingRow, row)


async def latest(tx: Tx, topic_id: int) -> MeetingRow | None:
    """The topic's last meeting called (None: none)."""
    row = await tx.fetchone(
        f"SELECT {_COLUMNS} FROM meetings WHERE topic_id = ? ORDER BY id DESC LIMIT 1",
        (topic_id,),
    )
    return None if row is None else from_row(MeetingRow, row)


async def by_card(tx: Tx, chat_id: int, message_id: int) -> MeetingRow | None:
    """The meeting whose card is message `message_id` of the group `chat_id`."""
    row = await tx.fetchone(
        "SELECT m.id FROM meetings m JOIN topics t ON t.id = m.topic_id "
        "WHERE t.chat_id = ? AND m.card_message_id = ?",
        (chat_id, message_id),
    )
    return None if row is None else await get(tx, row[0])


async def set_card(tx: Tx, meeting_id: int, message_id: int | None) -> None:
    await tx.execute(
        "UPDATE meetings SET card_message_id = ? WHERE id = ?", (message_id, meeting_id)
    )


async def answer(tx: Tx, meeting_id: int, user_id: int, answer: str, now: datetime) -> str | None:
    """Upsert a member's answer (YES or NO); returns the answer it replaced (None: first)."""
    previous = await tx.scalar(
        "SELECT answer FROM meeting_rsvps WHERE meeting_id = ? AND user_id = ?",
        (meeting_id, user_id),
    )
    await tx.execute(
        "INSERT INTO meeting_rsvps(meeting_id, user_id, answer, at) VALUES (?,?,?,?) "
        "ON CONFLICT(meeting_id, user_id) DO UPDATE SET answer = excluded.answer, "
        "at = excluded.at, changed = changed + 1",
        (meeting_id, user_id, answer, to_db(now)),
    )
    return previous


async def counts(tx: Tx, meeting_id: int) -> dict[str, int]:
    rows = await tx.fetchall(
        "SELECT answer, COUNT(*) FROM meeting_rsvps WHERE meeting_id = ? GROUP BY answer",
        (meeting_id,),
    )
    found = {YES: 0, NO: 0}
    found.update({r[0]: r[1] for r in rows})
    return found


async def coming(tx: Tx, meeting_id: int) -> list[int]:
    """Who said they will come, in the order they said it."""
    rows = await tx.fetchall(
        "SELECT user_id FROM meeting_rsvps WHERE meeting_id = ? AND answer = ? ORDER BY at, user_id",
        (meeting_id, YES),
    )
    return [r[0] for r in rows]


async def set_attendance(tx: Tx, meeting_id: int, count: int, by: int, now: datetime) -> None:
    await tx.execute(
        "UPDATE meetings SET attendance = ?, attendance_by = ?, attendance_at = ? WHERE id = ?",
        (count, by, to_db(now), meeting_id),
    )


async def add_note(
    tx: Tx,
    meeting_id: int,
    author_id: int,
    now: datetime,
    text: str,
    photo_file_id: str | None,
    message_id: int | None,
) -> int:
    return await tx.insert(
        "INSERT INTO meeting_notes(meeting_id, author_id, at, text, photo_file_id, message_id) "
        "VALUES (?,?,?,?,?,?)",
        (meeting_id, author_id, to_db(now), text, photo_file_id, message_id),
    )


async def notes(tx: Tx, meeting_id: int) -> list[NoteRow]:
    rows = await tx.fetchall(
        "SELECT id, meeting_id, author_id, at, text, photo_file_id, message_id "
        "FROM meeting_notes WHERE meeting_id = ? ORDER BY id",
        (meeting_id,),
    )
    return [from_row(NoteRow, r) for r in rows]


# ----- the export ------------------------------------------------------------------------------
async def for_export(tx: Tx, chat_id: int) -> dict[int, list[dict[str, Any]]]:
    """Topic row id -> its meetings, each with RSVP (who will come, who cannot), attendance and
    minutes (text, photo file ids), in the order they were called."""
    rows = await tx.fetchall(
        "SELECT m.* FROM meetings m JOIN topics t ON t.id = m.topic_id WHERE t.chat_id = ? "
        "ORDER BY m.topic_id, m.id",
        (chat_id,),
    )
    rsvps: dict[int, dict[str, list[int]]] = defaultdict(lambda: {YES: [], NO: []})
    for r in await tx.fetchall(
        "SELECT r.meeting_id, r.user_id, r.answer FROM meeting_rsvps r "
        "JOIN meetings m ON m.id = r.meeting_id JOIN topics t ON t.id = m.topic_id "
        "WHERE t.chat_id = ? ORDER BY r.meeting_id, r.user_id",
        (chat_id,),
    ):
        rsvps[r["meeting_id"]].setdefault(r["answer"], []).append(r["user_id"])
    notes_of: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for r in await tx.fetchall(
        "SELECT n.* FROM meeting_notes n JOIN meetings m ON m.id = n.meeting_id "
        "JOIN topics t ON t.id = m.topic_id WHERE t.chat_id = ? ORDER BY n.meeting_id, n.id",
        (chat_id,),
    ):
        notes_of[r["meeting_id"]].append(
            {
                "at": r["at"],
                "author_id": r["author_id"],
                "text": r["text"],
                "photo_file_id": r["photo_file_id"],
            }
        )
    found: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        answers = rsvps[r["id"]]
        found[r["topic_id"]].append(
            {
                "id": r["id"],
                "starts_at": r["starts_at"],
                "place": r["place"],
                "form": r["form"],
                "called_by": r["called_by"],
                "called_at": r["called_at"],
                "rsvp": {"yes": answers.get(YES, []), "no": answers.get(NO, [])},
                "attendance": r["attendance"],
                "attendance_by": r["attendance_by"],
                "attendance_at": r["attendance_at"],
                "minutes": notes_of[r["id"]],
            }
        )
    return dict(found)
