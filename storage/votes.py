"""Votes on a draft, and one ballot per member per vote."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from storage import hands
from storage.db import Tx
from storage.rows import from_row
from storage.timefmt import from_db, to_db


@dataclass(frozen=True)
class VoteRow:
    id: int
    topic_id: int
    draft_no: int
    round: int
    opened_at: datetime
    closes_at: datetime
    closed_at: datetime | None
    eligible: int
    quorum: int
    threshold: str
    blocks_allowed: int
    secret: bool
    card_message_id: int | None
    result: str | None
    # Under secret ballot: a ballot typed in the group (/ballot N choice) would stay readable,
    # because the bot may not delete the member's message (its right, checked at opening and
    # followed since). Stored in the `secret` column as SECRET_TYPED_STAYS.
    typed_ballot_stays: bool = False

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


# The `secret` column: 0 an open ballot; 1 secret; 2 secret, and the bot cannot delete a ballot
# typed in the group (so the group must vote with the buttons or in private).
SECRET = 1
SECRET_TYPED_STAYS = 2


@dataclass(frozen=True)
class BallotRow:
    user_id: int
    choice: str
    reason: str | None
    cast_at: datetime


def _vote(row: Any) -> VoteRow:
    return from_row(VoteRow, row, typed_ballot_stays=row["secret"] == SECRET_TYPED_STAYS)


async def open_vote(
    tx: Tx,
    topic_id: int,
    draft_no: int,
    round_no: int,
    now: datetime,
    closes_at: datetime,
    eligible: int,
    quorum: int,
    threshold: str,
    blocks_allowed: int,
    secret: bool,
    typed_ballot_stays: bool = False,
) -> VoteRow:
    vote_id = await tx.insert(
        "INSERT INTO votes(topic_id, draft_no, round, opened_at, closes_at, eligible, quorum, "
        "threshold, blocks_allowed, secret) VALUES (?,?,?,?,?,?,?,?,?,?)",
        (
            topic_id,
            draft_no,
            round_no,
            to_db(now),
            to_db(closes_at),
            eligible,
            quorum,
            threshold,
            blocks_allowed,
            (SECRET_TYPED_STAYS if typed_ballot_stays else SECRET) if secret else 0,
        ),
    )
    vote = await get_vote(tx, vote_id)
    assert vote is not None
    return vote


async def get_vote(tx: Tx, vote_id: int) -> VoteRow | None:
    row = await tx.fetchone("SELECT * FROM votes WHERE id = ?", (vote_id,))
    return None if row is None else _vote(row)


async def current_vote(tx: Tx, topic_id: int) -> VoteRow | None:
    row = await tx.fetchone(
        "SELECT * FROM votes WHERE topic_id = ? ORDER BY id DESC LIMIT 1", (topic_id,)
    )
    return None if row is None else _vote(row)


async def draft_was_put_to_vote(tx: Tx, topic_id: int, draft_no: int) -> bool:
    return bool(
        await tx.scalar(
            "SELECT EXISTS(SELECT 1 FROM votes WHERE topic_id = ? AND draft_no = ?)",
            (topic_id, draft_no),
        )
    )


async def note_typed_ballots(tx: Tx, chat_id: int, stay: bool) -> list[int]:
    """The bot's right to delete messages in `chat_id` changed: its open secret votes follow.
    Returns the ids of the votes that changed."""
    old, new = (SECRET, SECRET_TYPED_STAYS) if stay else (SECRET_TYPED_STAYS, SECRET)
    rows = await tx.fetchall(
        "SELECT v.id FROM votes v JOIN topics t ON t.id = v.topic_id "
        "WHERE t.chat_id = ? AND v.closed_at IS NULL AND v.secret = ?",
        (chat_id, old),
    )
    ids = [r[0] for r in rows]
    for vote_id in ids:
        await tx.execute("UPDATE votes SET secret = ? WHERE id = ?", (new, vote_id))
    return ids


async def list_votes(tx: Tx, topic_id: int) -> list[VoteRow]:
    rows = await tx.fetchall("SELECT * FROM votes WHERE topic_id = ? ORDER BY id", (topic_id,))
    return [_vote(r) for r in rows]


async def set_closes_at(tx: Tx, vote_id: int, closes_at: datetime) -> None:
    await tx.execute("UPDATE votes SET closes_at = ? WHERE id = ?", (to_db(closes_at), vote_id))


async def set_card(tx: Tx, vote_id: int, message_id: int | None) -> None:
    await tx.execute("UPDATE votes SET card_message_id = ? WHERE id = ?", (message_id, vote_id))


async def cast(
    tx: Tx, vote_id: int, user_id: int, choice: str, reason: str | None, now: datetime
) -> str | None:
    """Upsert the ballot; returns the choice it replaced (None for a first ballot)."""
    previous = await tx.scalar(
        "SELECT choice FROM ballots WHERE vote_id = ? AND user_id = ?", (vote_id, user_id)
    )
    await tx.execute(
        "INSERT INTO ballots(vote_id, user_id, choice, reason, cast_at) VALUES (?,?,?,?,?) "
        "ON CONFLICT(vote_id, user_id) DO UPDATE SET choice = excluded.choice, "
        "reason = excluded.reason, cast_at = excluded.cast_at, changed = changed + 1",
        (vote_id, user_id, choice, reason, to_db(now)),
    )
    return previous


async def set_disagree_reason(tx: Tx, vote_id: int, user_id: int, reason: str) -> bool:
    """The reason of a member's disagree ballot (its choice, time and count of changes stay);
    False when their ballot is not a disagree (changed meanwhile, or never cast)."""
    changed = await tx.execute(
        "UPDATE ballots SET reason = ? WHERE vote_id = ? AND user_id = ? AND choice = 'disagree'",
        (reason, vote_id, user_id),
    )
    return changed > 0


async def ballot_of(tx: Tx, vote_id: int, user_id: int) -> BallotRow | None:
    row = await tx.fetchone(
        "SELECT user_id, choice, reason, cast_at FROM ballots WHERE vote_id = ? AND user_id = ?",
        (vote_id, user_id),
    )
    return None if row is None else BallotRow(row[0], row[1], row[2], from_db(row[3]))


async def tally(tx: Tx, vote_id: int) -> dict[str, int]:
    """Choice -> count: the members' ballots, and what was counted in person (proxy ballots,
    a show of hands at a meeting: storage/hands.py)."""
    rows = await tx.fetchall(
        "SELECT choice, COUNT(*) FROM ballots WHERE vote_id = ? GROUP BY choice", (vote_id,)
    )
    found = {r[0]: r[1] for r in rows}
    for choice, count in (await hands.counted_in_person(tx, vote_id)).items():
        if count:
            found[choice] = found.get(choice, 0) + count
    return found


async def ballots(tx: Tx, vote_id: int) -> list[BallotRow]:
    rows = await tx.fetchall(
        "SELECT user_id, choice, reason, cast_at FROM ballots WHERE vote_id = ? ORDER BY cast_at, user_id",
        (vote_id,),
    )
    return [BallotRow(r[0], r[1], r[2], from_db(r[3])) for r in rows]


async def close_vote(tx: Tx, vote_id: int, now: datetime, result: str | None) -> bool:
    """False when it was closed already: a deadline job and a convenor may race."""
    return (
        await tx.execute(
            "UPDATE votes SET closed_at = ?, result = ? WHERE id = ? AND closed_at IS NULL",
            (to_db(now), result, vote_id),
        )
        > 0
    )


async def adopted_text(tx: Tx, topic_id: int) -> str | None:
    """The wording of the topic's latest adopted vote."""
    return await tx.scalar(
        "SELECT d.text FROM votes v JOIN drafts d ON d.topic_id = v.topic_id AND d.number = v.draft_no "
        "WHERE v.topic_id = ? AND v.result = 'adopted' ORDER BY v.id DESC LIMIT 1",
        (topic_id,),
    )
