"""A command typed without its topic number (issue 12): it acts on the only topic where it makes
sense, or asks which with one button per topic; the writer's press runs it as if typed with that
number (handlers/topic_choice.py, bot/rules/topic_choice.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot import callbacks
from bot.rules.phases import Stance
from bot.rules.topic_choice import SHAPES, Reading, reading
from handlers.topic_choice import COMMANDS
from storage import topics as topic_repo
from storage import views as view_repo
from storage import votes as vote_repo
from tests.kit.story import button_labels

NOW = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # Monday 10:00 in Beijing


async def village(world, topics=1):
    """东山村: convenor 陈, villagers 王 and 刘; `topics` topics accepted (views open)."""
    world.clock.set(NOW)
    group = world.group("东山村")
    chen = group.convenor("chen")
    wang, liu = group.member("wang"), group.member("liu")
    for n, title in enumerate(("修村口的路", "装路灯", "清理河道")[:topics], start=1):
        await wang.says(f"/propose {title}")
        await chen.says(f"/accept {n}")
    return group, chen, wang, liu


async def topic(world, group, number):
    async with world.rt.db.read() as tx:
        return await topic_repo.get_topic(tx, group.chat_id, number)


async def views_of(world, group, number):
    row = await topic(world, group, number)
    async with world.rt.db.read() as tx:
        return await view_repo.list_views(tx, row.id)


# ----- the rule: is the number missing? ---------------------------------------------------


@pytest.mark.parametrize(
    ("command", "typed", "expected"),
    [
        ("views", "", Reading.NO_NUMBER),
        ("views", "1", Reading.AS_TYPED),
        ("views", "#1", Reading.AS_TYPED),
        ("views", "第1个", Reading.AS_TYPED),
        ("support", "²", Reading.AS_TYPED),  # answered "“²” is not a topic number"
        ("view", "我觉得应该先开会", Reading.NO_NUMBER),
        ("view", "支持 应该修", Reading.NO_NUMBER),
        ("view", "1", Reading.AS_TYPED),
        ("view", "1 支持 应该修", Reading.AS_TYPED),
        ("vote", "2", Reading.NO_NUMBER),  # draft 2
        ("vote", "草案2 3天", Reading.NO_NUMBER),
        ("vote", "2 3天", Reading.NO_NUMBER),
        ("vote", "1 2", Reading.AS_TYPED),
        ("vote", "1 草稿2", Reading.AS_TYPED),  # answered "“草稿2” is not a draft number"
        ("ballot", "同意", Reading.NO_NUMBER),
        ("ballot", "1 同意", Reading.AS_TYPED),
        ("ballot", "² agree", Reading.AS_TYPED),
        ("accept", "", Reading.NO_NUMBER),
        ("accept", "3天 2天", Reading.NO_NUMBER),
        ("accept", "1 3天", Reading.AS_TYPED),
        ("extend", "1d", Reading.NO_NUMBER),
        ("extend", "1 1d", Reading.AS_TYPED),
        ("extend", "1", Reading.AS_TYPED),
        ("round", "意见", Reading.NO_NUMBER),
        ("retract", "2", Reading.NO_NUMBER),
        ("retract", "1 2", Reading.AS_TYPED),
        ("editview", "2 改成这样", Reading.NO_NUMBER),
        ("editview", "1 2 改成这样", Reading.AS_TYPED),
        ("action", "3月31日 修路", Reading.NO_NUMBER),
        ("action", "1 3月31日 修路", Reading.AS_TYPED),
        ("draft", "今年内把路修好。", Reading.NO_NUMBER),
        ("decline", "不归村里管", Reading.NO_NUMBER),
    ],
)
def test_when_the_number_is_missing(command, typed, expected):
    assert reading(command, typed.split()) is expected


def test_every_command_that_takes_a_topic_number_finds_it():
    """One shared piece: each command of the table is wired to it, and nothing else is."""
    assert set(COMMANDS) == set(SHAPES)


# ----- one topic where the command makes sense: it acts on that one --------------------------


async def test_a_command_without_a_number_acts_on_the_only_topic(world):
    group, chen, wang, liu = await village(world)
    await liu.says("/view 支持 路早该修了")
    [saved] = await views_of(world, group, 1)
    assert (saved.stance, saved.text) == ("support", "路早该修了")

    await wang.says("/draft 今年内把村口的路修好。")
    assert "草案 1" in group.last_bot_message()["text"]
    await wang.says("/drafts")
    assert "今年内把村口的路修好" in group.last_bot_message()["text"]

    await chen.says("/vote 1 3天")  # draft 1, three days: the number is missing
    row = await topic(world, group, 1)
    async with world.rt.db.read() as tx:
        vote = await vote_repo.current_vote(tx, row.id)
    assert vote.closes_at == world.clock.now() + timedelta(days=3)
    await liu.says("/ballot 同意")
    async with world.rt.db.read() as tx:
        ballots = await vote_repo.ballots(tx, vote.id)
    assert [(b.user_id, b.choice) for b in ballots] == [(liu.id, "agree")]


async def test_no_topic_at_that_stage_gets_a_short_answer(world):
    group, chen, wang, liu = await village(world)
    await chen.says("/close")
    assert group.last_bot_message()["text"] == (
        "现在没有可以用 /close 的议题。/topics 列出进行中的议题。"
    )


# ----- several: the bot asks which -------------------------------------------------------------


async def test_several_topics_are_offered_and_the_press_runs_the_command(world):
    group, chen, wang, liu = await village(world, topics=3)
    command = await liu.says("/view 反对 先别修了，钱不够")
    question = group.last_bot_message()
    assert question["text"] == "这条 /view 是关于哪个议题的？"
    assert button_labels(question) == ["#1 修村口的路", "#2 装路灯", "#3 清理河道"]
    assert question["reply_to_message"]["message_id"] == command["message_id"]
    assert await views_of(world, group, 2) == []

    await liu.presses(question, "#2")
    [saved] = await views_of(world, group, 2)
    assert (saved.author_id, saved.stance, saved.text) == (liu.id, "oppose", "先别修了，钱不够")
    # The question keeps its place, without buttons, and says which topic was chosen.
    answered = world.api.messages[(group.chat_id, question["message_id"])]
    assert "reply_markup" not in answered or not button_labels(answered)
    assert answered["text"] == "/view：议题 #2，装路灯"


async def test_the_rest_of_the_arguments_are_kept(world):
    group, chen, wang, liu = await village(world, topics=2)
    await wang.says("/draft 2 路灯装在村口和学校门口。")
    await wang.says("/draft 2 路灯装在村口、学校门口和桥头。")
    await chen.says("/vote 草案2 两天")
    question = group.last_bot_message()
    await chen.presses(question, "#2")
    ballot = group.last_bot_message()
    assert "草案 2" in ballot["text"] or "草案2" in ballot["text"]
    row = await topic(world, group, 2)
    async with world.rt.db.read() as tx:
        vote = await vote_repo.current_vote(tx, row.id)
    assert vote.closes_at == world.clock.now() + timedelta(days=2)


async def test_only_the_writer_may_choose(world):
    group, chen, wang, liu = await village(world, topics=2)
    await liu.says("/views")
    question = group.last_bot_message()
    before = len(group.sent())
    answer = await wang.presses(question, "#1")
    assert answer.params["text"] == "只有输入这条命令的人可以选择议题。"
    assert len(group.sent()) == before
    assert button_labels(world.api.messages[(group.chat_id, question["message_id"])])


async def test_forged_and_stale_presses_are_refused_with_a_toast(world):
    group, chen, wang, liu = await village(world, topics=2)
    command = await liu.says("/views")
    question = group.last_bot_message()
    before = len(group.sent())
    # A button naming another command message than the one the question answers.
    forged = await liu.presses_data(question, callbacks.pick_topic(1, command["message_id"] + 50))
    assert "过时" in forged.params["text"]
    # A topic the question never offered (it is at no stage for /views: it does not exist).
    missing = await liu.presses_data(question, callbacks.pick_topic(9, command["message_id"]))
    assert "议题 #9" in missing.params["text"]
    assert len(group.sent()) == before

    # The topic moved on between the question and the press.
    await wang.says("/propose 修水渠")
    await liu.says("/support")  # the only proposed topic: #3
    second = group.last_bot_message()
    assert "#3" in second["text"]


async def test_a_press_on_a_topic_that_moved_on_is_refused(world):
    group, chen, wang, liu = await village(world, topics=2)
    await wang.says("/draft 1 修路。")
    await wang.says("/draft 2 装灯。")
    await chen.says("/vote 1")  # draft 1: which topic?
    question = group.last_bot_message()
    await chen.says("/vote 2 1")  # topic 2 goes to the vote meanwhile
    before = len(group.sent())
    answer = await chen.presses(question, "#2")
    assert "议题 #2" in answer.params["text"] and "重新输入" in answer.params["text"]
    assert len(group.sent()) == before


# ----- /view N text without a stance: the stance buttons ----------------------------------------


async def test_a_view_without_a_stance_asks_for_it_with_buttons(world):
    group, chen, wang, liu = await village(world)
    command = await liu.says("/view 1 我觉得应该先开会")
    question = group.last_bot_message()
    assert question["reply_to_message"]["message_id"] == command["message_id"]
    assert "您对议题 #1 的这条意见是支持、反对、担忧还是建议" in question["text"]
    assert button_labels(question) == ["👍 支持", "👎 反对", "⚠️ 担忧", "💡 建议"]
    assert await views_of(world, group, 1) == []

    # Only the writer may press; someone else gets a toast and nothing changes.
    before = len(group.sent())
    other = await wang.presses(question, "支持")
    assert other.params["text"] == "只有写这条意见的人可以选择立场。"
    assert await views_of(world, group, 1) == []

    answer = await liu.presses(question, "担忧")
    assert answer is not None
    [saved] = await views_of(world, group, 1)
    assert (saved.author_id, saved.stance, saved.text) == (liu.id, "concern", "我觉得应该先开会")
    answered = world.api.messages[(group.chat_id, question["message_id"])]
    assert answered["text"] == "已记录议题 #1 的第 1 条意见（⚠️ 担忧）。"
    assert not button_labels(answered)
    assert len(group.sent()) == before  # the question was edited: no new message

    # A second press on the answered question (a stale copy) changes nothing.
    await liu.presses_data(
        question, callbacks.view_stance(1, command["message_id"] + 1, Stance.OPPOSE)
    )
    assert len(await views_of(world, group, 1)) == 1

    # Editing the command changes the text; the chosen stance stays.
    await liu.edits(command, "/view 1 我觉得应该先开会再定")
    [saved] = await views_of(world, group, 1)
    assert (saved.stance, saved.text) == ("concern", "我觉得应该先开会再定")


async def test_no_number_and_no_stance_asks_both_in_turn(world):
    group, chen, wang, liu = await village(world, topics=2)
    await liu.says("/view 我觉得应该先开会")
    await liu.presses(group.last_bot_message(), "#2")
    question = group.last_bot_message()
    assert "议题 #2" in question["text"]
    await liu.presses(question, "建议")
    [saved] = await views_of(world, group, 2)
    assert (saved.stance, saved.text) == ("suggestion", "我觉得应该先开会")
    assert await views_of(world, group, 1) == []


async def test_a_view_is_asked_for_only_where_it_could_be_kept(world):
    group, chen, wang, liu = await village(world)
    await chen.says("/vote 1")  # no draft: refused, the topic stays in deliberation
    outsider = group.member("zhao")
    world.api.set_status(group.chat_id, outsider.id, "left")
    await outsider.says("/view 1 我觉得应该先开会")
    assert not button_labels(group.last_bot_message())


async def test_following_the_only_open_topic(world):
    group, chen, wang, liu = await village(world)
    await liu.says("/subscribe")
    assert group.last_bot_message()["text"] == "你已关注议题 #1。"
    await liu.says("/unsubscribe")
    assert group.last_bot_message()["text"] == "你已取消关注议题 #1。"


async def test_an_anonymous_administrators_command_is_answered_by_any_convenor(world):
    group, chen, wang, liu = await village(world, topics=2)
    for n in (1, 2):
        await wang.says(f"/draft {n} 修。")
        await chen.says(f"/vote {n} 1")
    admin = group.anonymous_admin()
    await admin.says("/close")
    question = group.last_bot_message()
    assert button_labels(question) == ["#1 修村口的路", "#2 装路灯"]
    refused = await liu.presses(question, "#2")
    assert refused.params["text"] == "只有输入这条命令的人可以选择议题。"
    await chen.presses(question, "#2")
    one, two = await topic(world, group, 1), await topic(world, group, 2)
    async with world.rt.db.read() as tx:
        first = await vote_repo.current_vote(tx, one.id)
        second = await vote_repo.current_vote(tx, two.id)
    assert first.is_open and not second.is_open


async def test_a_ballot_without_its_number_is_never_left_waiting_in_the_group(world):
    """Review: /ballot 反对 with two votes open was answered with "which topic?" buttons, and the
    typed choice stayed readable until pressed (forever under a secret ballot, if never)."""
    group, chen, wang, liu = await village(world, topics=2)
    await chen.says("/settings secret_ballot on")
    world.api.set_bot_rights(group.chat_id, can_delete_messages=True)
    for n in (1, 2):
        await wang.says(f"/draft {n} 方案{n}")
        await chen.says(f"/vote {n} 1")
    typed = await liu.says("/ballot 反对")
    answer = group.last_bot_message()
    assert answer["text"] == (
        "现在有几个表决在进行：请在你要投的那个表决的投票卡片上按按钮，或者写上议题编号。"
        "例如：/ballot 1 同意"
    )
    assert not button_labels(answer)
    assert (group.chat_id, typed["message_id"]) in {
        (int(c.params["chat_id"]), int(c.params["message_id"]))
        for c in world.api.calls_of("deleteMessage")
    }
    async with world.rt.db.read() as tx:
        assert await tx.scalar("SELECT COUNT(*) FROM ballots") == 0
