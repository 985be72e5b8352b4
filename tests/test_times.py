"""Times for people (issue 12): every deadline reads "3月5日（周四）10:00（北京时间），还剩 3 天" in
Chinese and "Thu 5 Mar 10:00 (China time), 3 days left" in English (bot/times.py)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from bot import cards, times
from bot.group_settings import GroupSettings
from bot.i18n import language_of, translator

# Thursday 5 March 2026, 10:00 in Beijing.
DEADLINE = datetime(2026, 3, 5, 2, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("before", "zh", "en"),
    [
        (timedelta(days=3), "还剩 3 天", "3 days left"),
        (timedelta(days=2, hours=13), "还剩 3 天", "3 days left"),  # rounded to whole days
        (timedelta(days=2, hours=11), "还剩 2 天", "2 days left"),
        (timedelta(days=2), "还剩 2 天", "2 days left"),
        (timedelta(days=1, hours=23, minutes=40), "还剩 2 天", "2 days left"),
        (timedelta(days=1, hours=5, minutes=10), "还剩 1 天 5 小时", "1 day 5 hours left"),
        (timedelta(days=1), "还剩 1 天", "1 day left"),
        (timedelta(hours=23, minutes=45), "还剩 1 天", "1 day left"),
        (timedelta(hours=5, minutes=31), "还剩 6 小时", "6 hours left"),
        (timedelta(hours=2), "还剩 2 小时", "2 hours left"),
        (timedelta(hours=1, minutes=30), "还剩 1 小时 30 分钟", "1 hour 30 minutes left"),
        (timedelta(hours=1), "还剩 1 小时", "1 hour left"),
        (timedelta(minutes=45), "还剩 45 分钟", "45 minutes left"),
        (timedelta(seconds=30), "还剩 1 分钟", "1 minute left"),
        (timedelta(seconds=1), "还剩 1 分钟", "1 minute left"),
        (timedelta(0), "已截止", "closed"),
        (-timedelta(days=1), "已截止", "closed"),
    ],
)
def test_time_left_is_rounded_as_people_say_it(before, zh, en):
    now = DEADLINE - before
    assert times.time_left(DEADLINE, now, "zh") == zh
    assert times.time_left(DEADLINE, now, "en") == en


def test_a_deadline_in_both_languages():
    now = DEADLINE - timedelta(days=3)
    assert times.deadline(DEADLINE, "Asia/Shanghai", "zh", now) == (
        "3月5日（周四）10:00（北京时间），还剩 3 天"
    )
    assert times.deadline(DEADLINE, "Asia/Shanghai", "en", now) == (
        "Thu 5 Mar 10:00 (China time), 3 days left"
    )
    assert times.deadline(DEADLINE, "Asia/Shanghai", "zh", DEADLINE) == (
        "3月5日（周四）10:00（北京时间），已截止"
    )


def test_without_now_a_time_has_no_time_left():
    assert (
        times.deadline(DEADLINE, "Asia/Shanghai", "zh", None) == "3月5日（周四）10:00（北京时间）"
    )


def test_the_year_shows_only_when_it_is_not_this_one():
    now = datetime(2026, 12, 30, 2, 0, tzinfo=UTC)
    later = datetime(2027, 1, 2, 2, 0, tzinfo=UTC)
    assert times.deadline(later, "Asia/Shanghai", "zh", now) == (
        "2027年1月2日（周六）10:00（北京时间），还剩 3 天"
    )
    assert times.deadline(later, "Asia/Shanghai", "en", now) == (
        "Sat 2 Jan 2027 10:00 (China time), 3 days left"
    )


@pytest.mark.parametrize(
    ("zone", "zh", "en"),
    [
        ("Asia/Shanghai", "北京时间", "China time"),
        ("PRC", "北京时间", "China time"),
        ("Asia/Taipei", "台北时间", "Taiwan time"),
        ("Asia/Hong_Kong", "香港时间", "Hong Kong time"),
        ("Asia/Singapore", "新加坡时间", "Singapore time"),
        ("Europe/London", "英国时间", "British time"),
        ("America/New_York", "北美东部时间", "Eastern time"),
        ("UTC", "UTC", "UTC"),
    ],
)
def test_zone_names_in_the_groups_language(zone, zh, en):
    assert times.zone_name(zone, "zh") == zh
    assert times.zone_name(zone, "en") == en


def test_the_local_time_is_the_zones():
    now = DEADLINE - timedelta(hours=3)
    assert times.deadline(DEADLINE, "Europe/London", "en", now) == (
        "Thu 5 Mar 02:00 (British time), 3 hours left"
    )
    assert times.deadline(DEADLINE, "America/New_York", "zh", now) == (
        "3月4日（周三）21:00（北美东部时间），还剩 3 小时"
    )


def test_days_without_a_time():
    assert times.day_text(date(2026, 3, 31), "zh", date(2026, 3, 2)) == "3月31日（周二）"
    assert times.day_text(date(2026, 3, 31), "en", date(2026, 3, 2)) == "Tue 31 Mar"
    assert times.day_text(date(2027, 1, 4), "zh", date(2026, 12, 30)) == "2027年1月4日（周一）"
    assert times.day_text(date(2027, 1, 4), "en", date(2026, 12, 30)) == "Mon 4 Jan 2027"


def test_cards_when_is_the_one_way_in():
    now = DEADLINE - timedelta(days=3)
    zh, en = GroupSettings(language="zh"), GroupSettings(language="en")
    assert cards.when(DEADLINE, zh, now) == "3月5日（周四）10:00（北京时间），还剩 3 天"
    assert cards.when(DEADLINE, en, now) == "Thu 5 Mar 10:00 (China time), 3 days left"


def test_a_translator_knows_its_language():
    assert language_of(translator("zh")) == "zh"
    assert language_of(translator("en")) == "en"
    assert language_of(lambda text: text) == "en"


async def test_the_topic_card_and_the_ballot_card_show_the_moment_not_the_time_left(world):
    # Cards stay and are edited only when something changes: "还剩 3 天" would go stale.
    world.clock.set(datetime(2026, 3, 2, 2, 0, tzinfo=UTC))  # Monday 10:00 in Beijing
    group = world.group("东山村")
    chen, wang = group.convenor("chen"), group.member("wang")
    await wang.says("/propose 修村口的路")
    await chen.says("/accept 1")
    assert "征集意见截止：3月5日（周四）10:00（北京时间）。" in group.texts()[-1]
    await world.advance(days=2, hours=20)
    await wang.says("/topic 1")
    assert "征集意见截止：3月5日（周四）10:00（北京时间）。" in group.texts()[-1]
    await wang.says("/draft 1 今年内把路修好。")
    await chen.says("/vote 1 1 1d")
    # 06:00 is in the quiet hours: the vote closes at 08:00.
    assert "截止时间：3月6日（周五）08:00（北京时间）。" in group.texts()[-1]


async def test_an_english_group_reads_english_times(world):
    world.clock.set(datetime(2026, 3, 2, 2, 0, tzinfo=UTC))
    group = world.group("Dongshan village")
    chen = group.convenor("chen", language="en")
    await chen.says("/language en")
    alice = group.member("alice", language="en")
    await alice.says("/propose Fix the road")
    await chen.says("/accept 1 34h")
    assert "Views close Tue 3 Mar 20:00 (China time)." in group.texts()[-1]
