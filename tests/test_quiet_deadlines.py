"""Deadlines and the night (tester's findings after issue 12).

Cards that stay and may be edited (topic card, ballot card, notice board) show a deadline as a
moment with weekday and zone, never "还剩 N 天", which goes stale while nothing changes; replies,
reminders and notices keep the time left. A views or vote deadline computed from a duration that
falls inside the group's quiet hours (22:00-08:00 by default) moves to their end
(bot/rules/deadlines.py), for /accept, /vote, /round and /extend alike."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.rules.deadlines import outside_quiet_hours
from storage import topics as topic_repo
from storage import votes as vote_repo

BEIJING = ZoneInfo("Asia/Shanghai")
NIGHT = (time(22, 0), time(8, 0))
DAYTIME = (time(12, 0), time(14, 0))


def bj(day: int, hour: int, minute: int = 0) -> datetime:
    """A moment in March 2026 given in Beijing time, as UTC."""
    return datetime(2026, 3, day, hour, minute, tzinfo=BEIJING).astimezone(UTC)


@pytest.mark.parametrize(
    ("window", "moment", "expected"),
    [
        (NIGHT, bj(3, 22, 6), bj(4, 8)),  # the tester's 22:06: to 08:00 the next morning
        (NIGHT, bj(3, 23, 6), bj(4, 8)),
        (NIGHT, bj(4, 0, 0), bj(4, 8)),  # after midnight: the same morning
        (NIGHT, bj(4, 7, 59), bj(4, 8)),
        (NIGHT, bj(3, 22, 0), bj(4, 8)),  # the start is inside
        (NIGHT, bj(4, 8, 0), bj(4, 8)),  # the end is outside: stays
        (NIGHT, bj(3, 21, 59), bj(3, 21, 59)),
        (NIGHT, bj(3, 10, 0), bj(3, 10, 0)),
        (DAYTIME, bj(3, 12, 30), bj(3, 14)),  # a window that does not cross midnight
        (DAYTIME, bj(3, 14, 30), bj(3, 14, 30)),
        (None, bj(3, 23, 0), bj(3, 23, 0)),  # quiet hours off
        ((time(8), time(8)), bj(3, 23, 0), bj(3, 23, 0)),  # an empty window
    ],
)
def test_a_deadline_in_the_quiet_hours_moves_to_their_end(window, moment, expected):
    assert outside_quiet_hours(moment, window, BEIJING) == expected


async def topic_of(world, group, number=1):
    async with world.rt.db.read() as tx:
        return await topic_repo.get_topic(tx, group.chat_id, number)


async def vote_of(world, group, number=1):
    topic = await topic_of(world, group, number)
    async with world.rt.db.read() as tx:
        return await vote_repo.current_vote(tx, topic.id)


def shown(world, group, message):
    return world.api.messages[(group.chat_id, message["message_id"])]["text"]


async def test_accept_at_night_closes_views_and_vote_in_the_morning(world):
    world.clock.set(bj(2, 22, 6))  # Monday 22:06 in Beijing
    group = world.group("东山村")
    chen = group.convenor("chen")
    alice = group.member("alice")
    await alice.says("/propose 修水井")
    await chen.says("/accept 1 1天 1天")
    card = group.last_bot_message()
    topic = await topic_of(world, group)
    assert topic.phase_deadline == bj(4, 8)  # not 22:06 on Tuesday night
    assert "征集意见截止：3月4日（周三）08:00（北京时间）。" in shown(world, group, card)

    # The views-closed notice comes at 08:00, not at 22:06.
    closed = "议题 #1 的意见征集已截止。"
    world.clock.set(bj(3, 23, 0))  # Tuesday 23:00: 22:06 has passed
    await world.run_due()
    assert not any(closed in t for t in group.texts())
    world.clock.set(bj(4, 8, 1))
    await world.run_due()
    assert any(closed in t for t in group.texts())

    await alice.says("/draft 1 今年把水井修好")
    world.clock.set(bj(4, 22, 30))
    await chen.says("/vote 1 1")
    vote = await vote_of(world, group)
    assert vote.closes_at == bj(6, 8)  # 1 day from 22:30 is at night: the next morning


async def test_extend_into_the_night_moves_on_and_says_so(world):
    group = world.group("东山村")
    chen = group.convenor("chen")
    alice = group.member("alice")
    await alice.says("/propose 修水井")
    await chen.says("/accept 1 2天")  # Monday 10:00 + 2 days: Wednesday 10:00
    await chen.says("/extend 1 12小时")  # Wednesday 22:00: quiet
    topic = await topic_of(world, group)
    assert topic.phase_deadline == bj(5, 8)
    reply = group.texts()[-1]
    assert "3月5日（周四）08:00（北京时间）" in reply
    assert "免打扰" in reply


async def test_cards_show_the_moment_and_replies_the_time_left(world):
    group = world.group("东山村")
    chen = group.convenor("chen")
    alice = group.member("alice")
    await alice.says("/propose 修水井")
    await chen.says("/accept 1 3天")
    card = group.last_bot_message()
    text = shown(world, group, card)
    assert "征集意见截止：3月5日（周四）10:00（北京时间）。" in text
    assert "还剩" not in text

    await alice.says("/draft 1 今年把水井修好")
    await world.advance(timedelta(days=3))  # views closed
    await chen.says("/vote 1 1 2天")
    ballot = group.last_bot_message()
    text = shown(world, group, ballot)
    assert "截止时间：3月7日（周六）10:00（北京时间）。" in text
    assert "还剩" not in text
    await world.run_due()
    topic_card = shown(world, group, card)
    assert "表决截止：3月7日（周六）10:00（北京时间）。" in topic_card
    assert "还剩" not in topic_card

    # A reply is read once: it keeps the time left.
    await chen.says("/extend 1 1天")
    assert "还剩 3 天" in group.texts()[-1]
    assert "还剩" not in shown(world, group, ballot)
