"""Follow-up records: action items and their owners and progress, rating rounds, subscriptions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from storage.db import Tx
from storage.rows import from_row
from storage.timefmt import from_db, to_db


@dataclass(frozen=True)
class ActionRow:
    id: int
    chat_id: int
    topic_id: int
    number: int
    text: str
    due_date: date
    due_at: datetime
    status: str
    percent: int
    reason: str | None
    owners: tuple[int, ...]
    done_at: datetime | None


@dataclass(frozen=True)
class ProgressRow:
    at: datetime
    by: int
    percent: int
    note: str


@dataclass(frozen=True)
class RoundRow:
    id: int
    topic_id: int
    number: int
    kind: str
    opened_at: datetime
    closed_at: datetime | None
    card_message_id: int | None


async def _owners(tx: Tx, action_ids: list[int]) -> dict[int, tuple[int, ...]]:
    if not action_ids:
        return {}
    marks = ",".join("?" * len(action_ids))
    rows = await tx.fetchall(
        f"SELECT action_id, user_id FROM action_owners WHERE action_id IN ({marks}) ORDER BY user_id",
        action_ids,
    )
    owners: dict[int, list[int]] = {}
    for row in rows:
        owners.setdefault(row[0], []).append(row[1])
    return {k: tuple(v) for k, v in owners.items()}


def _action(row: Any, owners: tuple[int, ...]) -> ActionRow:
    return from_row(ActionRow, row, owners=owners)


async def add_action(
    tx: Tx,
    chat_id: int,
    topic_id: int,
    text: str,
    due_date: date,
    due_at: datetime,
    owners: list[int],
    by: int,
    now: datetime,
) -> ActionRow:
    number = await tx.scalar("SELECT next_action_no FROM chats WHERE chat_id = ?", (chat_id,))
    await tx.execute(
        "UPDATE chats SET next_action_no = next_action_no + 1 WHERE chat_id = ?", (chat_id,)
    )
    action_id = await tx.insert(
        "INSERT INTO actions(chat_id, topic_id, number, text, due_date, due_at, created_by, created_at) "
        "VALUES (?,?,?,?,?,?,?,?)",
        (chat_id, topic_id, number, text, due_date.isoformat(), to_db(due_at), by, to_db(now)),
    )
    await tx.executemany(
        "INSERT OR IGNORE INTO action_owners(action_id, user_id) VALUES (?,?)",
        [(action_id, owner) for owner in owners],
    )
    return await get_action_by_id(tx, action_id)


async def get_action_by_id(tx: Tx, action_id: int) -> ActionRow | None:
    row = await tx.fetchone("SELECT * FROM actions WHERE id = ?", (action_id,))
    if row is None:
        return None
    return _action(row, (await _owners(tx, [action_id])).get(action_id, ()))


async def get_action(tx: Tx, chat_id: int, number: int) -> ActionRow | None:
    row = await tx.fetchone(
        "SELECT * FROM actions WHERE chat_id = ? AND number = ?", (chat_id, number)
    )
    if row is None:
        return None
    return _action(row, (await _owners(tx, [row["id"]])).get(row["id"], ()))


async def actions_of(tx: Tx, topic_id: int) -> list[ActionRow]:
    rows = await tx.fetchall(
        "SELECT * FROM actions WHERE topic_id = ? ORDER BY number", (topic_id,)
    )
    owners = await _owners(tx, [r["id"] for r in rows])
    return [_action(r, owners.get(r["id"], ())) for r in rows]


async def report(
    tx: Tx,
    action_id: int,
    by: int,
    percent: int,
    note: str,
    status: str,
    now: datetime,
    reason: str | None = None,
) -> None:
    await tx.execute(
        "INSERT INTO progress(action_id, at, by, percent, note) VALUES (?,?,?,?,?)",
        (action_id, to_db(now), by, percent, note),
    )
    await tx.execute(
        "UPDATE actions SET percent = ?, status = ?, reason = COALESCE(?, reason), "
        "done_at = CASE WHEN ? = 'done' THEN ? ELSE done_at END WHERE id = ?",
        (percent, status, reason, status, to_db(now), action_id),
    )


async def progress_of(tx: Tx, action_id: int) -> list[ProgressRow]:
    rows = await tx.fetchall(
        "SELECT at, by, percent, note FROM progress WHERE action_id = ? ORDER BY id", (action_id,)
    )
    return [ProgressRow(from_db(r[0]), r[1], r[2], r[3]) for r in rows]


async def open_round(tx: Tx, topic_id: int, kind: str, now: datetime) -> RoundRow:
    """Opening a round closes the one before: a rating belongs to one moment of the follow-up."""
    await tx.execute(
        "UPDATE rating_rounds SET closed_at = ? WHERE topic_id = ? AND closed_at IS NULL",
        (to_db(now), topic_id),
    )
    number = await tx.scalar(
        "SELECT COALESCE(MAX(number), 0) + 1 FROM rating_rounds WHERE topic_id = ?", (topic_id,)
    )
    round_id = await tx.insert(
        "INSERT INTO rating_rounds(topic_id, number, kind, opened_at) VALUES (?,?,?,?)",
        (topic_id, number, kind, to_db(now)),
    )
    return await get_round(tx, round_id)


async def close_rounds(tx: Tx, topic_id: int, now: datetime) -> bool:
    """Close the topic's open rating round; True when there was one."""
    return (
        await tx.execute(
            "UPDATE rating_rounds SET closed_at = ? WHERE topic_id = ? AND closed_at IS NULL",
            (to_db(now), topic_id),
        )
        > 0
    )


