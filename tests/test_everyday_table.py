"""Everyday input through the real commands (issue 12): one table, each row what a villager types
in a Chinese group and what the bot then does. The parsers have their own tables
(tests/test_everyday_input.py, tests/test_numbers.py); here every row goes through the bot.

The group: 东山村 on Monday 2 March 2026, 10:00 Beijing time; convenor 陈, villagers 王 (who
proposes topic #1, 修村口的路) and 刘. A row's stage says how far the topic has come first:

- proposed: #1 is proposed;
- deliberating: #1 is accepted (views open), with 王's drafts 1 and 2;
- adopted: #1 was voted on and adopted;
- with_action: and action A1 (owner 刘) exists.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.rules.deadlines import outside_quiet_hours
from storage import followup as followup_repo
from storage import topics as topic_repo
from storage import views as view_repo
from storage import votes as vote_repo
from tests.kit.story import button_labels

NOW = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # Monday 2 March, 10:00 in Beijing
STAGES = ("proposed", "deliberating", "adopted", "with_action")


def after_quiet(moment: datetime) -> datetime:
    """A deadline as the bot sets it: out of the default quiet hours 22:00-08:00 (十二小时 from
    10:00 is 22:00, so 08:00 the next morning; bot/rules/deadlines.py)."""
    return outside_quiet_hours(moment, (time(22), time(8)), ZoneInfo("Asia/Shanghai"))


class World:
    """What a row's check reads: the topic, its vote, its actions, the bot's last answer."""

    def __init__(self, world, group, people):
        self.world, self.group, self.people = world, group, people

    async def topic(self):
        async with self.world.rt.db.read() as tx:
            return await topic_repo.get_topic(tx, self.group.chat_id, 1)

    async def read(self, fn):
        topic = await self.topic()
        async with self.world.rt.db.read() as tx:
            return await fn(tx, topic.id)

    def answer(self) -> dict:
        return self.group.last_bot_message()


@dataclass(frozen=True)
class ViewsClose:
    """Views on #1 close this long from now."""

    after: timedelta

    async def check(self, w: World) -> None:
        assert (await w.topic()).phase_deadline == after_quiet(NOW + self.after)


@dataclass(frozen=True)
class Vote:
    """A vote on draft `draft` of #1 opens, closing this long from now."""

    draft: int
    after: timedelta = timedelta(days=2)  # the group's default vote

    async def check(self, w: World) -> None:
        vote = await w.read(vote_repo.current_vote)
        assert (vote.draft_no, vote.closes_at) == (self.draft, after_quiet(NOW + self.after))


@dataclass(frozen=True)
class Seconded:
    """刘 seconds #1."""

    async def check(self, w: World) -> None:
        assert await w.read(topic_repo.supporters) == [w.people["liu"].id]


@dataclass(frozen=True)
class Due:
    """Action A1 is due on this day."""

    day: date

    async def check(self, w: World) -> None:
        [action] = await w.read(followup_repo.actions_of)
        assert action.due_date == self.day


@dataclass(frozen=True)
class Progress:
    """Action A1 is this far along."""

    percent: int

    async def check(self, w: World) -> None:
        [action] = await w.read(followup_repo.actions_of)
        assert action.percent == self.percent


@dataclass(frozen=True)
class View:
    """刘's view on #1 is stored with this stance and text."""

    stance: str
    text: str

    async def check(self, w: World) -> None:
        views = await w.read(view_repo.list_views)
        assert [(v.author_id, v.stance, v.text) for v in views] == [
            (w.people["liu"].id, self.stance, self.text)
        ]


@dataclass(frozen=True)
class AsksStance:
    """The bot asks for the stance with the four stance buttons; nothing is stored yet."""

    async def check(self, w: World) -> None:
        assert button_labels(w.answer()) == ["👍 支持", "👎 反对", "⚠️ 担忧", "💡 建议"]
        assert await w.read(view_repo.list_views) == []


