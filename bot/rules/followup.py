"""Follow-up rules: due dates, quiet hours, when an action is overdue, when to offer reopening."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from fractions import Fraction
from zoneinfo import ZoneInfo

from bot.dates import NotADate, read_date
from bot.durations import DurationError, parse_duration
from bot.numbers import fold


class DueError(ValueError):
    """Not a usable due date; `kind` says which message to show."""

    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        self.kind = kind


def parse_due(text: str, now: datetime, zone: ZoneInfo) -> tuple[date, datetime]:
    """A date (today or later: 2026-03-31, 3月31日, 3/31, 明天; bot.dates) or a duration (14d,
    2周) from now, in the group's time zone.

    Returns the due date and the moment it is over (local midnight after it, in UTC): an action
    is overdue once its whole due day has passed.
    """
    today = now.astimezone(zone).date()
    cleaned = fold(text).strip()  # ２０２６－０５－３１ as typed in full width (bot.numbers)
    try:
        day = read_date(cleaned, today)
    except NotADate:
        raise DueError("invalid_date") from None
    if day is not None:
        due = day
        if due < today:
            raise DueError("past_date")
    else:
        try:
            span = parse_duration(cleaned)
        except DurationError:
            raise DueError("not_a_due") from None
        due = (now + span).astimezone(zone).date()
    if due > today + timedelta(days=3660):
        raise DueError("too_far")
    end = datetime.combine(due + timedelta(days=1), time(0), tzinfo=zone).astimezone(UTC)
    return due, end


def quiet_until(now: datetime, window: tuple[time, time] | None, zone: ZoneInfo) -> datetime | None:
    """If `now` falls in the quiet hours, when they end (UTC); otherwise None."""
    if window is None:
        return None
    start, end = window
    local = now.astimezone(zone)
    clock = local.time().replace(tzinfo=None)
    if start == end:
        return None
    if start < end:
        inside = start <= clock < end
        end_day = local.date()
    else:  # the window crosses midnight, e.g. 22:00-08:00
        inside = clock >= start or clock < end
        end_day = local.date() + timedelta(days=1) if clock >= start else local.date()
    if not inside:
        return None
    return datetime.combine(end_day, end, tzinfo=zone).astimezone(UTC)


# An action's stored statuses that end it: no more reports, reminders or cards about it.
FINISHED = ("done", "dropped")


def is_finished(status: str) -> bool:
    """Is an action with this stored status over (done, or dropped by a convenor)?"""
    return status in FINISHED


def display_status(status: str, due_at: datetime, now: datetime) -> str:
    """open / in_progress / done / dropped as stored, and overdue when an open one has run late."""
    if status in ("open", "in_progress") and now >= due_at:
        return "overdue"
    return status


def needs_reopen(counts: dict[str, int], share: Fraction) -> bool:
    """More than `share` of a round's ratings are not satisfied."""
    total = sum(counts.values())
    return total > 0 and Fraction(counts.get("not_satisfied", 0), total) > share


RATINGS = ("satisfied", "partly", "not_satisfied")
