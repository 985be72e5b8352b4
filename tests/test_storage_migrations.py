"""The schema: from an empty file and from every older version to the latest, nothing lost.

The rows written at an older version are built from the schema itself (PRAGMA table_info and
foreign_key_list), so a new migration is covered without touching this file. If a new table
has a CHECK constraint the generic values do not meet, add a value to SAMPLE_VALUES.
"""

from __future__ import annotations

import json
import os
import sqlite3
import stat
from pathlib import Path
from typing import Any

import aiosqlite
import pytest

from storage import Database
from storage import migrate as migrations
from storage.migrate import LATEST_VERSION, apply_migrations, migration_scripts, schema_version

# Values that read like the real thing, for columns whose meaning the generic rule would miss.
SAMPLE_VALUES: dict[str, Any] = {
    "type": "supergroup",
    "status": "deliberating",
    "stance": "support",
    "choice": "agree",
    "kind": "phase_deadline",
    "event": "accepted",
    "result": "adopted",
    "threshold": "2/3",
    "language_code": "zh-hans",
}
AT = "2026-03-02T02:00:00+00:00"


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


async def _rows(conn: aiosqlite.Connection, sql: str) -> list[sqlite3.Row]:
    async with conn.execute(sql) as cursor:
        return list(await cursor.fetchall())


async def _tables(conn: aiosqlite.Connection) -> list[str]:
    rows = await _rows(
        conn,
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
        "ORDER BY name",
    )
    return [r[0] for r in rows]


async def _foreign_keys(conn: aiosqlite.Connection, table: str) -> dict[str, tuple[str, str]]:
    """column -> (parent table, parent column)."""
    rows = await _rows(conn, f"PRAGMA foreign_key_list({_quote(table)})")
    return {r[3]: (r[2], r[4]) for r in rows}


async def _parents_first(conn: aiosqlite.Connection, tables: list[str]) -> list[str]:
    ordered: list[str] = []
    pending = list(tables)
    while pending:
        for table in pending:
            parents = {p for p, _ in (await _foreign_keys(conn, table)).values()}
            if parents <= set(ordered) | {table} or not parents & set(pending):
                ordered.append(table)
                pending.remove(table)
                break
        else:  # a cycle: insert in name order and let the foreign keys complain
            ordered.extend(pending)
            break
    return ordered


def _sample(table: str, column: str, declared: str, is_pk: bool, serial: int) -> Any:
    declared = declared.upper()
    if column in SAMPLE_VALUES:
        return SAMPLE_VALUES[column]
    if column.endswith("_json"):
        return json.dumps({"sample": table})
    if (
        column.endswith("_at")
        or column in ("at", "due", "deadline")
        or column.endswith("_deadline")
    ):
        return AT
    if "INT" in declared:
        return 4200 + serial if is_pk else serial
    if "REAL" in declared or "FLOA" in declared or "DOUB" in declared:
        return 1.5
    if "BLOB" in declared:
        return b"\x00sample"
    return f"{table}.{column} 样例"


# Tables a later migration folds into another (table -> (the other table, the shared key)).
FOLDED = {"processed_updates": ("inbox", "update_id")}


async def write_representative_rows(conn: aiosqlite.Connection) -> dict[str, dict[str, Any]]:
    """One row in every table that exists now; the values written, by table."""
    written: dict[str, dict[str, Any]] = {}
    for serial, table in enumerate(await _parents_first(conn, await _tables(conn)), start=1):
        columns = await _rows(conn, f"PRAGMA table_info({_quote(table)})")
        fks = await _foreign_keys(conn, table)
        row: dict[str, Any] = {}
        for column in columns:
            name, declared, is_pk = column[1], column[2] or "", column[5] > 0
            if name in fks and fks[name][0] in written:
                parent, parent_column = fks[name]
                row[name] = written[parent][parent_column]
            else:
                row[name] = _sample(table, name, declared, is_pk, serial)
        names = ", ".join(_quote(n) for n in row)
        marks = ", ".join("?" for _ in row)
        try:
            await conn.execute(
                f"INSERT INTO {_quote(table)} ({names}) VALUES ({marks})", tuple(row.values())
            )
        except sqlite3.IntegrityError as exc:
            pytest.fail(f"cannot write a sample row into {table} ({exc}): extend SAMPLE_VALUES")
        written[table] = row
    await conn.commit()
    return written


