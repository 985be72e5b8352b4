"""A migration that has landed is never edited again (issue 13 review: consultation tables were
once added to 0010 after it had landed, so databases built from the first 0010 reached the
latest version without them). Each file's statements (comments and spacing aside) are pinned
here; a change to the schema is a new numbered file. A new file is added to FROZEN when it lands.
"""

from __future__ import annotations

import hashlib
import re
import sqlite3
from pathlib import Path

import aiosqlite

from storage.migrate import apply_migrations, schema_version

MIGRATIONS = Path(__file__).resolve().parent.parent / "storage" / "migrations"

FROZEN = {
    "0001_foundation.sql": "6695b4927418afc1",
    "0002_deliberation.sql": "4a88f5b882390568",
    "0003_followup.sql": "ced462efec8abb6e",
    "0004_inbox.sql": "a4db3b4ddb499a05",
    "0005_delivery.sql": "d23edc05efd94807",
    "0006_threads.sql": "144915650c8ff0f8",
    "0007_edits_voice.sql": "398990b3e0b34787",
    "0008_reserved.sql": "17db4fd369edb924",
    "0009_reserved.sql": "17db4fd369edb924",
    "0010_links.sql": "2a4da74f73c4f404",
    "0011_meetings.sql": "ddf3a0af54233262",
    "0013_names_shared.sql": "6731875181984e7b",
    "0012_consultations.sql": "d12774016863f26f",
}


def statements_digest(text: str) -> str:
    """The file's SQL without comments, whitespace collapsed: sha256, first 16 hex digits."""
    code = re.sub(r"--[^\n]*", "", text)
    return hashlib.sha256(" ".join(code.split()).encode()).hexdigest()[:16]


def test_no_landed_migration_was_edited():
    found = {
        p.name: statements_digest(p.read_text(encoding="utf-8")) for p in MIGRATIONS.glob("*.sql")
    }
    edited = {name for name, digest in FROZEN.items() if found.get(name) != digest}
    assert not edited, f"landed migrations changed (add a new numbered file instead): {edited}"
    new = set(found) - set(FROZEN)
    assert not new, f"pin the new migration's digest in FROZEN when it lands: {new}"


async def test_a_database_built_before_the_consultation_tables_gets_them(tmp_path):
    """Built up to 0011 without consultations (the first 0010), then opened by this program."""
    path = tmp_path / "old.db"
    conn = await aiosqlite.connect(path, isolation_level=None)
    try:
        await apply_migrations(conn, target=11)  # the first 0010 had no consultations
        assert await schema_version(conn) == 11
        await apply_migrations(conn)
        assert await schema_version(conn) >= 12
    finally:
        await conn.close()
    with sqlite3.connect(path) as raw:
        names = {r[0] for r in raw.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"consultations", "consultation_views"} <= names
