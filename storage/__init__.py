"""All SQL lives here: aiosqlite, numbered migrations, repositories returning dataclasses."""

from storage.db import Database, Tx

__all__ = ["Database", "Tx"]
