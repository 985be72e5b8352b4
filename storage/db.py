"""One aiosqlite connection owned by the application, and transactions that serialise on it."""

from __future__ import annotations

import asyncio
import logging
import os
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

import aiosqlite

from storage.migrate import apply_migrations
from storage.thread import in_db_thread
from storage.timefmt import to_db

log = logging.getLogger(__name__)

MARK_HANDLED = "UPDATE inbox SET handled_at = ? WHERE update_id = ? AND handled_at IS NULL"


T = TypeVar("T")

# A unit of work: the statements of one use case, given a Tx, run in the database thread.
Work = Callable[["Tx"], Awaitable[T]]

# Units gathered into one group commit at most (a backlog is worked off in several).
GROUP_MAX = 256


class Stats:
    """Group COMMITs issued by this process in the database thread, where no statement passes
    through aiosqlite (the benchmark counts them per update; `transaction()`'s are counted
    where they pass aiosqlite's hand-off)."""

    commits = 0


class Tx:
    """A transaction in progress. Repositories take one of these and never commit themselves.

    Its methods are coroutines so that one repository serves both ways of running: inside a
    unit of work (`Database.run`) they run at once in the database thread and never suspend;
    in a `Database.transaction()` block (tools, tests) each is one hop to that thread.
    """

    def __init__(self, run: Callable[[Callable[[sqlite3.Connection], Any]], Awaitable[Any]]):
        self._run = run
        # The earliest due time of the schedule rows this transaction added: told to the
        # scheduler once the transaction has committed (see Database.on_scheduled).
        self.earliest_scheduled: datetime | None = None
        # Called in the event loop's thread once this transaction has committed (never if it
        # rolls back): how domain events reach their subscribers (bot/events.py).
        self.after_commit: list[Callable[[], None]] = []

    def on_commit(self, callback: Callable[[], None]) -> None:
        """Call `callback()` after the commit, in the event loop's thread; not on rollback."""
        self.after_commit.append(callback)

    def scheduled(self, due_at: datetime) -> None:
        """Note that a schedule row due at `due_at` (UTC) was added in this transaction."""
        if self.earliest_scheduled is None or due_at < self.earliest_scheduled:
            self.earliest_scheduled = due_at

    async def execute(self, sql: str, params: Iterable[Any] = ()) -> int:
        """Run one statement; returns how many rows it changed (0 for an ignored INSERT)."""
        args = tuple(params)
        return await self._run(lambda raw: raw.execute(sql, args).rowcount)

    async def insert(self, sql: str, params: Iterable[Any] = ()) -> int:
        """Run one INSERT; returns the new row's id."""
        args = tuple(params)
        return await self._run(lambda raw: raw.execute(sql, args).lastrowid)

    async def executemany(self, sql: str, rows: Iterable[Iterable[Any]]) -> None:
        args = [tuple(r) for r in rows]
        await self._run(lambda raw: raw.executemany(sql, args))

    async def fetchone(self, sql: str, params: Iterable[Any] = ()) -> sqlite3.Row | None:
        args = tuple(params)
        return await self._run(lambda raw: raw.execute(sql, args).fetchone())

    async def fetchall(self, sql: str, params: Iterable[Any] = ()) -> list[sqlite3.Row]:
        args = tuple(params)
        return await self._run(lambda raw: raw.execute(sql, args).fetchall())

    async def scalar(self, sql: str, params: Iterable[Any] = ()) -> Any:
        row = await self.fetchone(sql, params)
        return None if row is None else row[0]


@dataclass
class _Unit:
    work: Work[Any]
    handles: int | None
    future: asyncio.Future[Any]
    writes: bool = True


