"""The one place that reaches below aiosqlite's documented API.

A unit of work runs many statements in aiosqlite's own thread in one hand-off, so that a use
case costs one hop, not one per statement. aiosqlite documents no way to run a function of
ours there; its private `Connection._execute(fn)` (through which every statement it offers is
queued) and `Connection._conn` (the sqlite3 connection) do it. tests/test_units_of_work.py fails if
aiosqlite changes underneath this.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import TypeVar

import aiosqlite

T = TypeVar("T")


async def in_db_thread(conn: aiosqlite.Connection, fn: Callable[[sqlite3.Connection], T]) -> T:
    """Call `fn(sqlite3_connection)` in the connection's thread (one hop); returns its result.

    Raises what `fn` raises; ValueError (aiosqlite's) when the connection is closed.
    """
    return await conn._execute(lambda: fn(conn._conn))
