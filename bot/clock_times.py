"""Times of day as people type them: 19:30, 19：30, 7:30pm, 7pm, 19点, 19点30分, 7点半, 晚上7点,
下午3点半, 上午9点, 中午12点, 十九点 is not taken (digits only). Full-width digits count.

:func:`read_time` returns the time, or None for a text that is not a time of day.
"""

from __future__ import annotations

import re
from datetime import time

from bot.numbers import fold

# A part of the day before the hour: afternoon and evening move 1-11 to 13-23.
_LATER = ("下午", "晚上", "傍晚", "晚", "夜里", "夜间")
_EARLIER = ("上午", "早上", "早晨", "凌晨", "清晨", "早")
_NOON = ("中午",)
_SHAPE = re.compile(
    r"(?P<part>上午|早上|早晨|凌晨|清晨|早|中午|下午|晚上|傍晚|夜里|夜间|晚)?"
    r"(?P<hour>[0-9]{1,2})"
    r"(?:[:.](?P<minute>[0-9]{2})|点(?:(?P<half>半)|(?P<cn_minute>[0-9]{1,2})分?)?|时)?"
    r"(?P<ampm>am|pm|a\.m\.|p\.m\.)?"
)


def read_time(text: str) -> time | None:
    """The time of day `text` names, or None."""
    cleaned = fold(text).strip().lower().replace(" ", "").replace("：", ":")
    match = _SHAPE.fullmatch(cleaned)
    if not match:
        return None
    hour = int(match["hour"])
    minute = 30 if match["half"] else int(match["minute"] or match["cn_minute"] or 0)
    plain = match["minute"] is None and match["half"] is None and match["cn_minute"] is None
    if plain and match["ampm"] is None and "点" not in cleaned and "时" not in cleaned:
        return None  # a bare number is no time of day ("19" could be anything)
    part, ampm = match["part"], match["ampm"]
    if ampm:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if ampm.startswith("p") else 0)
    elif part in _LATER and 1 <= hour <= 11:
        hour += 12
    elif part in _NOON and hour < 11:
        hour += 12
    elif part in _EARLIER and hour == 12:
        hour = 0
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        return None
    return time(hour, minute)
