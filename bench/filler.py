"""Quick pre-fills with direct SQL: other chats' history (growth) and a big schedule (restore)."""

from __future__ import annotations

import math
import random
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

from storage.timefmt import to_db

VIEWS_PER_TOPIC = 25
BALLOTS_PER_TOPIC = 25
TOPICS_PER_CHAT = 20
FILLER_CHAT_BASE = -1009000000000
FILLER_USER_BASE = 90_000_000
STATUSES = ("done", "closed", "adopted", "not_adopted", "following_up")
STANCES = ("support", "oppose", "concern", "suggestion")
CHOICES = ("agree", "agree", "agree", "abstain", "disagree")


def _connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    return conn


def prefill_history(path: Path, size: int, seed: int = 7) -> dict[str, int]:
    """`size` views and `size` ballots in other chats' topics, with their votes, drafts, history.

    The tables the product writes on these paths are filled in proportion: one history row per
    view and per ballot, a draft and a closed vote per topic, three supporters per topic.
    """
    rng = random.Random(seed)
    topics = max(1, math.ceil(size / VIEWS_PER_TOPIC))
    chats = max(1, math.ceil(topics / TOPICS_PER_CHAT))
    start = datetime(2025, 1, 1, tzinfo=UTC)
    conn = _connect(path)
    try:
        base_topic = (conn.execute("SELECT COALESCE(MAX(id), 0) FROM topics").fetchone()[0]) + 1
        base_vote = (conn.execute("SELECT COALESCE(MAX(id), 0) FROM votes").fetchone()[0]) + 1
        conn.execute("BEGIN")
        chat_rows, topic_rows, view_rows, draft_rows = [], [], [], []
        vote_rows, ballot_rows, history_rows, supporter_rows = [], [], [], []
        views_left = ballots_left = size
        for c in range(chats):
            chat_id = FILLER_CHAT_BASE - c
            in_chat = min(TOPICS_PER_CHAT, topics - c * TOPICS_PER_CHAT)
            chat_rows.append((chat_id, "supergroup", f"Filler {c}", to_db(start), in_chat + 1))
            for n in range(1, in_chat + 1):
                index = c * TOPICS_PER_CHAT + n - 1
                topic_id = base_topic + index
                vote_id = base_vote + index
                at = start + timedelta(hours=index)
                when = to_db(at)
                nviews = min(VIEWS_PER_TOPIC, views_left)
                nballots = min(BALLOTS_PER_TOPIC, ballots_left)
                views_left -= nviews
                ballots_left -= nballots
                topic_rows.append(
                    (
                        topic_id,
                        chat_id,
                        n,
                        f"Filler topic {n}",
                        "",
                        STATUSES[index % 5],
                        FILLER_USER_BASE + index % 500,
                        when,
                        nviews + 1,
                        2,
                    )
                )
                draft_rows.append((topic_id, 1, FILLER_USER_BASE + 1, "Wording " * 20, when))
                vote_rows.append(
                    (
                        vote_id,
                        topic_id,
                        1,
                        1,
                        when,
                        to_db(at + timedelta(days=2)),
                        to_db(at + timedelta(days=2)),
                        30,
                        10,
                        "2/3",
                        0,
                        "adopted",
                    )
                )
                for s in range(3):
                    supporter_rows.append((topic_id, FILLER_USER_BASE + s, when))
                for v in range(nviews):
                    user = FILLER_USER_BASE + rng.randrange(2000)
                    view_rows.append(
                        (topic_id, v + 1, user, 0, rng.choice(STANCES), "view text " * 8, when, 1)
                    )
                    history_rows.append((topic_id, when, user, "view", f"{v + 1}"))
                for b in range(nballots):
                    user = FILLER_USER_BASE + b
                    ballot_rows.append((vote_id, user, rng.choice(CHOICES), None, when, 0))
                    history_rows.append((topic_id, when, user, "ballot", ""))
        conn.executemany(
            "INSERT INTO chats(chat_id, type, title, created_at, next_topic_no) VALUES (?,?,?,?,?)",
            chat_rows,
        )
        conn.executemany(
            "INSERT INTO topics(id, chat_id, number, title, details, status, proposer_id, "
            "created_at, next_view_no, next_draft_no) VALUES (?,?,?,?,?,?,?,?,?,?)",
            topic_rows,
        )
        conn.executemany(
            "INSERT INTO drafts(topic_id, number, author_id, text, created_at) VALUES (?,?,?,?,?)",
            draft_rows,
        )
        conn.executemany(
            "INSERT INTO votes(id, topic_id, draft_no, round, opened_at, closes_at, closed_at, "
            "eligible, quorum, threshold, blocks_allowed, result) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            vote_rows,
        )
        conn.executemany(
            "INSERT INTO supporters(topic_id, user_id, at) VALUES (?,?,?)", supporter_rows
        )
        conn.executemany(
            "INSERT INTO views(topic_id, number, author_id, anonymous, stance, text, created_at, "
            "round) VALUES (?,?,?,?,?,?,?,?)",
            view_rows,
        )
        conn.executemany(
            "INSERT INTO ballots(vote_id, user_id, choice, reason, cast_at, changed) "
            "VALUES (?,?,?,?,?,?)",
            ballot_rows,
        )
        conn.executemany(
            "INSERT INTO history(topic_id, at, actor_id, event, detail) VALUES (?,?,?,?,?)",
            history_rows,
        )
        conn.execute("COMMIT")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()
    return {
        "chats": len(chat_rows),
        "topics": len(topic_rows),
        "views": len(view_rows),
        "ballots": len(ballot_rows),
        "votes": len(vote_rows),
        "history": len(history_rows),
    }


KINDS = ("followup", "due_soon", "overdue", "overdue_reopen", "vote_close", "views_close")


def prefill_schedule(path: Path, rows: int, chats: int, seed: int = 11) -> datetime:
    """`rows` pending rows due in the future (spread over a year from now) in `chats` chats."""
    rng = random.Random(seed)
    now = datetime.now(UTC)
    year = 365 * 24 * 3600
    conn = _connect(path)
    try:
        conn.execute("BEGIN")
        conn.executemany(
            "INSERT INTO chats(chat_id, type, title, created_at) VALUES (?,?,?,?)",
            [
                (FILLER_CHAT_BASE - c, "supergroup", f"Village {c}", to_db(now))
                for c in range(chats)
            ],
        )
        conn.executemany(
            "INSERT INTO scheduled(chat_id, kind, ref_id, due_at, payload_json) VALUES (?,?,?,?,?)",
            [
                (
                    FILLER_CHAT_BASE - rng.randrange(chats),
                    KINDS[i % len(KINDS)],
                    i + 1,
                    to_db(now + timedelta(seconds=60 + rng.randrange(year))),
                    '{"index": 0}' if i % len(KINDS) == 0 else "{}",
                )
                for i in range(rows)
            ],
        )
        conn.execute("COMMIT")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()
    return now