@dataclass(frozen=True)
class Refused:
    """The bot answers politely, quoting what it could not read; nothing changes."""

    says: str

    async def check(self, w: World) -> None:
        text = w.answer()["text"]
        assert self.says in text, text
        assert "Traceback" not in text and "Error" not in text


D, H, M = timedelta(days=1), timedelta(hours=1), timedelta(minutes=1)

ROWS = [
    # ----- durations: how long views (and the vote) last
    ("proposed", "chen", "/accept 1 3天", ViewsClose(3 * D)),
    ("proposed", "chen", "/accept 1 3d", ViewsClose(3 * D)),
    ("proposed", "chen", "/accept 1 ３天", ViewsClose(3 * D)),
    ("proposed", "chen", "/accept 1 三天", ViewsClose(3 * D)),
    ("proposed", "chen", "/accept 1 两周", ViewsClose(14 * D)),
    ("proposed", "chen", "/accept 1 1周", ViewsClose(7 * D)),
    ("proposed", "chen", "/accept 1 十二小时", ViewsClose(12 * H)),
    ("proposed", "chen", "/accept 1 2小时", ViewsClose(2 * H)),
    ("proposed", "chen", "/accept 1 30分钟", ViewsClose(30 * M)),
    ("proposed", "chen", "/accept 1 一天十二小时", ViewsClose(36 * H)),
    ("proposed", "chen", "/accept 三天", ViewsClose(3 * D)),  # the only proposed topic
    ("proposed", "chen", "/accept 1 三天半", Refused("“三天半”")),
    ("proposed", "chen", "/accept 1 很久", Refused("“很久”")),
    # ----- draft numbers, and the vote's length
    ("deliberating", "chen", "/vote 1 2", Vote(2)),
    ("deliberating", "chen", "/vote 1 #2 1天", Vote(2, D)),
    ("deliberating", "chen", "/vote 1 ＃２ 1天", Vote(2, D)),
    ("deliberating", "chen", "/vote 1 草案2 1天", Vote(2, D)),
    ("deliberating", "chen", "/vote 1 草案二 三天", Vote(2, 3 * D)),
    ("deliberating", "chen", "/vote 1 第2稿 12小时", Vote(2, 12 * H)),
    ("deliberating", "chen", "/vote 1 第二稿 两天", Vote(2, 2 * D)),
    ("deliberating", "chen", "/vote 草案2 3天", Vote(2, 3 * D)),  # the only topic to vote on
    ("deliberating", "chen", "/vote 2 3天", Vote(2, 3 * D)),  # draft 2, three days
    ("deliberating", "chen", "/vote 1", Vote(1)),  # /vote 1 alone: draft 1 of the only topic
    ("deliberating", "chen", "/vote 1 草稿2", Refused("“草稿2”不是草案编号")),
    ("deliberating", "chen", "/vote 1 2 很久", Refused("“很久”")),
    # ----- topic numbers
    ("proposed", "liu", "/support 1", Seconded()),
    ("proposed", "liu", "/support #1", Seconded()),
    ("proposed", "liu", "/support ＃１", Seconded()),
    ("proposed", "liu", "/support 1号", Seconded()),
    ("proposed", "liu", "/support 第1个", Seconded()),
    ("proposed", "liu", "/support 第一个", Seconded()),
    ("proposed", "liu", "/support 议题1", Seconded()),
    ("proposed", "liu", "/support", Seconded()),  # the only proposed topic
    ("proposed", "liu", "/support 一", Refused("“一”不是议题编号")),  # a bare numeral: no
    ("proposed", "liu", "/support ²", Refused("“²”不是议题编号")),
    # ----- views: with or without the number, with or without a stance word
    ("deliberating", "liu", "/view 1 支持 路早该修了", View("support", "路早该修了")),
    ("deliberating", "liu", "/view 1 担忧 钱从哪里来", View("concern", "钱从哪里来")),
    ("deliberating", "liu", "/view 支持 路早该修了", View("support", "路早该修了")),
    ("deliberating", "liu", "/view 1 我觉得应该先开会", AsksStance()),
    ("deliberating", "liu", "/view 我觉得应该先开会", AsksStance()),
    # ----- due dates of actions
    ("adopted", "owner", "/action 1 2026-03-31 递交申请", Due(date(2026, 3, 31))),
    ("adopted", "owner", "/action 1 2026年3月31日 递交申请", Due(date(2026, 3, 31))),
    ("adopted", "owner", "/action 1 3月31日 递交申请", Due(date(2026, 3, 31))),
    ("adopted", "owner", "/action 1 3月31号 递交申请", Due(date(2026, 3, 31))),
    ("adopted", "owner", "/action 1 三月三十一日 递交申请", Due(date(2026, 3, 31))),
    ("adopted", "owner", "/action 1 3/31 递交申请", Due(date(2026, 3, 31))),
    ("adopted", "owner", "/action 1 明天 通知各家各户", Due(date(2026, 3, 3))),
    ("adopted", "owner", "/action 1 后天 通知各家各户", Due(date(2026, 3, 4))),
    ("adopted", "owner", "/action 1 1周 清理路边杂物", Due(date(2026, 3, 9))),
    ("adopted", "owner", "/action 1 两周 清理路边杂物", Due(date(2026, 3, 16))),
    ("adopted", "owner", "/action 1 14d 清理路边杂物", Due(date(2026, 3, 16))),
    ("adopted", "owner", "/action 3月31日 递交申请", Due(date(2026, 3, 31))),  # the only one
    ("adopted", "owner", "/action 1 2月30日 递交申请", Refused("不是真实的日期")),
    ("adopted", "owner", "/action 1 2026-03-01 递交申请", Refused("已经过去")),
    ("adopted", "owner", "/action 1 下周 递交申请", Refused("既不是日期")),
    # ----- progress in per cent
    ("with_action", "liu", "/progress A1 40", Progress(40)),
    ("with_action", "liu", "/progress A1 40% 材料已准备好", Progress(40)),
    ("with_action", "liu", "/progress A1 ４０％", Progress(40)),
    ("with_action", "liu", "/progress a1 百分之四十", Progress(40)),
    ("with_action", "liu", "/progress A1 五十 一半了", Progress(50)),
    ("with_action", "liu", "/progress A1 101", Refused("0 到 100")),
]


