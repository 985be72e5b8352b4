"""One way from a database row to a dataclass: times parsed, flags as booleans, by field type."""

from __future__ import annotations

from dataclasses import fields
from datetime import date
from functools import cache
from typing import Any, TypeVar

from storage.timefmt import from_db

T = TypeVar("T")


def _convert(kind: str, value: Any) -> Any:
    if value is None:
        return None
    base = kind.replace(" | None", "").strip()
    if base == "datetime":
        return from_db(value)
    if base == "date":
        return date.fromisoformat(value)
    if base == "bool":
        return bool(value)
    return value


@cache
def _plan(cls: type) -> tuple[tuple[str, str], ...]:
    return tuple((field.name, str(field.type)) for field in fields(cls))


def from_row(cls: type[T], row: Any, **given: Any) -> T:
    """Build `cls` from the row's columns of the same names; `given` supplies the rest."""
    values = {
        name: given[name] if name in given else _convert(kind, row[name])
        for name, kind in _plan(cls)
    }
    return cls(**values)


def by_topic(rows: Any, build: Any, key: str = "topic_id") -> dict[int, list[Any]]:
    """Rows of many topics -> {topic row id: [build(row), ...]}, in the rows' order."""
    found: dict[int, list[Any]] = {}
    for row in rows:
        found.setdefault(row[key], []).append(build(row))
    return found
