"""`shangliang export`: the record of every topic, as JSON (a public contract), CSV or minutes.

One read transaction gives a consistent snapshot while the bot keeps running; all SQL lives in
storage/export.py. The JSON document is built first and the CSV and Markdown are rendered from
it, so neither can show anything the JSON leaves out (anonymous authors, secret choices).

The parts: `record` builds the JSON document ("shangliang.export/1", a public contract: keys
may be added, never renamed or removed; core keys in `record._topic_record`), `sheet` the CSV,
`minutes` the Markdown minutes, `followup` the follow-up keys. A later feature adds a per-topic
key with a `TopicExtender` appended to `TOPIC_EXTENDERS` here, as `followup` does.
"""

from __future__ import annotations

import json
import os
import sqlite3
import stat
import sys
from datetime import UTC, datetime

from bot.export import followup, links, meetings
from bot.export.minutes import LABELS, Minutes, render_markdown
from bot.export.record import (
    FORMATS,
    SCHEMA,
    TOPIC_EXTENDERS,
    Export,
    TopicExtender,
    build_export,
)
from bot.export.sheet import render_csv
from bot.export.word import render_docx
from bot.settings import Settings
from storage import Database

__all__ = [
    "FORMATS",
    "LABELS",
    "SCHEMA",
    "TOPIC_EXTENDERS",
    "Export",
    "Minutes",
    "TopicExtender",
    "build_export",
    "export_command",
    "render",
    "render_csv",
    "render_docx",
    "render_markdown",
]

# The follow-up keys (actions, follow-ups, ratings, subscribers) join the record.
TOPIC_EXTENDERS.extend(followup.EXTENDERS)
# The form, meetings, proxy ballots and escalations (issue 13) too.
TOPIC_EXTENDERS.extend(meetings.EXTENDERS)
# 两商衔接: each topic's referrals, at either end, and the chain in the minutes.
TOPIC_EXTENDERS.extend(links.EXTENDERS)


# ----- the command -----------------------------------------------------------------------------
async def export_command(
    settings: Settings,
    chat_id: int | None,
    fmt: str,
    output: str | None,
    *,
    now: datetime | None = None,
) -> int:
    """Write the export; 0 on success, 1 (with one line on stderr) when it cannot be done."""
    if fmt not in FORMATS:
        return _fail(f"unknown export format {fmt!r} (use json, csv, md or docx)")
    path = settings.database.path
    if not path.is_file():
        # Database.open() would create an empty database: an export never does.
        return _fail(f"no database at {path}")
    db = Database(
        path,
        synchronous=settings.database.synchronous,
        busy_timeout_ms=settings.database.busy_timeout_ms,
    )
    defaults = settings.defaults.model_dump(mode="json")
    moment = now or datetime.now(UTC)
    try:
        await db.open()
        async with db.read(snapshot=True) as tx:
            export = await build_export(tx, defaults, chat_id, moment)
    except (sqlite3.Error, RuntimeError) as exc:
        return _fail(f"cannot read the database {path}: {exc}")
    finally:
        await _close(db)
    text = render_docx(export) if fmt == "docx" else render(export, fmt)
    try:
        _write(text, output)
    except OSError as exc:
        return _fail(f"cannot write {output}: {exc.strerror or exc}")
    return 0


def _fail(message: str) -> int:
    print(f"shangliang: {message}", file=sys.stderr)
    return 1


async def _close(db: Database) -> None:
    # A reader beside a running bot: no PRAGMA optimize, which could wait for its write lock.
    await db.close(optimize=False)


def _write(text: str | bytes, output: str | None) -> None:
    data = text.encode("utf-8") if isinstance(text, str) else text
    if output is None or output == "-":
        stream = getattr(sys.stdout, "buffer", None)
        if stream is not None:
            sys.stdout.flush()
            stream.write(data)
            stream.flush()
        else:
            sys.stdout.write(text if isinstance(text, str) else data.decode("latin-1"))
            sys.stdout.flush()
        return
    # The file holds a group's records: readable by its owner only, like the database.
    fd = os.open(output, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        if stat.S_ISREG(os.fstat(fd).st_mode):
            os.fchmod(fd, 0o600)
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
    finally:
        os.close(fd)


def render(export: Export, fmt: str) -> str:
    if fmt == "json":
        return json.dumps(export.document, ensure_ascii=False, indent=2) + "\n"
    if fmt == "csv":
        return render_csv(export.document)
    if fmt == "md":
        return render_markdown(export)
    raise ValueError(f"unknown export format {fmt!r}")
