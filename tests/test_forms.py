"""选择最优协商路径 (issue 13): a topic's form, set by a convenor with /form and shown on its
card and in the minutes; when its views close the bot suggests a form, with its reason, by a
pure rule (bot/rules/forms.py), checked here row by row."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.rules.forms import Form, Reason, Seen, parse_form, suggest
from storage import topics as topic_repo

# ----- the rule, row by row ------------------------------------------------------------------


def seen(participants, size, support=0, oppose=0, concern=0, suggestion=0, referral=False):
    stances = {"support": support, "oppose": oppose, "concern": concern, "suggestion": suggestion}
    return Seen(participants, size, stances, referral)


@pytest.mark.parametrize(
    ("what", "form", "reason"),
    [
        # A referral pending beats everything: members, departments and village at one table.
        (seen(40, 50, support=40, referral=True), Form.ROUNDTABLE, Reason.REFERRAL),
        (seen(0, 50, referral=True), Form.ROUNDTABLE, Reason.REFERRAL),
        # Nobody wrote.
        (seen(0, 50), Form.UNDER_TREE, Reason.NOBODY),
        (seen(0, None), Form.UNDER_TREE, Reason.NOBODY),
        # Few of the group: under a fifth.
        (seen(9, 50, support=9), Form.UNDER_TREE, Reason.FEW),
        # Exactly a fifth is not few.
        (seen(10, 50, support=10), Form.ONLINE, Reason.AGREED),
        # Split: against between a third and two thirds of at least four views taking a side.
        (seen(10, 20, support=5, oppose=3, concern=2), Form.ROUNDTABLE, Reason.SPLIT),
        (seen(6, 20, support=4, oppose=2), Form.ROUNDTABLE, Reason.SPLIT),  # exactly 1/3
        (seen(6, 20, support=2, oppose=4), Form.ROUNDTABLE, Reason.SPLIT),  # exactly 2/3
        # Too few views to split, or to say they agree.
        (seen(3, 10, support=2, oppose=1), Form.ONLINE, Reason.EARLY),
        (seen(2, 5, support=1, oppose=1), Form.ONLINE, Reason.EARLY),  # 1:1 is no agreement
        (seen(4, 10, support=3, suggestion=1), Form.ONLINE, Reason.AGREED),
        # Many took part and concerns remain (a fifth or more), not split: open the door.
        (seen(12, 20, support=9, concern=3), Form.OPEN_DOOR, Reason.WIDE),
        (seen(30, 100, support=24, oppose=6), Form.OPEN_DOOR, Reason.WIDE),  # 30 people
        (seen(29, 100, support=23, oppose=6), Form.ONLINE, Reason.AGREED),  # 29, under half
        # A tenth of a large group is few, however many people that is.
        (seen(30, 300, support=24, oppose=6), Form.UNDER_TREE, Reason.FEW),
        # Many took part and they agree: online serves.
        (seen(12, 20, support=11, concern=1), Form.ONLINE, Reason.AGREED),
        # The group's size unknown: nothing is "few"; suggestions take no side.
        (seen(2, None, suggestion=2), Form.ONLINE, Reason.EARLY),
        # Against beyond two thirds is not split: most are against, the group chat says so.
        (seen(10, 20, support=1, oppose=9), Form.OPEN_DOOR, Reason.WIDE),
    ],
)
def test_the_suggested_form_and_its_reason(what, form, reason):
    found = suggest(what)
    assert (found.form, found.reason) == (form, reason)


def test_a_members_group_is_not_sent_under_the_tree():
    quiet = Seen(0, 20, {}, members_group=True)
    few = Seen(2, 50, {"support": 2}, members_group=True)
    for what in (quiet, few):
        found = suggest(what)
        assert (found.form, found.reason) == (Form.ROUNDTABLE, Reason.MEMBERS_QUIET)
    # A village group still is.
    assert suggest(Seen(0, 20, {})).form is Form.UNDER_TREE


def test_shares_count_people_against_the_group_and_views_taking_a_side():
    s = seen(5, 20, support=2, oppose=1, concern=1, suggestion=3)
    assert s.share == pytest.approx(0.25)
    assert s.against == 2 and s.taking_sides == 4 and s.against_share == pytest.approx(0.5)
    # More people than members (someone left since): at most the whole group.
    assert seen(30, 20).share == 1


@pytest.mark.parametrize(
    ("word", "form"),
    [
        ("online", Form.ONLINE),
        ("网上议事", Form.ONLINE),
        ("roundtable", Form.ROUNDTABLE),
        ("Round-Table", Form.ROUNDTABLE),
        ("圆桌会谈", Form.ROUNDTABLE),
        ("圆桌", Form.ROUNDTABLE),
        ("under_tree", Form.UNDER_TREE),
        ("under the tree", Form.UNDER_TREE),
        ("树下贤聊", Form.UNDER_TREE),
        ("open_door", Form.OPEN_DOOR),
        ("open-door", Form.OPEN_DOOR),
        ("开门协商", Form.OPEN_DOOR),
        ("meeting", None),
        ("", None),
    ],
)
def test_form_words_in_either_language(word, form):
    assert parse_form(word) is form


# ----- in the group --------------------------------------------------------------------------


async def 东山村(world, 村民=("wang", "liu", "zhao", "sun", "zhou", "wu", "zheng", "feng")):
    """周一 2026-03-02 10:00（北京时间），召集人陈，八位村民；王提出议题 #1，陈受理。"""
    world.clock.set(datetime(2026, 3, 2, 2, 0, tzinfo=UTC))
    group = world.group("东山村")
    chen = group.convenor("chen")
    people = [group.member(name) for name in 村民]
    await people[0].says("/propose 修村口的路")
    await chen.says("/accept 1 3天 1天")
    return group, chen, people