async def _key_columns(conn: aiosqlite.Connection, table: str) -> list[str]:
    columns = await _rows(conn, f"PRAGMA table_info({_quote(table)})")
    keys = sorted((c[5], c[1]) for c in columns if c[5] > 0)
    return [name for _, name in keys]


async def _at_version(path: Path, version: int) -> dict[str, dict[str, Any]]:
    conn = await aiosqlite.connect(path, isolation_level=None)
    try:
        await conn.execute("PRAGMA foreign_keys=ON")
        assert await apply_migrations(conn, target=version) == version
        assert await schema_version(conn) == version
        await conn.execute("BEGIN")
        return await write_representative_rows(conn)
    finally:
        await conn.close()


# ----- the migrations themselves -----------------------------------------------------------
def test_migrations_are_numbered_from_one_without_gaps():
    numbers = [n for n, _ in migration_scripts()]
    assert numbers == list(range(1, LATEST_VERSION + 1))
    assert LATEST_VERSION >= 2
    for _, script in migration_scripts():
        assert "user_version" not in script.lower(), "the runner sets the version, not a script"
        assert not any(
            line.strip().upper() in ("BEGIN;", "COMMIT;", "BEGIN TRANSACTION;")
            for line in script.splitlines()
        ), "the runner wraps each script in its own transaction"


@pytest.mark.parametrize("existing", [False, True], ids=["no file", "empty file"])
async def test_an_empty_file_is_migrated_to_the_latest_version(tmp_path, existing):
    path = tmp_path / "new" / "shangliang.db"
    if existing:
        path.parent.mkdir()
        path.touch(mode=0o600)
    db = Database(path)
    await db.open()
    try:
        async with db.read() as tx:
            assert await tx.scalar("PRAGMA user_version") == LATEST_VERSION
            tables = {r[0] for r in await tx.fetchall("SELECT name FROM sqlite_master")}
            assert {"chats", "users", "convenors", "inbox", "scheduled"} <= tables
            assert {"topics", "views", "drafts", "votes", "ballots", "history"} <= tables
            assert await tx.scalar("PRAGMA integrity_check") == "ok"
    finally:
        await db.close()


async def test_step_by_step_and_all_at_once_give_the_same_schema(tmp_path):
    async def schema(path: Path, steps: list[int | None]) -> list[tuple]:
        conn = await aiosqlite.connect(path, isolation_level=None)
        try:
            for step in steps:
                await apply_migrations(conn, target=step)
            return [
                tuple(r)
                for r in await _rows(
                    conn, "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY name"
                )
            ]
        finally:
            await conn.close()

    at_once = await schema(tmp_path / "once.db", [None])
    by_steps = await schema(tmp_path / "steps.db", [*range(1, LATEST_VERSION), None])
    assert at_once == by_steps


@pytest.mark.parametrize("version", range(1, LATEST_VERSION))
async def test_every_older_version_is_upgraded_with_its_rows_kept(tmp_path, version):
    path = tmp_path / f"v{version}.db"
    written = await _at_version(path, version)
    assert written, f"no tables at version {version}"

    db = Database(path)
    await db.open()
    try:
        async with db.read() as tx:
            assert await tx.scalar("PRAGMA user_version") == LATEST_VERSION
            assert await tx.scalar("PRAGMA integrity_check") == "ok"
            assert await tx.fetchall("PRAGMA foreign_key_check") == []
    finally:
        await db.close()

    conn = await aiosqlite.connect(path)
    conn.row_factory = sqlite3.Row
    try:
        for table, row in written.items():
            if table in FOLDED:
                # A table whose record moved into another: its rows must be there.
                into, column = FOLDED[table]
                async with conn.execute(
                    f"SELECT COUNT(*) FROM {_quote(into)} WHERE {_quote(column)} = ?",
                    (row[column],),
                ) as cursor:
                    (count,) = await cursor.fetchone()
                assert count == 1, f"{table}'s row written at version {version} is not in {into}"
                continue
            keys = await _key_columns(conn, table) or list(row)
            where = " AND ".join(f"{_quote(k)} = ?" for k in keys)
            async with conn.execute(
                f"SELECT * FROM {_quote(table)} WHERE {where}", tuple(row[k] for k in keys)
            ) as cursor:
                found = await cursor.fetchall()
            assert len(found) == 1, f"the row written into {table} at version {version} is gone"
            kept = dict(found[0])
            for column, value in row.items():
                if column in kept:
                    assert kept[column] == value, f"{table}.{column} changed in the upgrade"
    finally:
        await conn.close()


