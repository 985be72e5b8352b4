"""One aiosqlite connection owned by the application, and transactions that serialise on it."""

from __future__ import annotations

import asyncio
import contextvars
import os
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Iterable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiosqlite

from storage.migrate import apply_migrations

# The update being handled, so that its id is recorded in the same transaction as its effect:
# a redelivered update is then recognised and skipped (see processed_updates).
current_update_id: contextvars.ContextVar[int | None] = contextvars.ContextVar(
    "current_update_id", default=None
)


class Tx:
    """A transaction in progress. Repositories take one of these and never commit themselves."""

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    # Each call is one hop to aiosqlite's thread (a hop costs far more than the statement);
    # cursors are left to the garbage collector, as aiosqlite's own execute_fetchall does.
    async def execute(self, sql: str, params: Iterable[Any] = ()) -> int:
        """Run one statement; returns how many rows it changed (0 for an ignored INSERT)."""
        return (await self._conn.execute(sql, tuple(params))).rowcount

    async def insert(self, sql: str, params: Iterable[Any] = ()) -> int:
        """Run one INSERT; returns the new row's id."""
        return (await self._conn.execute(sql, tuple(params))).lastrowid

    async def executemany(self, sql: str, rows: Iterable[Iterable[Any]]) -> None:
        await self._conn.executemany(sql, [tuple(r) for r in rows])

    async def fetchone(self, sql: str, params: Iterable[Any] = ()) -> sqlite3.Row | None:
        rows = await self._conn.execute_fetchall(sql, tuple(params))
        return rows[0] if rows else None

    async def fetchall(self, sql: str, params: Iterable[Any] = ()) -> list[sqlite3.Row]:
        return list(await self._conn.execute_fetchall(sql, tuple(params)))

    async def scalar(self, sql: str, params: Iterable[Any] = ()) -> Any:
        row = await self.fetchone(sql, params)
        return None if row is None else row[0]


class Database:
    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        synchronous: str = "FULL",
        busy_timeout_ms: int = 5000,
    ) -> None:
        self.path = Path(path)
        self._synchronous = synchronous
        self._busy_timeout_ms = busy_timeout_ms
        self._conn: aiosqlite.Connection | None = None
        self._lock = asyncio.Lock()

    async def open(self) -> None:
        if self._conn is not None:
            return
        if str(self.path) != ":memory:":
            self.path.parent.mkdir(parents=True, exist_ok=True)
            _create_private(self.path)
        conn = await aiosqlite.connect(self.path, isolation_level=None)
        conn.row_factory = sqlite3.Row
        await conn.execute("PRAGMA journal_mode=WAL")
        await conn.execute(f"PRAGMA synchronous={self._synchronous}")
        await conn.execute("PRAGMA foreign_keys=ON")
        await conn.execute(f"PRAGMA busy_timeout={int(self._busy_timeout_ms)}")
        try:
            await apply_migrations(conn)
        except BaseException:
            await conn.close()
            raise
        self._conn = conn

    async def close(self, optimize: bool = True) -> None:
        """`optimize=False` for a reader (export, backup) beside a running bot: PRAGMA optimize
        may want a write lock the bot holds."""
        if self._conn is None:
            return
        async with self._lock:
            try:
                if optimize:
                    await self._conn.execute("PRAGMA optimize")
            finally:
                await self._conn.close()
                self._conn = None

    @property
    def is_open(self) -> bool:
        return self._conn is not None

    @asynccontextmanager
    async def transaction(self, record_update: bool = True) -> AsyncIterator[Tx]:
        """BEGIN IMMEDIATE ... COMMIT, or ROLLBACK on any exception; one at a time.

        `record_update=False` is for bookkeeping (first sight of a chat, a name change) that
        must not mark the update as handled before its use case has committed.
        """
        conn = self._require()
        async with self._lock:
            try:
                await _finish(conn.execute("BEGIN IMMEDIATE"))
                yield Tx(conn)
                update_id = current_update_id.get() if record_update else None
                if update_id is not None:
                    await conn.execute(
                        "INSERT OR IGNORE INTO processed_updates(update_id) VALUES (?)",
                        (update_id,),
                    )
            except BaseException:
                if conn.in_transaction:
                    await _finish(conn.execute("ROLLBACK"))
                raise
            await _finish(conn.execute("COMMIT"))

    @asynccontextmanager
    async def read(self, snapshot: bool = False) -> AsyncIterator[Tx]:
        """Reads that see one state of the database.

        Within the bot, the lock already keeps every writer out (there is one connection), so
        no transaction is needed. A reader in another process beside the running bot (export,
        backup checks) asks for `snapshot=True`: a deferred transaction.
        """
        conn = self._require()
        async with self._lock:
            if not snapshot:
                yield Tx(conn)
                return
            await conn.execute("BEGIN")
            try:
                yield Tx(conn)
            finally:
                await conn.execute("COMMIT")

    async def backup_to(self, target: str | os.PathLike[str]) -> None:
        """A consistent copy with SQLite's online backup API, safe while the bot writes."""
        conn = self._require()
        target_path = Path(target)
        _create_private(target_path)
        async with self._lock:
            dest = await aiosqlite.connect(target_path)
            try:
                await conn.backup(dest)
            finally:
                await dest.close()

    def _require(self) -> aiosqlite.Connection:
        if self._conn is None:
            raise RuntimeError("database is not open")
        return self._conn


async def _finish(operation: Awaitable[Any]) -> Any:
    """Await a statement to its end even if our task is cancelled meanwhile (a stop): it runs
    in aiosqlite's thread regardless, and a transaction must never be left half-known."""
    task = asyncio.ensure_future(operation)
    try:
        return await asyncio.shield(task)
    except asyncio.CancelledError:
        await task
        raise


def _create_private(path: Path) -> None:
    """Records of a village are nobody else's business: the file is readable by its owner only."""
    if path.exists():
        # A file restored with cp keeps its old mode: tighten it.
        if path.stat().st_mode & 0o077:
            os.chmod(path, 0o600)
        return
    fd = os.open(path, os.O_CREAT | os.O_WRONLY, 0o600)
    os.close(fd)
