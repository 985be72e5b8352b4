"""One aiosqlite connection owned by the application, and transactions that serialise on it."""

from __future__ import annotations

import asyncio
import os
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiosqlite

from storage.migrate import apply_migrations
from storage.timefmt import to_db


class Tx:
    """A transaction in progress. Repositories take one of these and never commit themselves."""

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn
        # The earliest due time of the schedule rows this transaction added: told to the
        # scheduler once the transaction has committed (see Database.on_scheduled).
        self.earliest_scheduled: datetime | None = None

    def scheduled(self, due_at: datetime) -> None:
        """Note that a schedule row due at `due_at` (UTC) was added in this transaction."""
        if self.earliest_scheduled is None or due_at < self.earliest_scheduled:
            self.earliest_scheduled = due_at

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
        now: Callable[[], datetime] | None = None,
    ) -> None:
        self.path = Path(path)
        # The application's clock (UTC), for the moments this layer records itself.
        self._now = now or (lambda: datetime.now(UTC))
        self._synchronous = synchronous
        self._busy_timeout_ms = busy_timeout_ms
        self._conn: aiosqlite.Connection | None = None
        self._lock = asyncio.Lock()
        # Called after a commit that added schedule rows, with the earliest due time (UTC):
        # the scheduler wakes earlier if needed. No caller of schedule.add has to remember.
        self.on_scheduled: Callable[[datetime], None] | None = None
        # Called after a commit that marked an update handled, with its id (the inbox then
        # needs no batched mark of its own for it).
        self.on_handled: Callable[[int], None] | None = None

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
    async def transaction(self, handles: int | None = None) -> AsyncIterator[Tx]:
        """BEGIN IMMEDIATE ... COMMIT, or ROLLBACK on any exception; one at a time.

        `handles` is the id of the update this transaction is the effect of: its inbox row is
        marked handled in the same transaction, so that a crash can never leave
        an effect whose update is replayed, nor a handled mark without its effect.
        Raises sqlite3.Error as SQLite does (e.g. "database is locked" past the busy timeout).
        """
        conn = self._require()
        async with self._lock:
            tx = Tx(conn)
            try:
                await _finish(conn.execute("BEGIN IMMEDIATE"))
                yield tx
                if handles is not None:
                    await conn.execute(
                        "UPDATE inbox SET handled_at = ? WHERE update_id = ? AND handled_at IS NULL",
                        (to_db(self._now()), handles),
                    )
                await _finish(conn.execute("COMMIT"))
            except BaseException:
                # Also a failed COMMIT (a full disk): never leave the connection mid-transaction.
                if conn.in_transaction:
                    await _finish(conn.execute("ROLLBACK"))
                raise
        if tx.earliest_scheduled is not None and self.on_scheduled is not None:
            self.on_scheduled(tx.earliest_scheduled)
        if handles is not None and self.on_handled is not None:
            self.on_handled(handles)

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
