"""Topics, their supporters and their history."""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from storage import referrals
from storage.db import Tx
from storage.rows import from_row
from storage.timefmt import from_db, to_db

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TopicRow:
    id: int
    chat_id: int
    number: int
    title: str
    details: str
    status: str
    proposer_id: int
    created_at: datetime
    phase_deadline: datetime | None
    merged_into: int | None
    card_message_id: int | None
    round: int
    vote_duration_s: int | None = None
    # The forum thread the topic lives in (None: General, or a group without threads), and
    # whether the bot opened it for this topic (then it closes and reopens with the topic).
    thread_id: int | None = None
    own_thread: bool = False


# A history row's detail: the JSON object it was written as (`record`), or, for a row written
# before details were structured, the free text it holds ("2 oppose anonymous").
Detail = dict[str, Any] | str


@dataclass(frozen=True)
class HistoryRow:
    at: datetime
    actor_id: int | None
    event: str
    detail: Detail


def _topic(row: Any) -> TopicRow:
    return from_row(TopicRow, row)


_COLUMNS = (
    "id, chat_id, number, title, details, status, proposer_id, created_at, phase_deadline, "
    "merged_into, card_message_id, round, vote_duration_s, thread_id, own_thread"
)


async def create_topic(
    tx: Tx,
    chat_id: int,
    number: int,
    title: str,
    details: str,
    proposer_id: int,
    now: datetime,
    thread_id: int | None = None,
) -> TopicRow:
    topic_id = await tx.insert(
        "INSERT INTO topics(chat_id, number, title, details, status, proposer_id, created_at, "
        "thread_id) VALUES (?,?,?,?, 'proposed', ?,?,?)",
        (chat_id, number, title, details, proposer_id, to_db(now), thread_id),
    )
    topic = await get_topic_by_id(tx, topic_id)
    assert topic is not None
    return topic


async def proposal_waiting(
    tx: Tx, chat_id: int, proposer_id: int, title: str, details: str, card_kind: str
) -> TopicRow | None:
    """The same proposal by the same member, still proposed, whose card is waiting for the
    group (a schedule row of `card_kind`): a retry of a /propose the group never saw."""
    row = await tx.fetchone(
        f"SELECT {_COLUMNS} FROM topics t WHERE chat_id = ? AND proposer_id = ? AND title = ? "
        "AND details = ? AND status = 'proposed' AND card_message_id IS NULL AND EXISTS("
        "SELECT 1 FROM scheduled s WHERE s.kind = ? AND s.ref_id = t.id AND s.done_at IS NULL) "
        "ORDER BY id DESC LIMIT 1",
        (chat_id, proposer_id, title, details, card_kind),
    )
    return None if row is None else _topic(row)


async def get_topic(tx: Tx, chat_id: int, number: int) -> TopicRow | None:
    row = await tx.fetchone(
        f"SELECT {_COLUMNS} FROM topics WHERE chat_id = ? AND number = ?", (chat_id, number)
    )
    return None if row is None else _topic(row)


async def get_topic_by_id(tx: Tx, topic_id: int) -> TopicRow | None:
    row = await tx.fetchone(f"SELECT {_COLUMNS} FROM topics WHERE id = ?", (topic_id,))
    return None if row is None else _topic(row)


async def list_topics(
    tx: Tx, chat_id: int, statuses: tuple[str, ...] | None = None
) -> list[TopicRow]:
    if statuses:
        marks = ",".join("?" * len(statuses))
        rows = await tx.fetchall(
            f"SELECT {_COLUMNS} FROM topics WHERE chat_id = ? AND status IN ({marks}) ORDER BY number",
            (chat_id, *statuses),
        )
    else:
        rows = await tx.fetchall(
            f"SELECT {_COLUMNS} FROM topics WHERE chat_id = ? ORDER BY number", (chat_id,)
        )
    return [_topic(r) for r in rows]


async def set_status(
    tx: Tx, topic_id: int, status: str, deadline: datetime | None = None, **extra: Any
) -> None:
    sets = ["status = ?", "phase_deadline = ?"]
    params: list[Any] = [status, to_db(deadline)]
    for column in ("merged_into", "round", "vote_duration_s"):
        if column in extra:
            sets.append(f"{column} = ?")
            params.append(extra[column])
    await tx.execute(f"UPDATE topics SET {', '.join(sets)} WHERE id = ?", (*params, topic_id))


