"""Votes counted in person: a show of hands at a meeting, and ballots a convenor entered by proxy
for members without a phone. Both count in the vote's tally (storage/votes.py `tally`)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from storage.db import Tx
from storage.rows import from_row
from storage.timefmt import to_db

CHOICES = ("agree", "abstain", "disagree", "block")


@dataclass(frozen=True)
class HandsRow:
    vote_id: int
    meeting_id: int | None
    agree: int
    abstain: int
    disagree: int
    block: int
    recorded_by: int
    at: datetime

    def as_dict(self) -> dict[str, int]:
        return {c: getattr(self, c) for c in CHOICES}


@dataclass(frozen=True)
class ProxyRow:
    vote_id: int
    name: str
    choice: str
    entered_by: int
    at: datetime
    changed: int


async def record_hands(
    tx: Tx,
    vote_id: int,
    meeting_id: int | None,
    counts: dict[str, int],
    by: int,
    now: datetime,
) -> None:
    await tx.execute(
        "INSERT INTO show_of_hands(vote_id, meeting_id, agree, abstain, disagree, block, "
        "recorded_by, at) VALUES (?,?,?,?,?,?,?,?)",
        (vote_id, meeting_id, *(counts[c] for c in CHOICES), by, to_db(now)),
    )


async def hands_of(tx: Tx, vote_id: int) -> HandsRow | None:
    row = await tx.fetchone("SELECT * FROM show_of_hands WHERE vote_id = ?", (vote_id,))
    return None if row is None else from_row(HandsRow, row)


async def enter_proxy(
    tx: Tx, vote_id: int, name: str, choice: str, by: int, now: datetime
) -> str | None:
    """Upsert the ballot entered for `name`; returns the choice it replaced (None: first)."""
    previous = await tx.scalar(
        "SELECT choice FROM proxy_ballots WHERE vote_id = ? AND name = ?", (vote_id, name)
    )
    await tx.execute(
        "INSERT INTO proxy_ballots(vote_id, name, choice, entered_by, at) VALUES (?,?,?,?,?) "
        "ON CONFLICT(vote_id, name) DO UPDATE SET choice = excluded.choice, "
        "entered_by = excluded.entered_by, at = excluded.at, changed = changed + 1",
        (vote_id, name, choice, by, to_db(now)),
    )
    return previous


async def proxies_of(tx: Tx, vote_id: int) -> list[ProxyRow]:
    rows = await tx.fetchall(
        "SELECT vote_id, name, choice, entered_by, at, changed FROM proxy_ballots "
        "WHERE vote_id = ? ORDER BY at, name",
        (vote_id,),
    )
    return [from_row(ProxyRow, r) for r in rows]


async def counted_in_person(tx: Tx, vote_id: int) -> dict[str, int]:
    """Choice -> count of the proxy ballots and the show of hands of a vote."""
    found = {c: 0 for c in CHOICES}
    for r in await tx.fetchall(
        "SELECT choice, COUNT(*) FROM proxy_ballots WHERE vote_id = ? GROUP BY choice", (vote_id,)
    ):
        found[r[0]] = found.get(r[0], 0) + r[1]
    hands = await hands_of(tx, vote_id)
    if hands is not None:
        for choice, count in hands.as_dict().items():
            found[choice] += count
    return found


# ----- the export ------------------------------------------------------------------------------
async def for_export(tx: Tx, chat_id: int) -> dict[int, dict[str, Any]]:
    """Topic row id -> {"hands": [...], "proxies": [...]} of its votes (by vote row id order).
    Under secret ballot a proxy ballot's choice is left out: the name says whose it was."""
    hands: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for r in await tx.fetchall(
        "SELECT h.*, v.topic_id, v.draft_no FROM show_of_hands h JOIN votes v ON v.id = h.vote_id "
        "JOIN topics t ON t.id = v.topic_id WHERE t.chat_id = ? ORDER BY v.id",
        (chat_id,),
    ):
        hands[r["topic_id"]].append(
            {
                "draft_id": r["draft_no"],
                "tally": {c: r[c] for c in CHOICES},
                "recorded_by": r["recorded_by"],
                "at": r["at"],
                "meeting_id": r["meeting_id"],
            }
        )
    proxies: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for r in await tx.fetchall(
        "SELECT p.*, v.topic_id, v.draft_no, v.secret FROM proxy_ballots p "
        "JOIN votes v ON v.id = p.vote_id JOIN topics t ON t.id = v.topic_id "
        "WHERE t.chat_id = ? ORDER BY v.id, p.at, p.name",
        (chat_id,),
    ):
        proxies[r["topic_id"]].append(
            {
                "draft_id": r["draft_no"],
                "name": r["name"],
                "choice": None if r["secret"] else r["choice"],
                "entered_by": r["entered_by"],
                "at": r["at"],
            }
        )
    return {
        topic_id: {"hands": hands.get(topic_id, []), "proxies": proxies.get(topic_id, [])}
        for topic_id in set(hands) | set(proxies)
    }