async def staged(world, stage: str) -> World:
    world.clock.set(NOW)
    group = world.group("东山村")
    chen = group.convenor("chen")
    wang, liu = group.member("wang"), group.member("liu")
    people = {"chen": chen, "wang": wang, "liu": liu}
    await wang.says("/propose 修村口的路")
    until = STAGES.index(stage)
    if until >= STAGES.index("deliberating"):
        await chen.says("/accept 1")
        await wang.says("/draft 1 今年内把村口的路修好。")
        await wang.says("/draft 1 今年内把村口的路修好，费用由村集体承担。")
    if until >= STAGES.index("adopted"):
        await chen.says("/vote 1 2")
        for person in (chen, wang, liu):
            await person.says("/ballot 1 同意")
        await chen.says("/close 1")
        await world.run_due()
    if until >= STAGES.index("with_action"):
        hello = await liu.says("我来负责")
        await chen.replies_to(hello, "/action 1 3月31日 向镇政府递交申请")
    assert world.clock.now() == NOW  # every row's time is counted from the same moment
    return World(world, group, people)


@pytest.mark.parametrize(("stage", "who", "typed", "expected"), ROWS, ids=[r[2] for r in ROWS])
async def test_everyday_input(world, stage, who, typed, expected):
    w = await staged(world, stage)
    if who == "owner":  # the convenor names the owner by replying to their message
        hello = await w.people["liu"].says("我来负责")
        await w.people["chen"].replies_to(hello, typed)
    else:
        await w.people[who].says(typed)
    await expected.check(w)