def _round(row: Any) -> RoundRow:
    return from_row(RoundRow, row)


async def get_round(tx: Tx, round_id: int) -> RoundRow | None:
    row = await tx.fetchone("SELECT * FROM rating_rounds WHERE id = ?", (round_id,))
    return None if row is None else _round(row)


async def latest_round(tx: Tx, topic_id: int) -> RoundRow | None:
    row = await tx.fetchone(
        "SELECT * FROM rating_rounds WHERE topic_id = ? ORDER BY number DESC LIMIT 1", (topic_id,)
    )
    return None if row is None else _round(row)


async def rounds_of(tx: Tx, topic_id: int) -> list[RoundRow]:
    rows = await tx.fetchall(
        "SELECT * FROM rating_rounds WHERE topic_id = ? ORDER BY number", (topic_id,)
    )
    return [_round(r) for r in rows]


async def set_round_card(tx: Tx, round_id: int, message_id: int) -> None:
    await tx.execute(
        "UPDATE rating_rounds SET card_message_id = ? WHERE id = ?", (message_id, round_id)
    )


async def rate(tx: Tx, round_id: int, user_id: int, value: str, now: datetime) -> str | None:
    previous = await tx.scalar(
        "SELECT value FROM ratings WHERE round_id = ? AND user_id = ?", (round_id, user_id)
    )
    await tx.execute(
        "INSERT INTO ratings(round_id, user_id, value, at) VALUES (?,?,?,?) "
        "ON CONFLICT(round_id, user_id) DO UPDATE SET value = excluded.value, at = excluded.at",
        (round_id, user_id, value, to_db(now)),
    )
    return previous


async def comment(tx: Tx, round_id: int, user_id: int, text: str) -> bool:
    return (
        await tx.execute(
            "UPDATE ratings SET comment = ? WHERE round_id = ? AND user_id = ?",
            (text, round_id, user_id),
        )
        > 0
    )


async def rating_counts(tx: Tx, round_id: int) -> dict[str, int]:
    rows = await tx.fetchall(
        "SELECT value, COUNT(*) FROM ratings WHERE round_id = ? GROUP BY value", (round_id,)
    )
    return {r[0]: r[1] for r in rows}


async def subscribe(tx: Tx, topic_id: int, user_id: int, now: datetime) -> bool:
    return (
        await tx.execute(
            "INSERT OR IGNORE INTO subscriptions(topic_id, user_id, at) VALUES (?,?,?)",
            (topic_id, user_id, to_db(now)),
        )
        > 0
    )


async def unsubscribe(tx: Tx, topic_id: int, user_id: int) -> bool:
    return (
        await tx.execute(
            "DELETE FROM subscriptions WHERE topic_id = ? AND user_id = ?", (topic_id, user_id)
        )
        > 0
    )


async def subscribers(tx: Tx, topic_id: int) -> list[int]:
    rows = await tx.fetchall(
        "SELECT user_id FROM subscriptions WHERE topic_id = ? ORDER BY at", (topic_id,)
    )
    return [r[0] for r in rows]


