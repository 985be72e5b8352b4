"""Durations as people write them: 90s, 15m, 36h, 3d, 1w, and in Chinese 3天, 2小时, 30分钟, 1周,
in digits or in words (三天, 两周, 十二小时: bot.numbers.everyday)
(and combinations such as 1d12h or 1天12小时)."""

from __future__ import annotations

import re
from datetime import timedelta

from bot.numbers import everyday

_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
# Each way of writing a unit, longest first so that 分钟 is not read as 分 followed by 钟.
_UNIT_WORDS = {
    "s": ("秒钟", "秒", "s"),
    "m": ("分钟", "分", "min", "m"),
    "h": ("个小时", "个钟头", "小时", "钟头", "h"),
    "d": ("天", "日", "d"),
    "w": ("个星期", "个礼拜", "星期", "礼拜", "周", "w"),
}
_UNIT_OF = {word: unit for unit, words in _UNIT_WORDS.items() for word in words}
_UNIT = "|".join(sorted(map(re.escape, _UNIT_OF), key=len, reverse=True))
_PART = re.compile(rf"([0-9]{{1,6}})({_UNIT})")
_WHOLE = re.compile(rf"(?:[0-9]{{1,6}}(?:{_UNIT}))+")


class DurationError(ValueError):
    """The text is not a duration such as 90s, 15m, 36h or 3d."""


def parse_duration(text: str | int | float | timedelta) -> timedelta:
    if isinstance(text, timedelta):
        return text
    if isinstance(text, int | float) and not isinstance(text, bool):
        return timedelta(seconds=text)
    # Full-width digits and letters count (３ｄ); other scripts' digits do not (bot.numbers).
    cleaned = everyday(str(text)).strip().lower().replace(" ", "")
    if not _WHOLE.fullmatch(cleaned):
        raise DurationError(f"not a duration: {text!r} (use e.g. 90s, 15m, 36h, 3d)")
    seconds = sum(int(n) * _UNIT_SECONDS[_UNIT_OF[u]] for n, u in _PART.findall(cleaned))
    if seconds <= 0:
        raise DurationError(f"a duration must be longer than zero: {text!r}")
    return timedelta(seconds=seconds)


def format_duration(value: timedelta) -> str:
    """The shortest exact spelling, so that settings read back as they were written."""
    seconds = int(value.total_seconds())
    out = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        if seconds >= size:
            count, seconds = divmod(seconds, size)
            out.append(f"{count}{unit}")
    return "".join(out) or "0s"


def clock_length(seconds: int) -> str:
    """A recording's length as a player shows it: 0:23, 4:05, 1:02:03."""
    minutes, secs = divmod(max(0, int(seconds)), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