@dataclass
class _Done:
    ok: bool
    value: Any
    tx: Tx | None = None


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
        # Units of work waiting for the next group commit, and the task committing them.
        self._waiting: list[_Unit] = []
        self._committer: asyncio.Task[None] | None = None
        self._closing = False
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
        # No new units from now on (they are refused, not lost); those queued are committed.
        self._closing = True
        while self._committer is not None and not self._committer.done():
            await asyncio.wait({self._committer})
        async with self._lock:
            try:
                if optimize:
                    await self._conn.execute("PRAGMA optimize")
            finally:
                await self._conn.close()
                self._conn = None
                self._closing = False

    @property
    def is_open(self) -> bool:
        return self._conn is not None

    async def run(self, work: Work[T], *, handles: int | None = None) -> T:
        """Run one unit of work: `work(tx)` in the database thread, in one hop, inside a
        transaction that commits together with the units other chats sent meanwhile (a group
        commit: one fsync for all). Each unit has its own savepoint, so a unit that raises
        rolls back only itself; the caller gets its result once its work is durable.

        `handles` is the id of the update this unit is the effect of: its inbox row is marked
        handled in the same savepoint, so that a crash can never leave an effect whose update
        is replayed, nor a handled mark without its effect.

        `work` may await only the Tx it is given (it must not suspend: a RuntimeError says so
        if it does). Raises what `work` raises, and sqlite3.Error as SQLite does (e.g.
        "database is locked" past the busy timeout, for every unit of that group).
        """
        return await self._enqueue(_Unit(work, handles, self._future()))

    async def view(self, work: Work[T]) -> T:
        """Run a unit of work that only reads, in one hop: with the next group (after the
        writes before it), or on its own with no transaction and no lock on the file when no
        write waits, so that a reader is never refused because another process writes. A write
        in it fails (SQLite's query_only). Raises what `work` raises, and sqlite3.Error."""
        return await self._enqueue(_Unit(work, None, self._future(), writes=False))

    def _future(self) -> asyncio.Future[Any]:
        self._require()
        if self._closing:
            # A sqlite3.Error, which every caller of a unit already expects from the database.
            raise sqlite3.OperationalError("the database is closing")
        return asyncio.get_running_loop().create_future()

    async def _enqueue(self, unit: _Unit) -> Any:
        self._waiting.append(unit)
        if self._committer is None or self._committer.done():
            self._committer = asyncio.create_task(self._commit_waiting(), name="group-commit")
        return await unit.future

    async def _commit_waiting(self) -> None:
        """Commit what waits, group by group; units that arrive meanwhile form the next group.
        Whatever ends this task, no caller is left waiting for ever: units still queued then
        fail with the reason."""
        try:
            while self._waiting:
                group = [u for u in self._waiting[:GROUP_MAX] if not u.future.cancelled()]
                del self._waiting[:GROUP_MAX]
                if group:
                    await self._commit_one_group(group)
        except BaseException as exc:
            waiting, self._waiting = self._waiting, []
            for unit in waiting:
                if not unit.future.done():
                    unit.future.set_exception(exc)
            raise

    async def _commit_one_group(self, group: list[_Unit]) -> None:
        try:
            conn = self._require()
            handled_at = to_db(self._now())
            async with self._lock:
                hop = asyncio.ensure_future(
                    in_db_thread(conn, partial(_commit_group, group=group, handled_at=handled_at))
                )
                try:
                    outcomes = await asyncio.shield(hop)
                except asyncio.CancelledError:
                    # Cancelled while the group ran in the database thread: it finishes there
                    # regardless; its callers hear what really happened, then we stop.
                    outcomes = await hop
                    self._deliver(group, outcomes)
                    raise
        except BaseException as exc:
            for unit in group:
                if not unit.future.done():
                    unit.future.set_exception(exc)
            if not isinstance(exc, Exception):
                raise
            return
        self._deliver(group, outcomes)

    def _deliver(self, group: list[_Unit], outcomes: list[_Done]) -> None:
        for unit, done in zip(group, outcomes, strict=True):
            if done.ok and done.tx is not None:
                self._committed(done.tx, unit.handles)
            if unit.future.done():
                continue
            if done.ok:
                unit.future.set_result(done.value)
            else:
                unit.future.set_exception(done.value)

    def _committed(self, tx: Tx, handles: int | None) -> None:
        """Tell who wants to know that a unit committed. A listener's fault must not undo what
        is committed, keep its caller waiting, nor silence the others: logged, and on."""
        hooks: list[Callable[[], Any]] = []
        if tx.earliest_scheduled is not None and self.on_scheduled is not None:
            hooks.append(partial(self.on_scheduled, tx.earliest_scheduled))
        if handles is not None and self.on_handled is not None:
            hooks.append(partial(self.on_handled, handles))
        for hook in (*hooks, *tx.after_commit):
            try:
                hook()
            except Exception:
                log.exception("a callback after commit failed")

    @asynccontextmanager
    async def transaction(self, handles: int | None = None) -> AsyncIterator[Tx]:
        """BEGIN IMMEDIATE ... COMMIT, or ROLLBACK on any exception; one at a time, one hop
        per statement. For tools and tests; use cases run as units of work (`run`).

        `handles`: as for `run`. Raises sqlite3.Error as SQLite does.
        """
        conn = self._require()
        async with self._lock:
            tx = Tx(_hopping(conn))
            try:
                await _finish(conn.execute("BEGIN IMMEDIATE"))
                yield tx
                if handles is not None:
                    await conn.execute(MARK_HANDLED, (to_db(self._now()), handles))
                await _finish(conn.execute("COMMIT"))
            except BaseException:
                # Also a failed COMMIT (a full disk): never leave the connection mid-transaction.
                if conn.in_transaction:
                    await _finish(conn.execute("ROLLBACK"))
                raise
        self._committed(tx, handles)

    @asynccontextmanager
    async def read(self, snapshot: bool = False) -> AsyncIterator[Tx]:
        """Reads that see one state of the database.

        One hop per statement: for tools and tests (use cases read in a unit of work, `run`).
        Within the bot, the lock already keeps every writer out (there is one connection), so
        no transaction is needed. A reader in another process beside the running bot (export,
        backup checks) asks for `snapshot=True`: a deferred transaction.
        """
        conn = self._require()
        async with self._lock:
            if not snapshot:
                yield Tx(_hopping(conn))
                return
            await conn.execute("BEGIN")
            try:
                yield Tx(_hopping(conn))
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


