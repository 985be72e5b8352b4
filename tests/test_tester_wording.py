"""Wording a tester met in a Chinese village (after issue 12): say only what is missing, no
"暂时" for a finished topic, full-width colons built in code, 同意/不同意 as stances, where a
long title's details can go, and the board speaking the group's new language at once."""

from __future__ import annotations

from storage import message_records
from storage import topics as topic_repo
from storage import views as view_repo


async def accepted(world):
    group = world.group("东山村")
    chen, wang = group.convenor("chen"), group.member("wang")
    await wang.says("/propose 修水井")
    await chen.says("/accept 1 3天")
    return group, chen, wang


async def test_extend_with_the_number_asks_only_how_long(world):
    group, chen, _wang = await accepted(world)
    await chen.says("/extend 1")
    assert group.texts()[-1] == "请写上议题 #1 延长多久。例如：/extend 1 1天"


async def test_a_finished_topic_is_refused_without_for_now(world):
    group, chen, wang = await accepted(world)
    await chen.says("/end 1")
    await wang.says("/view 1 支持 好")
    text = group.texts()[-1]
    assert "不能再进行此操作" in text and "暂时" not in text


async def test_agree_and_disagree_are_stances(world):
    group, _chen, wang = await accepted(world)
    li = group.member("li")
    await wang.says("/view 1 同意 早该修了")
    await li.says("/view 1 不同意 太贵")
    async with world.rt.db.read() as tx:
        topic = await topic_repo.get_topic(tx, group.chat_id, 1)
        counts = await view_repo.stance_counts(tx, topic.id)
    assert counts == {"support": 1, "oppose": 1}


async def test_a_long_title_says_where_the_details_go(world):
    group = world.group("东山村")
    wang = group.member("wang")
    await wang.says("/propose " + "村里的自来水经常停水" * 20)
    assert "可以把详细说明写在第二行起" in group.texts()[-1]


async def test_minority_note_and_dropped_action_use_full_width_colons(world):
    group, chen, wang = await accepted(world)
    li, zhao = group.member("li"), group.member("zhao")
    await wang.says("/draft 1 今年修水井")
    await chen.says("/vote 1 1")
    ballot = group.last_bot_message()
    await wang.presses(ballot, "同意")
    await zhao.presses(ballot, "同意")
    await li.says("/ballot 1 disagree 太贵了")
    await chen.says("/close 1")
    result = group.texts()[-1]
    assert "• Li：太贵了" in result and "Li: " not in result
    hello = await wang.says("水泵我去买")
    await chen.replies_to(hello, "/action 1 14天 买水泵")  # an action needs an owner
    await chen.says("/drop A1 重复了")
    await chen.says("/actions 1")
    listing = group.texts()[-1]
    assert "已取消：重复了" in listing and "已取消: " not in listing


async def test_the_board_speaks_the_new_language_at_once(world):
    group = world.group("Dongshan")
    world.api.set_bot_rights(group.chat_id, can_pin_messages=True)
    chen = group.convenor("chen", language="en")
    await chen.says("/language en")
    await chen.says("/propose Fix the well")
    await world.run_due()
    async with world.rt.db.read() as tx:
        board = await message_records.board_of(tx, group.chat_id)
    assert world.api.messages[(group.chat_id, board)]["text"].startswith("📌 Notice board")
    await chen.says("/language zh")
    await world.run_due()
    assert world.api.messages[(group.chat_id, board)]["text"].startswith("📌 公告栏")