async def subscriptions_of(tx: Tx, user_id: int) -> list[tuple[int, int, str, str]]:
    """(chat_id, topic number, title, status) of each topic the user follows."""
    rows = await tx.fetchall(
        "SELECT t.chat_id, t.number, t.title, t.status FROM subscriptions s "
        "JOIN topics t ON t.id = s.topic_id WHERE s.user_id = ? ORDER BY s.at",
        (user_id,),
    )
    return [(r[0], r[1], r[2], r[3]) for r in rows]


async def record_undeliverable(
    tx: Tx, user_id: int, kind: str, ref_id: int | None, error: str, now: datetime
) -> None:
    await tx.execute(
        "INSERT INTO undeliverable(user_id, kind, ref_id, at, error) VALUES (?,?,?,?,?)",
        (user_id, kind, ref_id, to_db(now), error[:200]),
    )
    await tx.execute("UPDATE users SET private_ok = 0 WHERE user_id = ?", (user_id,))


async def reachable(tx: Tx, user_ids: list[int]) -> list[int]:
    """Those who have started a private chat with the bot and not blocked it since."""
    if not user_ids:
        return []
    marks = ",".join("?" * len(user_ids))
    rows = await tx.fetchall(
        f"SELECT user_id FROM users WHERE private_ok = 1 AND user_id IN ({marks})", user_ids
    )
    found = {r[0] for r in rows}
    return [u for u in user_ids if u in found]


async def set_adopted(tx: Tx, topic_id: int, now: datetime) -> None:
    await tx.execute("UPDATE topics SET adopted_at = ? WHERE id = ?", (to_db(now), topic_id))


async def adopted_at(tx: Tx, topic_id: int) -> datetime | None:
    return from_db(await tx.scalar("SELECT adopted_at FROM topics WHERE id = ?", (topic_id,)))


async def round_comments(tx: Tx, round_id: int) -> list[tuple[str, str]]:
    """The private comments on a round's ratings, unsigned: (rating, comment), oldest first."""
    rows = await tx.fetchall(
        "SELECT value, comment FROM ratings WHERE round_id = ? AND comment IS NOT NULL "
        "AND comment != '' ORDER BY at",
        (round_id,),
    )
    return [(r[0], r[1]) for r in rows]


async def topic_comments(tx: Tx, topic_id: int) -> list[tuple[int, int, str, str]]:
    """Every private comment on the ratings of a topic's rounds: (round id, user id, rating,
    comment), by round then oldest first. The user id is for telling comments apart only; it
    is never shown with the comment."""
    rows = await tx.fetchall(
        "SELECT r.round_id, r.user_id, r.value, r.comment FROM ratings r "
        "JOIN rating_rounds rr ON rr.id = r.round_id WHERE rr.topic_id = ? "
        "AND r.comment IS NOT NULL AND r.comment != '' ORDER BY rr.number, r.at",
        (topic_id,),
    )
    return [(r[0], r[1], r[2], r[3]) for r in rows]


async def round_before(tx: Tx, round_id: int) -> RoundRow | None:
    """The round of the same topic just before `round_id`; None for the first."""
    row = await tx.fetchone(
        "SELECT p.* FROM rating_rounds p JOIN rating_rounds r ON p.topic_id = r.topic_id "
        "WHERE r.id = ? AND p.number = r.number - 1",
        (round_id,),
    )
    return None if row is None else _round(row)


async def living_round(tx: Tx, topic_id: int) -> RoundRow | None:
    """The latest round of a topic that has a card in the group: its card is the topic's living
    follow-up card (edited in place until the next offset posts a new one). None before the
    first card."""
    row = await tx.fetchone(
        "SELECT * FROM rating_rounds WHERE topic_id = ? AND card_message_id IS NOT NULL "
        "ORDER BY number DESC LIMIT 1",
        (topic_id,),
    )
    return None if row is None else _round(row)


async def latest_notes(tx: Tx, action_ids: list[int]) -> dict[int, str]:
    """Action id -> the note of its latest report that has one (actions without are left out)."""
    if not action_ids:
        return {}
    marks = ",".join("?" * len(action_ids))
    rows = await tx.fetchall(
        f"SELECT action_id, note FROM progress WHERE id IN (SELECT MAX(id) FROM progress "
        f"WHERE action_id IN ({marks}) AND note != '' GROUP BY action_id)",
        action_ids,
    )
    return {r[0]: r[1] for r in rows}
