"""The bench counts database hops and commits by wrapping aiosqlite's private hand-off
(bench/counting.py): this fails if aiosqlite changes so that the counts would be wrong."""

from __future__ import annotations

import aiosqlite

from bench.counting import counting


async def test_hops_and_commits_are_counted(tmp_path):
    conn = await aiosqlite.connect(tmp_path / "c.db", isolation_level=None)
    try:
        with counting() as counts:
            await conn.execute("BEGIN IMMEDIATE")
            await conn.execute("CREATE TABLE t(x)")
            await conn.execute("INSERT INTO t VALUES (1)")
            await conn.execute("COMMIT")
            rows = await conn.execute_fetchall("SELECT x FROM t")
        assert rows == [(1,)]
        assert (counts.hops, counts.commits) == (5, 1)
        # Outside the block nothing is counted any more.
        await conn.execute("SELECT 1")
        assert counts.hops == 5
    finally:
        await conn.close()
