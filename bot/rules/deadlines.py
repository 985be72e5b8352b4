"""When a views or vote deadline falls: never inside the group's quiet hours.

A deadline computed from a duration (/accept 5 1天 1天, /vote, /round, /extend) that lands in the
quiet hours (settings quiet_hours, e.g. 22:00-08:00 in the group's zone) would make the bot post
the views-closed notice or the vote's result at night. Such a deadline moves to the end of the
quiet hours (the next 08:00); one outside them stays as it is.
"""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

from bot.rules.followup import quiet_until


def outside_quiet_hours(
    moment: datetime, window: tuple[time, time] | None, zone: ZoneInfo
) -> datetime:
    """`moment` (aware, UTC) if it is outside the quiet hours `window` (local start and end in
    `zone`; None = no quiet hours), else the end of those quiet hours (UTC). The end itself is
    outside: a deadline at 08:00 with quiet hours 22:00-08:00 stays at 08:00."""
    return quiet_until(moment, window, zone) or moment
