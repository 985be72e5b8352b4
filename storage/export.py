"""Read-only queries behind `shangliang export`: a chat's whole record, loaded a chat at a time.

Every function takes the `Tx` of one read transaction (Database.read()), so that the export is a
single consistent snapshot while the bot keeps writing. Per-topic collections come back keyed by
the topic's row id (topics.id), which never leaves the program: the numbers people type
(topics.number, views.number, drafts.number) are what the export shows.

Times are returned exactly as stored: ISO 8601 text in UTC.

Secret ballots: `votes()` never reads a secret vote's choices together with its voters. The tally
is counted in SQL, the voters are listed sorted by user id, and the ballots are left out.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from storage import hands
from storage.db import Tx
from storage.rows import by_topic, from_row
from storage.topics import Detail, decode_detail


@dataclass(frozen=True)
class ExportChat:
    chat_id: int
    type: str
    title: str
    settings: dict[str, Any]  # the chat's own settings_json, not merged with the defaults
    active: bool
    created_at: str


@dataclass(frozen=True)
class ExportTopic:
    row_id: int  # topics.id: for joining only, never exported
    chat_id: int
    number: int
    title: str
    details: str
    status: str
    proposer_id: int
    created_at: str
    round: int
    merged_into: int | None  # a topic row id


@dataclass(frozen=True)
class ExportView:
    number: int
    author_id: int
    anonymous: bool
    stance: str
    text: str
    created_at: str
    retracted: bool
    voice_duration: int | None = None
    voice_link: str | None = None


@dataclass(frozen=True)
class ExportDraft:
    number: int
    version: int
    parent_no: int | None
    author_id: int
    text: str
    created_at: str


@dataclass(frozen=True)
class ExportBallot:
    user_id: int
    choice: str
    reason: str | None
    cast_at: str


@dataclass(frozen=True)
class ExportVote:
    row_id: int  # votes.id: for joining only, never exported
    draft_no: int
    round: int
    opened_at: str
    closes_at: str
    closed_at: str | None
    eligible: int
    quorum: int
    threshold: str
    blocks_allowed: int
    secret: bool
    result: str | None
    tally: dict[str, int]  # choice -> count, only the choices that were cast
    voters: tuple[int, ...]  # sorted by user id, whatever the order of casting
    ballots: tuple[ExportBallot, ...] | None  # None when the vote is secret


@dataclass(frozen=True)
class ExportHistory:
    at: str
    actor_id: int | None
    event: str
    detail: Detail  # a dict; the free text of a row written before details were structured


@dataclass(frozen=True)
class ExportUser:
    user_id: int
    first_name: str
    username: str | None


async def chats(tx: Tx, chat_id: int | None = None) -> list[ExportChat]:
    """All chats (or the one asked for; none if unknown), ordered by chat id."""
    sql = "SELECT chat_id, type, title, settings_json, active, created_at FROM chats"
    params: tuple[Any, ...] = ()
    if chat_id is not None:
        sql += " WHERE chat_id = ?"
        params = (chat_id,)
    rows = await tx.fetchall(sql + " ORDER BY chat_id", params)
    return [
        ExportChat(
            chat_id=r["chat_id"],
            type=r["type"],
            title=r["title"],
            settings=_settings(r["settings_json"]),
            active=bool(r["active"]),
            created_at=r["created_at"],
        )
        for r in rows
    ]


def _settings(text: str | None) -> dict[str, Any]:
    try:
        value = json.loads(text or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


async def topics(tx: Tx, chat_id: int) -> list[ExportTopic]:
    rows = await tx.fetchall(
        "SELECT id, chat_id, number, title, details, status, proposer_id, created_at, round, "
        "merged_into FROM topics WHERE chat_id = ? ORDER BY number",
        (chat_id,),
    )
    return [
        ExportTopic(
            row_id=r["id"],
            chat_id=r["chat_id"],
            number=r["number"],
            title=r["title"],
            details=r["details"],
            status=r["status"],
            proposer_id=r["proposer_id"],
            created_at=r["created_at"],
            round=r["round"],
            merged_into=r["merged_into"],
        )
        for r in rows
    ]


async def supporters(tx: Tx, chat_id: int) -> dict[int, list[int]]:
    """Topic row id -> supporter user ids, in the order they seconded the topic."""
    rows = await tx.fetchall(
        "SELECT s.topic_id, s.user_id FROM supporters s JOIN topics t ON t.id = s.topic_id "
        "WHERE t.chat_id = ? ORDER BY s.topic_id, s.at, s.user_id",
        (chat_id,),
    )
    return by_topic(rows, lambda r: r["user_id"])


async def views(tx: Tx, chat_id: int) -> dict[int, list[ExportView]]:
    """Topic row id -> every view, retracted ones included, by number."""
    rows = await tx.fetchall(
        "SELECT v.topic_id, v.number, v.author_id, v.anonymous, v.stance, v.text, v.created_at, "
        "v.retracted, v.voice_duration, v.voice_link "
        "FROM views v JOIN topics t ON t.id = v.topic_id "
        "WHERE t.chat_id = ? ORDER BY v.topic_id, v.number",
        (chat_id,),
    )
    return by_topic(rows, lambda r: from_row(ExportView, r))


async def drafts(tx: Tx, chat_id: int) -> dict[int, list[ExportDraft]]:
    rows = await tx.fetchall(
        "SELECT d.topic_id, d.number, d.version, d.parent_no, d.author_id, d.text, d.created_at "
        "FROM drafts d JOIN topics t ON t.id = d.topic_id "
        "WHERE t.chat_id = ? ORDER BY d.topic_id, d.number",
        (chat_id,),
    )
    return by_topic(rows, lambda r: from_row(ExportDraft, r))


async def votes(tx: Tx, chat_id: int) -> dict[int, list[ExportVote]]:
    """Topic row id -> its votes in the order they were opened, each with tally and voters."""
    vote_rows = await tx.fetchall(
        "SELECT v.* FROM votes v JOIN topics t ON t.id = v.topic_id "
        "WHERE t.chat_id = ? ORDER BY v.topic_id, v.id",
        (chat_id,),
    )
    tallies: dict[int, dict[str, int]] = defaultdict(dict)
    for r in await tx.fetchall(
        "SELECT b.vote_id, b.choice, COUNT(*) AS n FROM ballots b "
        "JOIN votes v ON v.id = b.vote_id JOIN topics t ON t.id = v.topic_id "
        "WHERE t.chat_id = ? GROUP BY b.vote_id, b.choice",
        (chat_id,),
    ):
        tallies[r["vote_id"]][r["choice"]] = r["n"]
    # What was counted in person (proxy ballots, a show of hands: storage/hands.py) counts too.
    for r in vote_rows:
        for choice, count in (await hands.counted_in_person(tx, r["id"])).items():
            if count:
                tallies[r["id"]][choice] = tallies[r["id"]].get(choice, 0) + count
    voters: dict[int, list[int]] = defaultdict(list)
    for r in await tx.fetchall(
        "SELECT b.vote_id, b.user_id FROM ballots b "
        "JOIN votes v ON v.id = b.vote_id JOIN topics t ON t.id = v.topic_id "
        "WHERE t.chat_id = ? ORDER BY b.vote_id, b.user_id",
        (chat_id,),
    ):
        voters[r["vote_id"]].append(r["user_id"])
    # Choices tied to people are read for open-ballot votes only.
    ballots: dict[int, list[ExportBallot]] = defaultdict(list)
    for r in await tx.fetchall(
        "SELECT b.vote_id, b.user_id, b.choice, b.reason, b.cast_at FROM ballots b "
        "JOIN votes v ON v.id = b.vote_id JOIN topics t ON t.id = v.topic_id "
        "WHERE t.chat_id = ? AND v.secret = 0 ORDER BY b.vote_id, b.cast_at, b.user_id",
        (chat_id,),
    ):
        ballots[r["vote_id"]].append(
            ExportBallot(r["user_id"], r["choice"], r["reason"], r["cast_at"])
        )
    found: dict[int, list[ExportVote]] = defaultdict(list)
    for r in vote_rows:
        secret = bool(r["secret"])
        found[r["topic_id"]].append(
            ExportVote(
                row_id=r["id"],
                draft_no=r["draft_no"],
                round=r["round"],
                opened_at=r["opened_at"],
                closes_at=r["closes_at"],
                closed_at=r["closed_at"],
                eligible=r["eligible"],
                quorum=r["quorum"],
                threshold=r["threshold"],
                blocks_allowed=r["blocks_allowed"],
                secret=secret,
                result=r["result"],
                tally=dict(tallies.get(r["id"], {})),
                voters=tuple(voters.get(r["id"], ())),
                ballots=None if secret else tuple(ballots.get(r["id"], ())),
            )
        )
    return dict(found)


async def history(tx: Tx, chat_id: int) -> dict[int, list[ExportHistory]]:
    """Topic row id -> its record, in the order it was written."""
    rows = await tx.fetchall(
        "SELECT h.topic_id, h.at, h.actor_id, h.event, h.detail FROM history h "
        "JOIN topics t ON t.id = h.topic_id WHERE t.chat_id = ? ORDER BY h.topic_id, h.id",
        (chat_id,),
    )
    found: dict[int, list[ExportHistory]] = defaultdict(list)
    for r in rows:
        found[r["topic_id"]].append(
            ExportHistory(r["at"], r["actor_id"], r["event"], decode_detail(r["detail"]))
        )
    return dict(found)


async def users(tx: Tx, chat_id: int) -> dict[int, ExportUser]:
    """The people the chat's record names (proposers, supporters, authors, voters, actors)."""
    rows = await tx.fetchall(
        "SELECT user_id, first_name, username FROM users WHERE user_id IN ("
        " SELECT proposer_id FROM topics WHERE chat_id = ?"
        " UNION SELECT s.user_id FROM supporters s JOIN topics t ON t.id = s.topic_id"
        "  WHERE t.chat_id = ?"
        " UNION SELECT v.author_id FROM views v JOIN topics t ON t.id = v.topic_id"
        "  WHERE t.chat_id = ? AND v.anonymous = 0"
        " UNION SELECT d.author_id FROM drafts d JOIN topics t ON t.id = d.topic_id"
        "  WHERE t.chat_id = ?"
        " UNION SELECT b.user_id FROM ballots b JOIN votes v ON v.id = b.vote_id"
        "  JOIN topics t ON t.id = v.topic_id WHERE t.chat_id = ?"
        " UNION SELECT h.actor_id FROM history h JOIN topics t ON t.id = h.topic_id"
        "  WHERE t.chat_id = ? AND h.actor_id IS NOT NULL"
        " UNION SELECT r.user_id FROM meeting_rsvps r JOIN meetings m ON m.id = r.meeting_id"
        "  JOIN topics t ON t.id = m.topic_id WHERE t.chat_id = ?"
        ") ORDER BY user_id",
        (chat_id,) * 7,
    )
    return {r["user_id"]: ExportUser(r["user_id"], r["first_name"], r["username"]) for r in rows}
