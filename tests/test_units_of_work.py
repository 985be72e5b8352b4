"""Units of work (storage.db.Database.run): one hop to aiosqlite's thread per group of units,
one COMMIT per group, a savepoint per unit; and the private aiosqlite API this rests on
(storage/thread.py), which these tests catch changing underneath us."""

from __future__ import annotations

import asyncio
import sqlite3
import threading

import aiosqlite
import pytest

from bench.counting import counting
from storage import Database, Tx
from storage.thread import in_db_thread


async def test_in_db_thread_runs_in_aiosqlites_thread_with_its_connection(tmp_path):
    conn = await aiosqlite.connect(tmp_path / "t.db", isolation_level=None)
    try:
        seen: dict[str, object] = {}

        def probe(raw: sqlite3.Connection) -> int:
            seen["thread"] = threading.get_ident()
            seen["raw"] = raw
            return raw.execute("SELECT 41 + 1").fetchone()[0]

        with counting() as counts:
            assert await in_db_thread(conn, probe) == 42
        assert counts.hops == 1
        assert isinstance(seen["raw"], sqlite3.Connection)
        assert seen["thread"] != threading.get_ident()
        # The same thread aiosqlite runs its own statements in.
        assert seen["thread"] == conn._thread.ident
    finally:
        await conn.close()
    with pytest.raises(ValueError):
        await in_db_thread(conn, lambda raw: 1)


@pytest.fixture
async def db(tmp_path):
    database = Database(tmp_path / "u.db")
    await database.open()
    async with database.transaction() as tx:
        await tx.execute("CREATE TABLE t(chat INTEGER, x TEXT)")
    yield database
    await database.close()


async def _rows(db: Database) -> list[tuple[int, str]]:
    async with db.read() as tx:
        return [tuple(r) for r in await tx.fetchall("SELECT chat, x FROM t ORDER BY chat, x")]


async def test_a_unit_costs_one_hop_and_one_commit(db):
    async def work(tx: Tx) -> int:
        await tx.execute("INSERT INTO t VALUES (1, 'a')")
        await tx.execute("INSERT INTO t VALUES (1, 'b')")
        return await tx.scalar("SELECT count(*) FROM t")

    with counting() as counts:
        assert await db.run(work) == 2
    assert (counts.hops, counts.commits) == (1, 1)
    assert await _rows(db) == [(1, "a"), (1, "b")]


async def test_concurrent_units_share_one_commit_and_a_failing_one_rolls_back_alone(db):
    def adds(chat: int, fail: bool = False):
        async def work(tx: Tx) -> int:
            await tx.execute("INSERT INTO t VALUES (?, 'x')", (chat,))
            if fail:
                raise LookupError("refused")
            return chat

        return work

    with counting() as counts:
        results = await asyncio.gather(
            db.run(adds(1)),
            db.run(adds(2)),
            db.run(adds(3, fail=True)),
            db.run(adds(4)),
            db.run(adds(5)),
            return_exceptions=True,
        )
    assert results[:2] == [1, 2] and results[3:] == [4, 5]
    assert isinstance(results[2], LookupError)
    # Sent together, they form one group: one hop, one COMMIT.
    assert (counts.hops, counts.commits) == (1, 1)
    assert await _rows(db) == [(1, "x"), (2, "x"), (4, "x"), (5, "x")]


async def test_a_unit_that_awaits_anything_else_is_refused_and_leaves_nothing(db):
    async def work(tx: Tx) -> None:
        await tx.execute("INSERT INTO t VALUES (1, 'half')")
        await asyncio.sleep(0)

    with pytest.raises(RuntimeError, match="awaited something other"):
        await db.run(work)
    assert await _rows(db) == []


async def test_the_handled_mark_and_the_scheduler_hear_only_after_commit(db):
    async with db.transaction() as tx:
        await tx.execute(
            "INSERT INTO inbox(update_id, payload, received_at) VALUES (7, '{}', '2026-01-01')"
        )
        await tx.execute(
            "INSERT INTO inbox(update_id, payload, received_at) VALUES (8, '{}', '2026-01-01')"
        )
    heard: list[object] = []
    db.on_handled = heard.append
    db.on_scheduled = heard.append

    async def work(tx: Tx) -> None:
        from datetime import UTC, datetime

        tx.scheduled(datetime(2026, 1, 2, tzinfo=UTC))
        await tx.execute("INSERT INTO t VALUES (1, 'y')")

    async def refused(tx: Tx) -> None:
        await tx.execute("INSERT INTO t VALUES (2, 'n')")
        raise LookupError

    await db.run(work, handles=7)
    with pytest.raises(LookupError):
        await db.run(refused, handles=8)
    assert len(heard) == 2 and 7 in heard
    async with db.read() as tx:
        marks = {r[0]: r[1] for r in await tx.fetchall("SELECT update_id, handled_at FROM inbox")}
    assert marks[7] is not None and marks[8] is None


async def test_a_unit_cancelled_before_its_group_runs_is_not_run(db):
    async def work(tx: Tx) -> None:
        await tx.execute("INSERT INTO t VALUES (9, 'never')")

    async def first(tx: Tx) -> None:
        await tx.execute("INSERT INTO t VALUES (1, 'first')")

    running = asyncio.ensure_future(db.run(first))
    await asyncio.sleep(0)
    waiting = asyncio.ensure_future(db.run(work))
    await asyncio.sleep(0)
    waiting.cancel()
    await running
    with pytest.raises(asyncio.CancelledError):
        await waiting
    assert await _rows(db) == [(1, "first")]


