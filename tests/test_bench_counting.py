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


def test_the_bench_api_takes_every_argument_the_fake_api_takes():
    """bench/world.py's BenchAPI overrides FakeBotAPI.handle: a new argument of the fake (an
    upload's bytes) must reach it, or the bench (run only by CI's .ci/run) breaks unseen."""
    import inspect

    from bench.world import BenchAPI
    from tests.kit.fake_api import FakeBotAPI

    api = BenchAPI()
    api.add_chat(-1, "supergroup", "村")
    code, _body = api.handle(
        "sendDocument",
        {"chat_id": -1, "document": "attach://f"},
        files={"document": b"x"},
    )
    assert code == 200
    fake = set(inspect.signature(FakeBotAPI.handle).parameters) - {"self"}
    assert fake <= {"method", "params", "pause", "files", "file_names"}, (
        "a new argument: pass it on"
    )