async def set_card(tx: Tx, topic_id: int, message_id: int | None) -> None:
    await tx.execute("UPDATE topics SET card_message_id = ? WHERE id = ?", (message_id, topic_id))


async def set_thread(tx: Tx, topic_id: int, thread_id: int | None, own: bool) -> None:
    """Where the topic lives from now on (None: General); `own` when the bot opened it."""
    await tx.execute(
        "UPDATE topics SET thread_id = ?, own_thread = ? WHERE id = ?",
        (thread_id, int(own), topic_id),
    )


async def set_wording(tx: Tx, topic_id: int, title: str, details: str) -> None:
    await tx.execute(
        "UPDATE topics SET title = ?, details = ? WHERE id = ?", (title, details, topic_id)
    )


async def add_supporter(tx: Tx, topic_id: int, user_id: int, now: datetime) -> bool:
    return (
        await tx.execute(
            "INSERT OR IGNORE INTO supporters(topic_id, user_id, at) VALUES (?,?,?)",
            (topic_id, user_id, to_db(now)),
        )
        > 0
    )


async def supporters(tx: Tx, topic_id: int) -> list[int]:
    rows = await tx.fetchall(
        "SELECT user_id FROM supporters WHERE topic_id = ? ORDER BY at, user_id", (topic_id,)
    )
    return [r[0] for r in rows]


async def supporter_count(tx: Tx, topic_id: int) -> int:
    return int(await tx.scalar("SELECT COUNT(*) FROM supporters WHERE topic_id = ?", (topic_id,)))


async def move_supporters(tx: Tx, from_topic: int, to_topic: int) -> int:
    moved = await tx.execute(
        "INSERT OR IGNORE INTO supporters(topic_id, user_id, at) "
        "SELECT ?, user_id, at FROM supporters WHERE topic_id = ?",
        (to_topic, from_topic),
    )
    return moved


async def record(
    tx: Tx,
    topic_id: int,
    at: datetime,
    actor_id: int | None,
    event: str,
    detail: Mapping[str, Any] | None = None,
) -> None:
    """One event in the topic's history. `detail` is structured, JSON values only: the numbers
    people type ({"draft": 2}, {"view": 3, "stance": "oppose", "anonymous": true}), counts, and
    the user text the event is about ({"reason": ...}); it is stored as a JSON object in the
    detail column. Never a secret ballot's voter or choice."""
    if detail is not None and not isinstance(detail, Mapping):
        raise TypeError(f"history detail must be a mapping, not {type(detail).__name__}")
    # One log line per event; ids only, never user text (the record itself keeps the detail).
    log.info("topic %s: %s by %s", topic_id, event, actor_id if actor_id is not None else "-")
    await tx.execute(
        "INSERT INTO history(topic_id, at, actor_id, event, detail) VALUES (?,?,?,?,?)",
        (topic_id, to_db(at), actor_id, event, encode_detail(detail)),
    )
    # 两商衔接: what a referred topic does is reported back; a new topic reaches contact members.
    await referrals.after_history(tx, topic_id, at, event)


def encode_detail(detail: Mapping[str, Any] | None) -> str:
    return json.dumps(dict(detail or {}), ensure_ascii=False, separators=(",", ":"))


def decode_detail(text: str | None) -> Detail:
    """The stored detail: a dict when it holds a JSON object (every row `record` writes), else
    the text as it is (a row from before details were structured)."""
    if not text or not text.startswith("{"):
        return text or ""
    try:
        value = json.loads(text)
    except ValueError:
        return text
    return value if isinstance(value, dict) else text


async def history(tx: Tx, topic_id: int) -> list[HistoryRow]:
    rows = await tx.fetchall(
        "SELECT at, actor_id, event, detail FROM history WHERE topic_id = ? ORDER BY id",
        (topic_id,),
    )
    return [
        HistoryRow(from_db(r["at"]), r["actor_id"], r["event"], decode_detail(r["detail"]))
        for r in rows
    ]


async def set_focus(tx: Tx, user_id: int, chat_id: int, now: datetime) -> None:
    await tx.execute(
        "INSERT INTO users(user_id, focus_chat_id, updated_at) VALUES (?,?,?) "
        "ON CONFLICT(user_id) DO UPDATE SET focus_chat_id = excluded.focus_chat_id",
        (user_id, chat_id, to_db(now)),
    )


async def focus(tx: Tx, user_id: int) -> int | None:
    return await tx.scalar("SELECT focus_chat_id FROM users WHERE user_id = ?", (user_id,))
