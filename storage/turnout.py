"""Who took part in a topic, and who has not yet voted: the people a reminder before a deadline
is for (bot/services/turnout.py)."""

from __future__ import annotations

from storage.db import Tx


async def named_participants(tx: Tx, topic_id: int) -> set[int]:
    """The proposer, the seconders, the authors of drafts and of views given under their name."""
    rows = await tx.fetchall(
        "SELECT proposer_id FROM topics WHERE id = ? "
        "UNION SELECT user_id FROM supporters WHERE topic_id = ? "
        "UNION SELECT author_id FROM drafts WHERE topic_id = ? "
        "UNION SELECT author_id FROM views WHERE topic_id = ? AND anonymous = 0 AND retracted = 0",
        (topic_id, topic_id, topic_id, topic_id),
    )
    return {r[0] for r in rows}


async def anonymous_view_authors(tx: Tx, topic_id: int) -> set[int]:
    rows = await tx.fetchall(
        "SELECT DISTINCT author_id FROM views WHERE topic_id = ? AND anonymous = 1 AND retracted = 0",
        (topic_id,),
    )
    return {r[0] for r in rows}


async def view_authors(tx: Tx, topic_id: int, round_no: int) -> set[int]:
    """Who has given a view (not retracted) in this round, anonymously or not."""
    rows = await tx.fetchall(
        "SELECT DISTINCT author_id FROM views WHERE topic_id = ? AND round = ? AND retracted = 0",
        (topic_id, round_no),
    )
    return {r[0] for r in rows}


async def seconders(tx: Tx, topic_id: int) -> set[int]:
    rows = await tx.fetchall(
        "SELECT proposer_id FROM topics WHERE id = ? UNION SELECT user_id FROM supporters WHERE topic_id = ?",
        (topic_id, topic_id),
    )
    return {r[0] for r in rows}


async def voters(tx: Tx, vote_id: int) -> set[int]:
    rows = await tx.fetchall("SELECT user_id FROM ballots WHERE vote_id = ?", (vote_id,))
    return {r[0] for r in rows}
