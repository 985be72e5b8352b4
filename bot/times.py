"""Times as people read them: "3月5日（周四）10:00（北京时间），还剩 3 天" in Chinese,
"Thu 5 Mar 10:00 (China time), 3 days left" in English.

Every deadline the bot shows goes through :func:`moment_text`: messages that stay and may be
edited (topic card, ballot card, notice board: cards.at) show the moment alone, since "还剩 3 天"
would go stale between edits; one-off messages (replies, reminders, notices: cards.when) add the
time left with :func:`deadline`. Weekday and
month names come from Babel's CLDR data for the group's language; so do the names of time zones,
except China's, which a Chinese reader calls 北京时间.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime, get_timezone_name

from bot.i18n import NC_, translations, translator

# The zones a Chinese reader knows as Beijing time (the IANA name and its old aliases).
_BEIJING = frozenset({"Asia/Shanghai", "Asia/Chongqing", "Asia/Chungking", "Asia/Harbin", "PRC"})
_UTC = frozenset({"UTC", "Etc/UTC", "Etc/UCT", "UCT", "Universal", "Zulu", "Etc/Zulu"})

# CLDR patterns: the month and weekday names are the locale's own.
_MOMENT = {"zh": "M月d日（EEE）HH:mm", "en": "EEE d MMM HH:mm"}
_MOMENT_YEAR = {"zh": "y年M月d日（EEE）HH:mm", "en": "EEE d MMM y HH:mm"}
_DAY = {"zh": "M月d日（EEE）", "en": "EEE d MMM"}
_DAY_YEAR = {"zh": "y年M月d日（EEE）", "en": "EEE d MMM y"}

MINUTE = 60
HOUR = 3600
DAY = 86400


def _locale(language: str) -> str:
    return "zh_Hans_CN" if language == "zh" else "en_GB"


def zone_name(timezone: str, language: str) -> str:
    """The zone as the group's language names it: 北京时间 / China time, 英国时间 / British time."""
    _ = translator(language)
    if timezone in _BEIJING:
        return _("China time")
    if timezone in _UTC:
        return "UTC"
    try:
        name = get_timezone_name(
            timezone, width="long", zone_variant="generic", locale=_locale(language)
        )
    except LookupError:
        return timezone
    # CLDR capitalises "Time" ("Eastern Time"); in a sentence it reads as "Eastern time".
    return name[:-5] + " time" if name.endswith(" Time") else name


def rounded_left(seconds: float) -> int:
    """Seconds left, rounded as a person would say them: whole days from two days on, hours
    from two hours on (1 day 5 hours between one and two days), minutes below that (up, so
    that half a minute is "1 minute" and not "0")."""
    if seconds >= 2 * DAY:
        step = DAY
    elif seconds >= 2 * HOUR:
        step = HOUR
    else:
        return -(-int(seconds) // MINUTE) * MINUTE
    return int((seconds + step / 2) // step) * step


def duration_words(seconds: int, language: str) -> str:
    """3 days / 1 day 5 hours / 45 minutes (3 天 / 1 天 5 小时 / 45 分钟)."""
    words = translations(language).pgettext
    days, rest = divmod(seconds, DAY)
    hours, rest = divmod(rest, HOUR)
    minutes = rest // MINUTE
    parts = []
    if days:
        one, many = NC_("time left", "{n} day"), NC_("time left", "{n} days")
        parts.append(words(*(one if days == 1 else many)).format(n=days))
    if hours:
        one, many = NC_("time left", "{n} hour"), NC_("time left", "{n} hours")
        parts.append(words(*(one if hours == 1 else many)).format(n=hours))
    if minutes:
        one, many = NC_("time left", "{n} minute"), NC_("time left", "{n} minutes")
        parts.append(words(*(one if minutes == 1 else many)).format(n=minutes))
    return " ".join(parts)


def time_left(moment: datetime, now: datetime, language: str) -> str:
    """还剩 3 天 / 3 days left; 已截止 / closed once the moment has come."""
    _ = translator(language)
    seconds = (moment - now).total_seconds()
    if seconds <= 0:
        return translations(language).pgettext(*NC_("deadline", "closed"))
    return _("{duration} left").format(duration=duration_words(rounded_left(seconds), language))


def moment_text(moment: datetime, timezone: str, language: str, now: datetime | None = None) -> str:
    """3月5日（周四）10:00（北京时间） / Thu 5 Mar 10:00 (China time); the year only when it is
    not the current one."""
    zone = ZoneInfo(timezone)
    local = moment.astimezone(zone)
    this_year = (now or moment).astimezone(zone).year
    patterns = _MOMENT if local.year == this_year else _MOMENT_YEAR
    shown = format_datetime(local, patterns.get(language, _MOMENT["en"]), locale=_locale(language))
    _ = translator(language)
    return _("{moment} ({zone})").format(moment=shown, zone=zone_name(timezone, language))


def deadline(moment: datetime, timezone: str, language: str, now: datetime | None) -> str:
    """A deadline with the time left: "3月5日（周四）10:00（北京时间），还剩 3 天"."""
    shown = moment_text(moment, timezone, language, now)
    if now is None:
        return shown
    _ = translator(language)
    return _("{moment}, {left}").format(moment=shown, left=time_left(moment, now, language))


def day_text(day: date, language: str, today: date | None = None) -> str:
    """A date without a time: 3月31日（周二） / Tue 31 Mar; the year only when not this one."""
    patterns = _DAY if today is None or day.year == today.year else _DAY_YEAR
    return format_date(day, patterns.get(language, _DAY["en"]), locale=_locale(language))