def 卡片(world, group, topic_number=1):
    for message in reversed(group.bot_messages()):
        current = world.api.messages[(group.chat_id, message["message_id"])]
        if current["text"].startswith(f"议题 #{topic_number}："):
            return current
    raise AssertionError("no topic card")


async def test_受理后卡片写着网上议事_召集人改成树下贤聊_卡片和记录都跟着(world):
    group, chen, people = await 东山村(world)
    assert "协商形式：网上议事" in 卡片(world, group)["text"]

    await chen.says("/form 1 树下贤聊")
    reply = group.last_bot_message()["text"]
    assert "议题 #1 的协商形式改为：树下贤聊（原来是网上议事）。" in reply
    assert "/meeting 1 日期 时间 地点" in reply
    await world.run_due()
    assert "协商形式：树下贤聊" in 卡片(world, group)["text"]

    await chen.says("/form 1 under_tree")
    assert "议题 #1 的协商形式已经是树下贤聊。" in group.last_bot_message()["text"]
    async with world.rt.db.read() as tx:
        topic = await topic_repo.get_topic(tx, group.chat_id, 1)
        rows = [h for h in await topic_repo.history(tx, topic.id) if h.event == "form_set"]
    assert [(h.actor_id, h.detail) for h in rows] == [
        (chen.id, {"form": "under_tree", "from": "online"})
    ]


async def test_form_的错误用法得到例子_什么也不改(world):
    group, chen, people = await 东山村(world)
    for wrong in ("/form", "/form 1", "/form 1 开大会", "/form 九 圆桌", "/form 7 圆桌"):
        await chen.says(wrong)
        answer = group.last_bot_message()["text"]
        assert any(
            said in answer for said in ("例如：/form 1 圆桌会谈", "没有议题 #7", "“九”不是议题编号")
        ), (wrong, answer)
    assert "协商形式：网上议事" in 卡片(world, group)["text"]


async def test_proposed_topic_has_no_form_yet(world):
    group, chen, people = await 东山村(world)
    await people[1].says("/propose 修水渠")
    assert "协商形式" not in 卡片(world, group, 2)["text"]
    await chen.says("/form 2 圆桌会谈")
    assert (
        "议题 #2 当前状态为“待召集人受理”，暂时不能进行此操作。" == group.last_bot_message()["text"]
    )


async def test_意见征集结束时_按参与人数建议树下贤聊_说明理由(world):
    group, chen, people = await 东山村(world)
    # 群里 10 人（陈、八位村民，加机器人不算）：只有一人发表意见，不到五分之一。
    await people[1].says("/view 1 support 早该修了")
    await world.advance(days=3)
    notice = group.last_bot_message()["text"]
    assert "议题 #1 的意见征集已结束" in notice or "意见" in notice
    assert "💡 建议的协商形式：树下贤聊。" in notice
    assert "群里 9 人中只有 1 人发表了意见" in notice
    assert "/form 1 树下贤聊" in notice


async def test_意见分歧时建议圆桌会谈_已是圆桌就不再建议(world):
    group, chen, people = await 东山村(world)
    for person, stance in zip(
        people[:6], ("support", "support", "support", "oppose", "oppose", "concern"), strict=True
    ):
        await person.says(f"/view 1 {stance} 我的看法")
    await world.advance(days=3)
    notice = group.last_bot_message()["text"]
    assert "💡 建议的协商形式：圆桌会谈。" in notice
    assert "意见分歧较大（支持 3 条，反对或担忧 3 条）" in notice


async def test_建议的形式就是现在的形式时不多说(world):
    group, chen, people = await 东山村(world)
    for person in people[:6]:
        await person.says("/view 1 support 同意")
    await world.advance(days=3)
    assert "💡" not in group.last_bot_message()["text"]


async def test_英文群也有建议(world):
    group, chen, people = await 东山村(world)
    await chen.says("/language en")
    await world.advance(days=3)
    notice = group.last_bot_message()["text"]
    assert "💡 Suggested form: chat under the tree." in notice
    assert "nobody gave a view online" in notice
    assert "/form 1 under_tree" in notice
