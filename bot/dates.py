"""Dates as people type them: 2026-03-31, 2026年3月31日, 3月31日, 3月31号, 3/31, 今天, 明天, 后天.

A date without a year is the next such date from today (today counts); "today" is the group's,
in its time zone (the caller passes it). Full-width digits and marks count, and so do Chinese numerals (三月三十一日;
bot.numbers.everyday).

:func:`read_date` returns the date, None for a text that is not written as a date at all (it may
be a duration), and raises :class:`NotADate` for a text shaped like a date that names no real
day ("2月30日", "2026-13-01").
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from bot.numbers import everyday

_RELATIVE = {
    "今天": 0,
    "今日": 0,
    "today": 0,
    "明天": 1,
    "明日": 1,
    "tomorrow": 1,
    "后天": 2,
    "後天": 2,
    "大后天": 3,
    "大後天": 3,
}
_WITH_YEAR = re.compile(
    r"([0-9]{4})(?:-([0-9]{1,2})-([0-9]{1,2})|/([0-9]{1,2})/([0-9]{1,2})"
    r"|\.([0-9]{1,2})\.([0-9]{1,2})|年([0-9]{1,2})月([0-9]{1,2})[日号]?)"
)
_NO_YEAR = re.compile(r"([0-9]{1,2})(?:/([0-9]{1,2})|月([0-9]{1,2})[日号]?)")
# How many years ahead a date without a year is looked for: 29 February comes within eight.
_YEARS_AHEAD = 8


class NotADate(ValueError):
    """Written as a date, but no such day exists."""


def _numbers(match: re.Match[str]) -> list[int]:
    return [int(g) for g in match.groups() if g is not None]


def read_date(text: str, today: date) -> date | None:
    cleaned = everyday(text).strip().lower().replace(" ", "")
    if cleaned in _RELATIVE:
        return today + timedelta(days=_RELATIVE[cleaned])
    match = _WITH_YEAR.fullmatch(cleaned)
    if match:
        year, month, day = _numbers(match)
        try:
            return date(year, month, day)
        except ValueError:
            raise NotADate(text) from None
    match = _NO_YEAR.fullmatch(cleaned)
    if match:
        month, day = _numbers(match)
        for year in range(today.year, today.year + _YEARS_AHEAD + 1):
            try:
                candidate = date(year, month, day)
            except ValueError:
                continue
            if candidate >= today:
                return candidate
        raise NotADate(text)
    return None
