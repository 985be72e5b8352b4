"""Counting what an update costs in the database: hand-offs to aiosqlite's thread ("hops") and
COMMITs. The bench's one reach below aiosqlite's documented API (its private
`Connection._execute`, through which every statement, fetch and unit of work is queued to the
thread; the program's own is storage/thread.py); tests/test_bench_counting.py fails if
aiosqlite changes underneath it. Group commits, issued inside the thread, are counted by
storage.db.Stats."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import aiosqlite.core

from storage.db import Stats


@dataclass
class Counts:
    hops: int = 0
    commits: int = 0


@contextmanager
def counting() -> Iterator[Counts]:
    """Count hops and COMMIT statements of every aiosqlite connection while inside."""
    counts = Counts()
    original = aiosqlite.core.Connection._execute

    async def counted(self: Any, fn: Any, *args: Any, **kwargs: Any) -> Any:
        counts.hops += 1
        if args and isinstance(args[0], str) and args[0].strip().upper() == "COMMIT":
            counts.commits += 1
        return await original(self, fn, *args, **kwargs)

    aiosqlite.core.Connection._execute = counted  # type: ignore[method-assign]
    group_commits = Stats.commits
    try:
        yield counts
    finally:
        aiosqlite.core.Connection._execute = original  # type: ignore[method-assign]
        counts.commits += Stats.commits - group_commits
