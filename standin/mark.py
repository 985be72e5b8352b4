"""The demo's own database files carry a mark, so that `shangliang try` never replaces a file it
did not make (review of issue 14: `--db` pointed at a real database from another folder, or
under another configuration, was deleted and rebuilt as the demo's)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

# SQLite's header field for the application that owns the file (PRAGMA application_id): "SLTY".
DEMO_APPLICATION_ID = 0x534C5459


def may_replace(path: Path) -> bool:
    """May the demo start `path` afresh? Only when there is no file, it is empty, or it is a
    database the demo itself made (marked with DEMO_APPLICATION_ID)."""
    if not path.exists() or path.stat().st_size == 0:
        return True
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
            (owner,) = conn.execute("PRAGMA application_id").fetchone()
    except sqlite3.DatabaseError:
        return False
    return owner == DEMO_APPLICATION_ID


def make_demo_database(path: Path) -> None:
    """Create the empty database file at `path`, marked as the demo's."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(path) as conn:
        conn.execute(f"PRAGMA application_id = {DEMO_APPLICATION_ID}")