async def test_a_failed_commit_fails_every_unit_of_its_group_and_keeps_nothing(db):
    # A deferred foreign key is checked at COMMIT: an orphan makes the group's COMMIT fail.
    async with db.transaction() as tx:
        await tx.execute("CREATE TABLE parent(id INTEGER PRIMARY KEY)")
        await tx.execute(
            "CREATE TABLE child(parent INTEGER REFERENCES parent(id) DEFERRABLE INITIALLY DEFERRED)"
        )

    async def first(tx: Tx) -> None:
        await tx.execute("INSERT INTO t VALUES (0, 'alone')")

    async def fine(tx: Tx) -> None:
        await tx.execute("INSERT INTO t VALUES (1, 'fine')")

    async def orphan(tx: Tx) -> None:
        await tx.execute("INSERT INTO child VALUES (99)")

    await db.run(first)
    results = await asyncio.gather(db.run(fine), db.run(orphan), return_exceptions=True)
    assert all(isinstance(r, sqlite3.IntegrityError) for r in results)
    assert await _rows(db) == [(0, "alone")]
    # The connection is usable again afterwards.
    await db.run(fine)
    assert await _rows(db) == [(0, "alone"), (1, "fine")]


async def test_a_view_reads_while_another_process_holds_the_write_lock_and_cannot_write(
    db, tmp_path
):
    await db.run(lambda tx: tx.execute("INSERT INTO t VALUES (1, 'seen')"))
    other = sqlite3.connect(tmp_path / "u.db", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another process writing (an export, a restore check)
    try:
        assert await db.view(lambda tx: tx.scalar("SELECT x FROM t")) == "seen"
        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            await db.view(lambda tx: tx.execute("INSERT INTO t VALUES (2, 'sneaked')"))
    finally:
        other.execute("ROLLBACK")
        other.close()
    # The connection writes again afterwards.
    await db.run(lambda tx: tx.execute("INSERT INTO t VALUES (3, 'after')"))
    assert await _rows(db) == [(1, "seen"), (3, "after")]


async def test_a_view_beside_a_write_cannot_write_either(db):
    results = await asyncio.gather(
        db.run(lambda tx: tx.execute("INSERT INTO t VALUES (1, 'run')")),
        db.view(lambda tx: tx.execute("INSERT INTO t VALUES (2, 'sneaked')")),
        return_exceptions=True,
    )
    assert isinstance(results[1], sqlite3.OperationalError)
    assert await _rows(db) == [(1, "run")]


async def test_a_unit_raising_cancelled_error_fails_alone_and_strands_nobody(db):
    async def bad(tx: Tx) -> None:
        await tx.execute("INSERT INTO t VALUES (1, 'bad')")
        raise asyncio.CancelledError

    async def good(tx: Tx) -> int:
        await tx.execute("INSERT INTO t VALUES (2, 'good')")
        return 2

    first = asyncio.ensure_future(db.run(bad))
    neighbour = asyncio.ensure_future(db.run(good))
    await asyncio.sleep(0)
    behind = asyncio.ensure_future(db.run(good))
    done, _ = await asyncio.wait({first, neighbour, behind}, timeout=5)
    assert len(done) == 3
    assert first.cancelled()
    assert neighbour.result() == 2 and behind.result() == 2
    assert await _rows(db) == [(2, "good"), (2, "good")]


async def test_a_listener_that_raises_leaves_no_caller_waiting(db):
    from datetime import UTC, datetime

    def notify(_due: object) -> None:
        raise RuntimeError("scheduler hook failed")

    db.on_scheduled = notify

    async def schedules(tx: Tx) -> None:
        tx.scheduled(datetime(2030, 1, 1, tzinfo=UTC))
        await tx.execute("INSERT INTO t VALUES (1, 's')")

    async def plain(tx: Tx) -> int:
        await tx.execute("INSERT INTO t VALUES (2, 'p')")
        return 2

    a = asyncio.ensure_future(db.run(schedules))
    b = asyncio.ensure_future(db.run(plain))
    done, _ = await asyncio.wait({a, b}, timeout=5)
    db.on_scheduled = None
    assert done == {a, b} and b.result() == 2
    assert await _rows(db) == [(1, "s"), (2, "p")]


async def test_units_sent_while_closing_are_refused_not_stranded(db):
    closing = asyncio.ensure_future(db.close())
    await asyncio.sleep(0)
    late = [
        asyncio.ensure_future(db.run(lambda tx: tx.execute("INSERT INTO t VALUES (1, 'a')")))
        for _ in range(2)
    ]
    await closing
    done, _ = await asyncio.wait(set(late), timeout=5)
    assert done == set(late)
    assert all(isinstance(t.exception(), sqlite3.Error) for t in late)


async def test_a_group_committed_while_its_committer_is_cancelled_reports_the_truth(db):
    heard: list[str] = []

    async def work(tx: Tx) -> int:
        await tx.execute("INSERT INTO t VALUES (1, 'c')")
        tx.on_commit(lambda: heard.append("committed"))
        return 1

    caller = asyncio.ensure_future(db.run(work))
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    db._committer.cancel()
    await asyncio.wait({caller}, timeout=5)
    assert await _rows(db) == [(1, "c")]
    assert caller.result() == 1 and heard == ["committed"]
