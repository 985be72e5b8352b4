"""Domain events (bot/events.py) reach their subscribers only after the unit that published
them commits, and never when it rolls back; and a ballot's event refreshes the ballot card."""

from __future__ import annotations

import pytest

from bot.events import BallotCast, Events, TopicChanged
from storage import Database, Tx


@pytest.fixture
async def db(tmp_path):
    database = Database(tmp_path / "e.db")
    await database.open()
    yield database
    await database.close()


async def test_subscribers_hear_after_commit_and_never_after_a_rollback(db):
    events = Events()
    heard: list[object] = []
    events.subscribe(TopicChanged, heard.append)
    events.subscribe(BallotCast, lambda e: heard.append(("ballot", e.vote_id)))

    async def changes(tx: Tx) -> int:
        events.publish(tx, TopicChanged(chat_id=-1, topic_id=7))
        events.publish(tx, BallotCast(chat_id=-1, vote_id=3))
        assert heard == []  # not yet: the transaction is still open
        return 1

    async def refused(tx: Tx) -> None:
        events.publish(tx, TopicChanged(chat_id=-1, topic_id=8))
        raise LookupError("refused")

    assert await db.run(changes) == 1
    assert heard == [TopicChanged(-1, 7), ("ballot", 3)]
    with pytest.raises(LookupError):
        await db.run(refused)
    assert heard == [TopicChanged(-1, 7), ("ballot", 3)]


async def test_a_failing_subscriber_neither_undoes_the_commit_nor_silences_the_others(db):
    events = Events()
    heard: list[object] = []

    def broken(_event: object) -> None:
        raise RuntimeError("subscriber bug")

    events.subscribe(TopicChanged, broken)
    events.subscribe(TopicChanged, heard.append)

    async def changes(tx: Tx) -> None:
        await tx.execute("CREATE TABLE kept(x)")
        events.publish(tx, TopicChanged(chat_id=-1, topic_id=1))

    await db.run(changes)
    assert heard == [TopicChanged(-1, 1)]
    assert await db.view(lambda tx: tx.scalar("SELECT count(*) FROM kept")) == 0