# ----- a failing step ---------------------------------------------------------------------
BROKEN = """
CREATE TABLE half_done (id INTEGER PRIMARY KEY);
INSERT INTO half_done(id) VALUES (1);
ALTER TABLE chats ADD COLUMN half_column TEXT;
INSERT INTO no_such_table VALUES (1);
"""


async def test_a_failing_migration_leaves_the_previous_version_untouched(tmp_path, monkeypatch):
    path = tmp_path / "broken.db"
    written = await _at_version(path, LATEST_VERSION)
    real = migration_scripts()
    monkeypatch.setattr(migrations, "migration_scripts", lambda: [*real, (len(real) + 1, BROKEN)])

    conn = await aiosqlite.connect(path, isolation_level=None)
    try:
        with pytest.raises(sqlite3.OperationalError, match="no_such_table"):
            await apply_migrations(conn, target=LATEST_VERSION + 1)
        assert not conn.in_transaction
        assert await schema_version(conn) == LATEST_VERSION
        names = {r[0] for r in await _rows(conn, "SELECT name FROM sqlite_master")}
        assert "half_done" not in names
        columns = {r[1] for r in await _rows(conn, "PRAGMA table_info(chats)")}
        assert "half_column" not in columns
        chats = await _rows(conn, "SELECT chat_id FROM chats")
        assert [r[0] for r in chats] == [written["chats"]["chat_id"]]
    finally:
        await conn.close()


async def test_a_failing_step_keeps_the_steps_before_it(tmp_path, monkeypatch):
    real = migration_scripts()
    monkeypatch.setattr(migrations, "migration_scripts", lambda: [real[0], (2, BROKEN)])
    conn = await aiosqlite.connect(tmp_path / "partial.db", isolation_level=None)
    try:
        with pytest.raises(sqlite3.OperationalError):
            await apply_migrations(conn, target=2)
        assert await schema_version(conn) == 1
        names = {r[0] for r in await _rows(conn, "SELECT name FROM sqlite_master")}
        assert "chats" in names and "half_done" not in names
        # Once the script is fixed, the step applies on top of what is there.
        monkeypatch.setattr(
            migrations, "migration_scripts", lambda: [real[0], (2, "CREATE TABLE fixed (x);")]
        )
        assert await apply_migrations(conn, target=2) == 2
    finally:
        await conn.close()


async def test_a_database_from_a_newer_program_is_refused(tmp_path):
    path = tmp_path / "future.db"
    plain = sqlite3.connect(path)
    plain.execute(f"PRAGMA user_version={LATEST_VERSION + 1}")
    plain.close()
    db = Database(path)
    with pytest.raises(RuntimeError, match="newer than this program"):
        await db.open()
    await db.close()  # the half-opened connection can still be closed
    assert not db.is_open


# ----- the connection --------------------------------------------------------------------------
async def test_pragmas_of_the_application_connection(tmp_path):
    db = Database(tmp_path / "p.db", synchronous="FULL", busy_timeout_ms=1234)
    await db.open()
    try:
        async with db.read() as tx:
            assert await tx.scalar("PRAGMA journal_mode") == "wal"
            assert await tx.scalar("PRAGMA foreign_keys") == 1
            assert await tx.scalar("PRAGMA synchronous") == 2  # FULL
            assert await tx.scalar("PRAGMA busy_timeout") == 1234
    finally:
        await db.close()
    normal = Database(tmp_path / "p.db", synchronous="NORMAL")
    await normal.open()
    try:
        async with normal.read() as tx:
            assert await tx.scalar("PRAGMA synchronous") == 1
    finally:
        await normal.close()


async def test_foreign_keys_are_enforced(tmp_path):
    db = Database(tmp_path / "fk.db")
    await db.open()
    try:
        with pytest.raises(sqlite3.IntegrityError, match="FOREIGN KEY"):
            async with db.transaction() as tx:
                await tx.execute(
                    "INSERT INTO convenors(chat_id, user_id, added_at) VALUES (?, ?, ?)",
                    (-999, 1, AT),
                )
    finally:
        await db.close()


