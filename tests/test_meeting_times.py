"""A meeting's time as villagers type it (bot/clock_times.py, bot/services/meetings.parse_when):
19:30, 晚上7点, 7点半, 7pm; a date and a time, glued or apart; a time alone is today."""

from __future__ import annotations

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import pytest

from bot.clock_times import read_time
from bot.errors import UserError
from bot.group_settings import GroupSettings
from bot.services.meetings import parse_when, reminder_time


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("19:30", time(19, 30)),
        ("19：30", time(19, 30)),
        ("１９：３０", time(19, 30)),
        ("7:30pm", time(19, 30)),
        ("7pm", time(19, 0)),
        ("12am", time(0, 0)),
        ("19点", time(19, 0)),
        ("19点30分", time(19, 30)),
        ("7点半", time(7, 30)),
        ("晚上7点", time(19, 0)),
        ("晚上7点半", time(19, 30)),
        ("下午3点", time(15, 0)),
        ("上午9点", time(9, 0)),
        ("中午12点", time(12, 0)),
        ("中午1点", time(13, 0)),
        ("晚上19点", time(19, 0)),
        ("19", None),
        ("25:00", None),
        ("19:75", None),
        ("13pm", None),
        ("村委会", None),
        ("", None),
    ],
)
def test_read_time(text, expected):
    assert read_time(text) == expected


NOW = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # 周一 10:00（北京时间）
SETTINGS = GroupSettings()


def beijing(month, day, hour, minute=0):
    return datetime(2026, month, day, hour, minute, tzinfo=ZoneInfo("Asia/Shanghai")).astimezone(
        UTC
    )


@pytest.mark.parametrize(
    ("words", "starts", "used"),
    [
        (["3月5日", "19:30", "村委会"], beijing(3, 5, 19, 30), 2),
        (["3/5", "7pm", "村委会"], beijing(3, 5, 19), 2),
        (["明天", "晚上7点", "村委会"], beijing(3, 3, 19), 2),
        (["明天晚上7点", "村委会"], beijing(3, 3, 19), 1),
        (["3月5日19:30", "村委会"], beijing(3, 5, 19, 30), 1),
        (["19:30", "村委会"], beijing(3, 2, 19, 30), 1),
        (["2026-03-09", "下午3点半", "祠堂"], beijing(3, 9, 15, 30), 2),
    ],
)
def test_parse_when(words, starts, used):
    assert parse_when(words, SETTINGS, NOW) == (starts, used)


@pytest.mark.parametrize("words", [[], ["村委会"], ["明天", "村委会"], ["某天", "19:30"]])
def test_parse_when_refuses_with_an_example(words):
    with pytest.raises(UserError) as refused:
        parse_when(words, SETTINGS, NOW)
    assert "/meeting 1" in refused.value.msgid


@pytest.mark.parametrize(
    ("starts", "reminded"),
    [
        # 2 hours before, in the day.
        (beijing(3, 5, 19), beijing(3, 5, 17)),
        # 06:30 is in the quiet hours (22:00-08:00): at their end, still before the meeting.
        (beijing(3, 5, 8, 30), beijing(3, 5, 8)),
        # Their end would be the meeting itself: 2 hours before after all.
        (beijing(3, 5, 8), beijing(3, 5, 6)),
    ],
)
def test_the_meeting_reminder_keeps_out_of_the_quiet_hours(starts, reminded):
    assert reminder_time(starts, SETTINGS) == reminded
