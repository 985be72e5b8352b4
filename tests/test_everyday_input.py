"""Everyday input: dates, durations and draft numbers as villagers type them (issue 12).

One table per kind of input, read by the one parser each command uses (bot.dates for due dates,
bot.durations for /accept, /vote, /round and the settings, bot.numbers for draft numbers); then
the same words typed into the commands of a Chinese group, and bad input answered politely.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot import numbers
from bot.dates import NotADate, read_date
from bot.durations import DurationError, parse_duration
from bot.errors import UserError
from bot.rules.followup import DueError, parse_due
from storage import followup as followup_repo
from storage import topics as topic_repo
from storage import votes as vote_repo

SHANGHAI = ZoneInfo("Asia/Shanghai")
TODAY = date(2026, 3, 2)  # a Monday, the test world's first day

DATES = [
    # (typed, today, the date it means)
    ("2026-03-31", TODAY, date(2026, 3, 31)),
    ("２０２６－０３－３１", TODAY, date(2026, 3, 31)),
    ("2026-3-31", TODAY, date(2026, 3, 31)),
    ("2026/3/31", TODAY, date(2026, 3, 31)),
    ("2026.3.31", TODAY, date(2026, 3, 31)),
    ("2026年3月31日", TODAY, date(2026, 3, 31)),
    ("2027-01-05", TODAY, date(2027, 1, 5)),
    ("3月31日", TODAY, date(2026, 3, 31)),
    ("3月31号", TODAY, date(2026, 3, 31)),
    ("3月31", TODAY, date(2026, 3, 31)),
    ("３月３１日", TODAY, date(2026, 3, 31)),
    ("3/31", TODAY, date(2026, 3, 31)),
    ("３/３１", TODAY, date(2026, 3, 31)),
    # Without a year: the next such date, today included.
    ("3月2日", TODAY, date(2026, 3, 2)),
    ("3/1", TODAY, date(2027, 3, 1)),
    ("1月5日", TODAY, date(2027, 1, 5)),
    ("12/31", date(2026, 12, 31), date(2026, 12, 31)),
    ("2月29日", TODAY, date(2028, 2, 29)),
    ("今天", TODAY, date(2026, 3, 2)),
    ("明天", TODAY, date(2026, 3, 3)),
    ("后天", TODAY, date(2026, 3, 4)),
    ("大后天", TODAY, date(2026, 3, 5)),
    ("明天", date(2026, 12, 31), date(2027, 1, 1)),
    ("tomorrow", TODAY, date(2026, 3, 3)),
    # Chinese numerals (bot.numbers.everyday).
    ("三月三十一日", TODAY, date(2026, 3, 31)),
    ("三月三十一号", TODAY, date(2026, 3, 31)),
    ("二〇二六年三月三十一日", TODAY, date(2026, 3, 31)),
    ("十二月一日", TODAY, date(2026, 12, 1)),
]

NOT_REAL_DATES = ["2026-02-31", "2026-13-01", "2月30日", "13月1日", "2/30", "0/5", "2026年2月29日"]

NOT_DATES = ["", "3d", "3天", "soon", "下周", "31", "3月", "2026", "3-31", "昨天x", "3.31"]

DURATIONS = [
    ("3d", timedelta(days=3)),
    ("3天", timedelta(days=3)),
    ("３天", timedelta(days=3)),
    ("3日", timedelta(days=3)),
    ("2小时", timedelta(hours=2)),
    ("2个小时", timedelta(hours=2)),
    ("2h", timedelta(hours=2)),
    ("2H", timedelta(hours=2)),
    ("30分钟", timedelta(minutes=30)),
    ("30分", timedelta(minutes=30)),
    ("30m", timedelta(minutes=30)),
    ("30min", timedelta(minutes=30)),
    ("90s", timedelta(seconds=90)),
    ("1周", timedelta(weeks=1)),
    ("1个星期", timedelta(weeks=1)),
    ("1w", timedelta(weeks=1)),
    ("1d12h", timedelta(days=1, hours=12)),
    ("1天12小时", timedelta(days=1, hours=12)),
    ("1 天", timedelta(days=1)),
    # Chinese numerals (bot.numbers.everyday).
    ("三天", timedelta(days=3)),
    ("两周", timedelta(weeks=2)),
    ("十二小时", timedelta(hours=12)),
    ("三十分钟", timedelta(minutes=30)),
    ("一个星期", timedelta(weeks=1)),
    ("一天十二小时", timedelta(days=1, hours=12)),
    ("二十天", timedelta(days=20)),
]

NOT_DURATIONS = [
    "",
    "3",
    "天",
    "0d",
    "0天",
    "零天",
    "-3d",
    "3天半",
    "三天半",
    "3月",
    "three days",
    "1.5d",
    "²d",
    "几天",
]

DRAFTS = [
    ("2", 2),
    ("#2", 2),
    ("＃２", 2),
    ("草案2", 2),
    ("草案２", 2),
    ("草案#2", 2),
    ("draft2", 2),
    ("Draft2", 2),
    ("02", 2),
    ("草案二", 2),
    ("第2稿", 2),
    ("第二稿", 2),
    ("第2版", 2),
    ("2号草案", 2),
]

NOT_DRAFTS = ["", "草案", "草稿2", "-2", "2.0", "1 2", "²", "①", "#", "A2"]


@pytest.mark.parametrize(("typed", "today", "expected"), DATES)
def test_dates(typed, today, expected):
    assert read_date(typed, today) == expected


@pytest.mark.parametrize("typed", NOT_REAL_DATES)
def test_dates_that_name_no_real_day(typed):
    with pytest.raises(NotADate):
        read_date(typed, TODAY)


@pytest.mark.parametrize("typed", NOT_DATES)
def test_texts_that_are_not_dates(typed):
    assert read_date(typed, TODAY) is None


@pytest.mark.parametrize(("typed", "expected"), DURATIONS)
def test_durations(typed, expected):
    assert parse_duration(typed) == expected


@pytest.mark.parametrize("typed", NOT_DURATIONS)
def test_not_durations(typed):
    with pytest.raises(DurationError):
        parse_duration(typed)


@pytest.mark.parametrize(("typed", "expected"), DRAFTS)
def test_draft_numbers(typed, expected):
    assert numbers.draft_number(typed) == expected


@pytest.mark.parametrize("typed", NOT_DRAFTS)
def test_not_draft_numbers(typed):
    with pytest.raises(UserError):
        numbers.draft_number(typed)


def test_topic_numbers_do_not_take_the_draft_word():
    assert numbers.read_topic("草案2") is None


# 23:30 in Shanghai on Monday 2 March is 15:30 UTC: "tomorrow" is the group's tomorrow.
LATE = datetime(2026, 3, 2, 15, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("typed", "due"),
    [
        ("明天", date(2026, 3, 3)),
        ("后天", date(2026, 3, 4)),
        ("3月31日", date(2026, 3, 31)),
        ("3/31", date(2026, 3, 31)),
        ("2026-03-31", date(2026, 3, 31)),
        ("3天", date(2026, 3, 5)),
        ("1周", date(2026, 3, 9)),
        ("2小时", date(2026, 3, 3)),  # 01:30 on Tuesday in Shanghai
    ],
)
def test_due_dates_in_the_groups_zone(typed, due):
    day, over = parse_due(typed, LATE, SHANGHAI)
    assert day == due
    assert over == datetime(due.year, due.month, due.day, tzinfo=SHANGHAI) + timedelta(days=1)


@pytest.mark.parametrize(
    ("typed", "kind"),
    [
        ("3月1日", None),
        ("2026-03-01", "past_date"),
        ("2月30日", "invalid_date"),
        ("下周", "not_a_due"),
    ],
)
def test_due_dates_refused(typed, kind):
    if kind is None:  # a date without a year that has passed this year means next year
        assert parse_due(typed, LATE, SHANGHAI)[0] == date(2027, 3, 1)
        return
    with pytest.raises(DueError) as caught:
        parse_due(typed, LATE, SHANGHAI)
    assert caught.value.kind == kind


# ---------------------------------------------------------------- the same words in commands


async def chinese_group(world):
    """A Chinese group on Monday 2 March 2026, 10:00 Beijing time: convenor 陈, two villagers."""
    world.clock.set(datetime(2026, 3, 2, 2, 0, tzinfo=UTC))
    group = world.group("东山村")
    chen = group.convenor("chen")
    wang, liu = group.member("wang"), group.member("liu")
    await wang.says("/propose 修村口的路")
    return group, chen, wang, liu


async def the_topic(world, group):
    async with world.rt.db.read() as tx:
        return await topic_repo.get_topic(tx, group.chat_id, 1)


async def test_accept_vote_and_action_take_everyday_words(world):
    group, chen, wang, liu = await chinese_group(world)
    await chen.says("/accept 1 3天 2天")
    topic = await the_topic(world, group)
    assert topic.phase_deadline == world.clock.now() + timedelta(days=3)
    assert (
        "3月5日（周四）10:00（北京时间）。" in group.last_bot_message()["text"]
    )  # a card: no 还剩

    await wang.says("/draft 1 今年内把村口的路修好。")
    await wang.says("/draft 1 今年内把村口的路修好，费用由村集体承担。")
    await chen.says("/vote 1 草案2 1天")
    ballot = group.last_bot_message()
    assert "3月3日（周二）10:00（北京时间）。" in ballot["text"]
    async with world.rt.db.read() as tx:
        vote = await vote_repo.current_vote(tx, topic.id)
    assert vote.closes_at == world.clock.now() + timedelta(days=1)
    for person in (chen, wang, liu):
        await person.presses(ballot, "同意")
    await chen.says("/close 1")

    hello = await liu.says("我来负责")
    await chen.replies_to(hello, "/action 1 3月31日 向镇政府递交申请")
    await chen.replies_to(hello, "/action 1 明天 通知各家各户")
    await chen.replies_to(hello, "/action 1 3/20 请施工队报价")
    await chen.replies_to(hello, "/action 1 1周 清理路边杂物")
    async with world.rt.db.read() as tx:
        actions = await followup_repo.actions_of(tx, topic.id)
    assert [a.due_date for a in actions] == [
        date(2026, 3, 31),
        date(2026, 3, 3),
        date(2026, 3, 20),
        date(2026, 3, 9),
    ]


async def test_drafts_by_number_and_by_word(world):
    group, chen, wang, liu = await chinese_group(world)
    await chen.says("/accept 1 1小时 30分钟")
    await wang.says("/draft 1 修路。")
    for typed in ("#1", "草案1"):
        await chen.says(f"/vote 1 {typed} 2h")
        assert "草案 1" in group.last_bot_message()["text"]
        await chen.says("/close 1")
        await chen.says("/round 1 drafts")


@pytest.mark.parametrize(
    ("command", "answer"),
    [
        ("/accept 1 三天半", "“三天半”"),
        ("/accept 1 3天半", "“3天半”"),
        ("/vote 1 草稿2", "“草稿2”"),
        ("/vote 1 2 很久", "“很久”"),
    ],
)
async def test_bad_input_gets_a_polite_answer(world, command, answer):
    group, chen, wang, liu = await chinese_group(world)
    if command.startswith("/vote"):
        await chen.says("/accept 1")
        await wang.says("/draft 1 修路。")
        await wang.says("/draft 1 修路，村里出钱。")
    await chen.says(command)
    text = group.last_bot_message()["text"]
    assert answer in text
    assert "Traceback" not in text and "Error" not in text


@pytest.mark.parametrize(
    ("due", "answer"),
    [
        ("2月30日", "不是真实的日期"),
        ("2026-03-01", "已经过去"),
        ("下周", "既不是日期"),
    ],
)
async def test_bad_due_dates_get_a_polite_answer(world, due, answer):
    group, chen, wang, liu = await chinese_group(world)
    await chen.says("/accept 1 1h 1h")
    await wang.says("/draft 1 修路。")
    await chen.says("/vote 1 1")
    for person in (chen, wang, liu):
        await person.presses(group.last_bot_message(), "同意")
    await chen.says("/close 1")
    await chen.says(f"/action 1 {due} 修路")
    assert answer in group.last_bot_message()["text"]