def _modes(paths: list[Path]) -> dict[str, int | None]:
    return {str(p): stat.S_IMODE(p.stat().st_mode) if p.exists() else None for p in paths}


async def test_the_database_file_and_its_journal_are_private(tmp_path):
    old_umask = os.umask(0o022)
    try:
        db = Database(tmp_path / "deep" / "er" / "private.db")
        await db.open()
        try:
            async with db.transaction() as tx:
                await tx.execute(
                    "INSERT INTO chats(chat_id, type, created_at) VALUES (?, ?, ?)",
                    (-1, "group", AT),
                )
            modes = _modes([Path(f"{db.path}{suffix}") for suffix in ("", "-wal", "-shm")])
            assert modes == {f"{db.path}{suffix}": 0o600 for suffix in ("", "-wal", "-shm")}
        finally:
            await db.close()
    finally:
        os.umask(old_umask)


async def test_a_transaction_commits_or_rolls_back_as_a_whole(tmp_path):
    db = Database(tmp_path / "tx.db")
    await db.open()
    try:
        async with db.transaction() as tx:
            await tx.execute(
                "INSERT INTO chats(chat_id, type, created_at) VALUES (?, ?, ?)", (-1, "group", AT)
            )

        class Boom(Exception):
            pass

        with pytest.raises(Boom):
            async with db.transaction() as tx:
                await tx.execute(
                    "INSERT INTO chats(chat_id, type, created_at) VALUES (?, ?, ?)",
                    (-2, "group", AT),
                )
                await tx.execute("UPDATE chats SET title = 'changed' WHERE chat_id = -1")
                raise Boom

        # The lock was released and nothing of the failed transaction remains.
        async with db.read() as tx:
            rows = await tx.fetchall("SELECT chat_id, title FROM chats ORDER BY chat_id")
        assert [tuple(r) for r in rows] == [(-1, "")]
    finally:
        await db.close()

    # And what was committed is on disk for the next process.
    plain = sqlite3.connect(tmp_path / "tx.db")
    try:
        assert plain.execute("SELECT chat_id FROM chats").fetchall() == [(-1,)]
    finally:
        plain.close()


async def test_a_transaction_marks_the_update_it_handled_and_a_failed_one_stays_waiting(
    tmp_path,
):
    db = Database(tmp_path / "upd.db")
    await db.open()
    try:
        async with db.transaction() as tx:
            for update_id in (77, 78):
                await tx.execute(
                    "INSERT INTO inbox(update_id, payload, received_at) VALUES (?, '{}', ?)",
                    (update_id, AT),
                )
        async with db.transaction(handles=77) as tx:
            await tx.execute(
                "INSERT INTO chats(chat_id, type, created_at) VALUES (?, ?, ?)", (-1, "group", AT)
            )
        with pytest.raises(ValueError):
            async with db.transaction(handles=78) as tx:
                await tx.execute(
                    "INSERT INTO chats(chat_id, type, created_at) VALUES (?, ?, ?)",
                    (-2, "group", AT),
                )
                raise ValueError("handler failed")
        async with db.read() as tx:
            rows = await tx.fetchall("SELECT update_id, handled_at IS NOT NULL FROM inbox")
            chats = [r[0] for r in await tx.fetchall("SELECT chat_id FROM chats")]
        # 78 failed: nothing of it is kept and it waits to be handled again.
        assert sorted(tuple(r) for r in rows) == [(77, 1), (78, 0)]
        assert chats == [-1]
    finally:
        await db.close()


async def test_backup_to_copies_a_consistent_private_file(tmp_path):
    db = Database(tmp_path / "live.db")
    await db.open()
    try:
        async with db.transaction() as tx:
            await tx.executemany(
                "INSERT INTO chats(chat_id, type, created_at) VALUES (?, 'group', ?)",
                [(-i, AT) for i in range(1, 101)],
            )
        await db.backup_to(tmp_path / "copy.db")
    finally:
        await db.close()
    assert stat.S_IMODE((tmp_path / "copy.db").stat().st_mode) == 0o600
    plain = sqlite3.connect(tmp_path / "copy.db")
    try:
        assert plain.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert plain.execute("PRAGMA user_version").fetchone()[0] == LATEST_VERSION
        assert plain.execute("SELECT count(*) FROM chats").fetchone()[0] == 100
    finally:
        plain.close()