def _hopping(conn: aiosqlite.Connection) -> Callable[[Callable[[sqlite3.Connection], Any]], Any]:
    """A Tx runner that hands each statement to the database thread (one hop each)."""

    async def run(statement: Callable[[sqlite3.Connection], Any]) -> Any:
        return await in_db_thread(conn, statement)

    return run


def _inline(raw: sqlite3.Connection) -> Callable[[Callable[[sqlite3.Connection], Any]], Any]:
    """A Tx runner for code already in the database thread: each statement runs at once."""

    async def run(statement: Callable[[sqlite3.Connection], Any]) -> Any:
        return statement(raw)

    return run


def _drive(work: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine that never suspends to its end, here and now (in the database thread).

    Its awaits reach only an inline Tx, whose coroutines return without suspending; a unit of
    work that awaits anything else (the network, a lock, a sleep) is a programming error.
    """
    try:
        work.send(None)
    except StopIteration as finished:
        return finished.value
    work.close()
    raise RuntimeError("a unit of work awaited something other than its transaction")


def _commit_group(raw: sqlite3.Connection, group: list[_Unit], handled_at: str) -> list[_Done]:
    """In the database thread: BEGIN IMMEDIATE, each unit in its own savepoint, one COMMIT.

    A unit that raises is rolled back to its savepoint and its exception returned as its
    outcome; a failure of the transaction itself (BEGIN, COMMIT, a rollback SQLite forced)
    rolls everything back and raises.
    """
    _end_stray_transaction(raw)
    if not any(unit.writes for unit in group):
        return _read_group(raw, group)
    outcomes: list[_Done] = []
    raw.execute("BEGIN IMMEDIATE")
    try:
        for unit in group:
            tx = Tx(_inline(raw))
            raw.execute("SAVEPOINT unit")
            try:
                if unit.writes:
                    value = _drive(unit.work(tx))
                else:
                    value = _read_only(raw, unit, tx)
                if unit.handles is not None:
                    raw.execute(MARK_HANDLED, (handled_at, unit.handles))
            except (Exception, asyncio.CancelledError) as exc:
                # CancelledError too: one unit's, never its neighbours' (other chats) business.
                if not raw.in_transaction:
                    raise  # SQLite rolled the whole transaction back (a full disk, I/O)
                raw.execute("ROLLBACK TO unit")
                raw.execute("RELEASE unit")
                outcomes.append(_Done(False, exc))
                continue
            raw.execute("RELEASE unit")
            outcomes.append(_Done(True, value, tx))
        raw.execute("COMMIT")
        Stats.commits += 1
    except BaseException:
        if raw.in_transaction:
            raw.execute("ROLLBACK")
        raise
    return outcomes


def _end_stray_transaction(raw: sqlite3.Connection) -> None:
    """A transaction left open by a ROLLBACK that itself failed (an I/O error) would make
    every later BEGIN fail and every read see uncommitted rows: end it first."""
    if raw.in_transaction:
        log.warning("a transaction was left open; rolled back")
        raw.execute("ROLLBACK")


def _read_only(raw: sqlite3.Connection, unit: _Unit, tx: Tx) -> Any:
    """A view inside a write group: SQLite refuses any write it attempts (query_only)."""
    raw.execute("PRAGMA query_only = ON")
    try:
        return _drive(unit.work(tx))
    finally:
        raw.execute("PRAGMA query_only = OFF")


def _read_group(raw: sqlite3.Connection, group: list[_Unit]) -> list[_Done]:
    """In the database thread: units that only read, with no transaction (WAL readers take no
    lock), and SQLite refusing any write among them."""
    outcomes: list[_Done] = []
    raw.execute("PRAGMA query_only = ON")
    try:
        for unit in group:
            try:
                tx = Tx(_inline(raw))
                outcomes.append(_Done(True, _drive(unit.work(tx)), tx))
            except (Exception, asyncio.CancelledError) as exc:
                outcomes.append(_Done(False, exc))
    finally:
        raw.execute("PRAGMA query_only = OFF")
    return outcomes


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
