"""/settings in a Chinese village (tester's findings after issue 12): errors in the group's
language, settings named in Chinese (通过比例, 法定人数 …) and shown so in the examples, 过半 as
more than half (stored as the strict rule ">1/2": a tie does not pass) and 1/2 saying that a
tie passes."""

from __future__ import annotations

from fractions import Fraction

import pytest

from bot.ratios import Threshold, normal_threshold, parse_threshold
from bot.rules.tally import Tally, decide
from storage import chats as chat_repo
from storage import topics as topic_repo
from storage import votes as vote_repo


@pytest.mark.parametrize(
    ("typed", "stored", "threshold"),
    [
        ("过半", ">1/2", Threshold(Fraction(1, 2), strict=True)),
        ("半数以上", ">1/2", Threshold(Fraction(1, 2), strict=True)),
        ("majority", ">1/2", Threshold(Fraction(1, 2), strict=True)),
        (">1/2", ">1/2", Threshold(Fraction(1, 2), strict=True)),
        ("1/2", "1/2", Threshold(Fraction(1, 2))),
        ("2/3", "2/3", Threshold(Fraction(2, 3))),
        ("75%", "75%", Threshold(Fraction(3, 4))),
    ],
)
def test_thresholds_as_typed_and_stored(typed, stored, threshold):
    assert normal_threshold(typed) == stored
    assert parse_threshold(stored) == threshold


@pytest.mark.parametrize(
    ("agree", "disagree", "strict", "adopted"),
    [
        (2, 2, False, True),  # 1/2: a tie passes
        (2, 2, True, False),  # 过半: a tie does not
        (3, 2, True, True),
        (2, 3, False, False),
    ],
)
def test_a_tie_at_half(agree, disagree, strict, adopted):
    tally = Tally(agree=agree, abstain=0, disagree=disagree, block=0)
    assert decide(tally, 1, Fraction(1, 2), 0, strict=strict).adopted is adopted


async def settings_of(world, group):
    async with world.rt.db.read() as tx:
        return (await chat_repo.get_chat(tx, group.chat_id)).settings


async def test_chinese_names_and_errors_in_chinese(world):
    group = world.group("东山村")
    chen = group.convenor("chen")
    await chen.says("/settings 通过比例 过半")
    assert (await settings_of(world, group))["threshold"] == ">1/2"
    reply = group.texts()[-1]
    assert "同意票超过一半（正好一半不算通过）" in reply
    await chen.says("/settings 法定人数 5")
    assert (await settings_of(world, group))["quorum"] == "5"
    await chen.says("/settings 征集意见时长 5天")
    await chen.says("/settings 免打扰 关")
    await chen.says("/settings 跟踪时间 7天、30天")
    stored = await settings_of(world, group)
    assert (stored["views_duration"], stored["quiet_hours"]) == ("5d", "off")
    assert stored["followup_offsets"] == ["7d", "30d"]

    await chen.says("/settings threshold 大多数")
    reply = group.texts()[-1]
    assert reply.startswith("“大多数”不是比例：请写成 2/3、67% 或 0.5 这样")
    assert "not a ratio" not in reply and "use e.g." not in reply
    await chen.says("/settings 表决时长 很久")
    assert group.texts()[-1].startswith("“很久”不是有效的时长")
    await chen.says("/settings 法定人数 0")
    assert group.texts()[-1] == "“0”不是 1 到 100000 之间的人数。"

    await chen.says("/settings")
    shown = group.texts()[-1]
    assert (
        "表决通过所需的同意票比例：同意票超过一半（正好一半不算通过）（修改示例：/settings 通过比例 3/4）"
        in shown
    )
    assert "/settings threshold" not in shown and "/settings 免打扰 22:00-08:00" in shown


async def test_a_tie_does_not_pass_under_more_than_half_and_the_card_says_so(world):
    group = world.group("东山村")
    chen = group.convenor("chen")
    a, b, c, d = (group.member(n) for n in ("a", "b", "c", "d"))
    await chen.says("/settings 通过比例 过半")
    await chen.says("/settings 法定人数 1")
    await a.says("/propose 修水井")
    await chen.says("/accept 1 1h 1h")
    await a.says("/draft 1 今年修")
    await chen.says("/vote 1 1")
    ballot = group.last_bot_message()
    assert "比例超过 1/2（正好一半不算通过）" in ballot["text"]
    await a.presses(ballot, "同意")
    await b.presses(ballot, "同意")
    await c.presses(ballot, "反对")
    await d.presses(ballot, "反对")
    await chen.says("/close 1")
    async with world.rt.db.read() as tx:
        topic = await topic_repo.get_topic(tx, group.chat_id, 1)
        vote = await vote_repo.current_vote(tx, topic.id)
    assert (topic.status, vote.threshold) == ("not_adopted", ">1/2")
    assert "需要超过 1/2" in group.texts()[-1] or "超过 1/2" in group.texts()[-1]
