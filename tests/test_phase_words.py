"""One word per phase (tester's findings after issue 12): the topic card, the notice board, the
/topics list, the minutes and the demo's records panel name a phase alike (bot/phase_words.py);
the card's phase word follows the views closing; /topic N on a finished topic shows how it
ended: the adopted wording and the actions, or the outcome."""

from __future__ import annotations

from datetime import timedelta

from bot.export.minutes import Minutes
from bot.rules.phases import Status
from storage import topics as topic_repo


def shown(world, group, message):
    return world.api.messages[(group.chat_id, message["message_id"])]["text"]


async def test_the_card_says_what_the_views_deadline_says(world):
    group = world.group("东山村")
    chen, alice = group.convenor("chen"), group.member("alice")
    await alice.says("/propose 修水井")
    await chen.says("/accept 1 1天")
    card = group.last_bot_message()
    assert "提议人：Alice · 征集意见中 ·" in shown(world, group, card)
    await world.advance(timedelta(days=1, minutes=1))
    text = shown(world, group, card)
    assert "意见征集已截止" in text
    assert "征集意见中" not in text
    assert "提议人：Alice · 起草共识文本中 ·" in text


async def test_a_finished_topic_is_one_word_everywhere_and_its_card_tells_the_outcome(world):
    group = world.group("东山村")
    chen = group.convenor("chen")
    alice, bob, carol = (group.member(n) for n in ("alice", "bob", "carol"))
    await alice.says("/propose 修路灯")
    await chen.says("/accept 1 1h 1h")
    await alice.says("/draft 1 一个月内换好主街的路灯")
    await chen.says("/vote 1 1")
    ballot = group.last_bot_message()
    for person in (alice, bob, carol):
        await person.presses(ballot, "同意")
    await chen.says("/close 1")
    hello = await bob.says("我来换灯")
    await chen.replies_to(hello, "/action 1 14天 买灯换灯")
    await chen.replies_to(hello, "/action 1 14天 检查电线")  # an action needs an owner
    await chen.says("/drop A2 重复了")
    await bob.says("/done A1")
    async with world.rt.db.read() as tx:
        assert (await topic_repo.get_topic(tx, group.chat_id, 1)).status == "done"

    await alice.says("/topic 1")
    card = group.last_bot_message()["text"]
    assert "提议人：Alice · 已落实 ·" in card
    assert "通过的决定：\n一个月内换好主街的路灯" in card
    assert "落实事项：\nA1 买灯换灯 — Bob — 已完成\nA2 检查电线 — Bob — 已取消" in card

    minutes = Minutes("zh", world.rt.clock.now().tzinfo, {})
    assert minutes.lookup("statuses", "done") == "已落实"
    assert minutes.lookup("statuses", Status.FOLLOWING_UP.value) == "落实中"


async def test_a_declined_or_not_adopted_topic_says_its_outcome(world):
    group = world.group("东山村")
    chen, alice, bob = group.convenor("chen"), group.member("alice"), group.member("bob")
    await alice.says("/propose 建广场")
    await chen.says("/decline 1 钱不够")
    await alice.says("/topic 1")
    assert "结果：召集人不予受理，理由：钱不够" in group.last_bot_message()["text"]

    await alice.says("/propose 修桥")
    await chen.says("/accept 2 1h 1h")
    await alice.says("/draft 2 今年修桥")
    await chen.says("/vote 2 1")
    ballot = group.last_bot_message()
    await alice.presses(ballot, "反对")
    await bob.presses(ballot, "反对")
    await chen.says("/close 2")
    await alice.says("/topic 2")
    assert "结果：草案 1 表决未通过。" in group.last_bot_message()["text"]
