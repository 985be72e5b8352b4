"""Issue 11, in Chinese groups as they really are: the bot loses (and regains) its right to post,
a secret ballot in a group where it may not delete messages, questions aimed at one member, and
presses answered before anything else."""

from __future__ import annotations

import logging
from types import SimpleNamespace

import pytest
from telegram import Update
from telegram.error import BadRequest

from bot import callbacks
from bot.services import chats as chat_service
from bot.services import kinds
from handlers import errors
from storage import topics as topic_repo
from storage import votes as vote_repo
from tests.kit.fake_api import (
    CHAT_PERMISSIONS,
    CHAT_WRITE_FORBIDDEN,
    NO_RIGHTS_TO_SEND,
)
from tests.kit.story import Group, buttons

NOT_ENOUGH_RIGHTS = "not enough rights to send text messages to the chat"
APOLOGY = "抱歉，系统出了点问题"


# ----- what the world looks like ---------------------------------------------------------------
async def topics_of(world, group):
    async with world.rt.db.read() as tx:
        return await topic_repo.list_topics(tx, group.chat_id)


async def vote_of(world, group, number=1):
    async with world.rt.db.read() as tx:
        topic = await topic_repo.get_topic(tx, group.chat_id, number)
        return await vote_repo.current_vote(tx, topic.id)


async def tally_of(world, group, number=1):
    vote = await vote_of(world, group, number)
    async with world.rt.db.read() as tx:
        return await vote_repo.tally(tx, vote.id)


async def is_active(world, group) -> bool:
    async with world.rt.db.read() as tx:
        return bool(await tx.scalar("SELECT active FROM chats WHERE chat_id = ?", (group.chat_id,)))


async def rows_of(world, kind):
    async with world.rt.db.read() as tx:
        rows = await tx.fetchall(
            "SELECT done_at, outcome, late, payload_json FROM scheduled WHERE kind = ?", (kind,)
        )
    return [dict(r) for r in rows]


def topic_cards(group, number=1):
    """The bot's messages in the group that are topic #number's card (its Second button)."""
    data = callbacks.support(number)
    return [
        m for m in group.bot_messages() if any(b.get("callback_data") == data for b in buttons(m))
    ]


def ballot_cards(group):
    return [m for m in group.bot_messages() if m["text"].startswith("议题 #1 表决：")]


def sends_refused(world, group):
    return [
        (call.text, why)
        for call, _code, why in world.api.refusals
        if call.method == "sendMessage" and call.chat_id == group.chat_id
    ]


def apologies(world, group):
    return [c for c in world.api.calls_of("sendMessage", group.chat_id) if APOLOGY in c.text]


def everyone_may_write(world, group):
    world.api.set_chat_permissions(group.chat_id, **dict.fromkeys(CHAT_PERMISSIONS, True))


async def with_draft(world, group, secret=False):
    """东山村: topic #1 accepted (views 1 hour), a draft by Alice; the convenor Chen."""
    chen = group.convenor("chen")
    alice, bob, carol = (group.member(n) for n in ("alice", "bob", "carol"))
    if secret:
        await chen.says("/settings secret_ballot on")
    await alice.says("/propose 修水井\n井水浑浊，需要清淤")
    await chen.says("/accept 1 1h 1d")
    await alice.says("/draft 1 今年秋收前清淤，费用按户分摊。")
    return chen, alice, bob, carol


# ----- rights: the bot may not post -----------------------------------------------------------
async def test_a_proposal_the_group_cannot_see_is_stored_once_and_its_card_waits(world):
    """An administrator forbids members to write (the group's default permissions, which bind a
    bot that is no administrator): Telegram tells the bot nothing until it tries to post."""
    group = world.group("东山村")
    chen = group.convenor("chen")
    alice = group.member("alice")
    world.api.set_chat_permissions(group.chat_id)  # nobody but administrators may write

    await alice.says("/propose 修水井\n井水浑浊，需要清淤")
    # She sees nothing, and tries again.
    await alice.says("/propose 修水井\n井水浑浊，需要清淤")

    assert [t.title for t in await topics_of(world, group)] == ["修水井"]
    assert group.bot_messages() == []
    assert sends_refused(world, group), "the card was tried"
    assert all(NOT_ENOUGH_RIGHTS in why for _text, why in sends_refused(world, group))
    assert apologies(world, group) == [], "apologised into a group that refuses the bot"
    assert not await is_active(world, group)
    [row] = await rows_of(world, kinds.TOPIC_CARD)
    assert row["done_at"] is None

    # Members may write again (Telegram tells the bot nothing); the group's next command, a
    # minute later (a paused group is looked at once a minute), brings the card that waited.
    everyone_may_write(world, group)
    await chen.says("/topics")
    assert topic_cards(group) == [], "looked at again within the minute"
    await world.advance(minutes=1)
    await chen.says("/topics")
    assert await is_active(world, group)
    [card] = topic_cards(group)
    assert "修水井" in card["text"]
    [topic] = await topics_of(world, group)
    assert topic.card_message_id == card["message_id"]
    [row] = await rows_of(world, kinds.TOPIC_CARD)
    assert row["done_at"] is not None and row["outcome"] == "done"
    await chen.says("/topics")
    assert len(topic_cards(group)) == 1, "posted once"


async def test_a_proposer_who_started_the_bot_hears_in_private_that_the_card_waits(world):
    """In the group she would see nothing at all: told privately (she started the bot), once
    per proposal; someone who never started the bot cannot be told, and is not tried."""
    group = world.group("东山村")
    alice, bob = group.member("alice"), group.member("bob")
    await alice.starts_bot()
    await group.bot_becomes("restricted")  # muted
    before = len(world.api.calls_of("sendMessage", alice.id))  # the welcome of /start

    await alice.says("/propose 修水井\n井水浑浊，需要清淤")
    [note] = world.api.calls_of("sendMessage", alice.id)[before:]
    assert "东山村" in note.text and "#1" in note.text and "发言" in note.text
    await bob.says("/propose 修路")
    assert world.api.calls_of("sendMessage", bob.id) == []
    assert [t.title for t in await topics_of(world, group)] == ["修水井", "修路"]


async def test_a_muted_bot_pauses_at_once_and_posts_what_waits_when_unmuted(world):
    group = world.group("东山村")
    chen = group.convenor("chen")
    alice = group.member("alice")
    await group.bot_becomes("restricted")  # muted: may send nothing
    assert not await is_active(world, group)

    await alice.says("/propose 修水井")
    await chen.says("/accept 1")  # accepted all the same; its card waits too
    assert group.bot_messages() == []
    assert apologies(world, group) == []
    [topic] = await topics_of(world, group)
    assert topic.status == "deliberating"

    await group.bot_becomes("restricted", can_send_messages=True)
    assert await is_active(world, group)
    # One card, as the topic is now: accepted, with the stance buttons.
    [card] = [m for m in group.bot_messages() if buttons(m)]
    assert "修水井" in card["text"]
    assert any("担忧" in b["text"] for b in buttons(card))


@pytest.mark.parametrize("refusal", [CHAT_WRITE_FORBIDDEN, NO_RIGHTS_TO_SEND])
async def test_a_ballot_card_refused_waits_and_the_vote_stays_open(world, refusal):
    group = world.group("东山村")
    chen, alice, bob, _carol = await with_draft(world, group)
    world.api.refuse_writes(group.chat_id, refusal)

    await chen.says("/vote 1 1")
    vote = await vote_of(world, group)
    assert vote.is_open and vote.card_message_id is None
    assert ballot_cards(group) == []
    assert not await is_active(world, group)
    assert apologies(world, group) == []

    # Still refused: the card is tried again when the group speaks, and waits again; its row
    # uses up no tries.
    await bob.says("/ballot 1 同意")
    assert ballot_cards(group) == []
    [row] = await rows_of(world, kinds.BALLOT_CARD)
    assert row["done_at"] is None and "attempts" not in row["payload_json"]

    world.api.allow_writes(group.chat_id)
    await world.advance(minutes=1)
    await alice.says("/ballot 1 同意")
    [card] = ballot_cards(group)
    assert "已投 2 人" in card["text"]
    assert await tally_of(world, group) == {"agree": 2}
    [row] = await rows_of(world, kinds.BALLOT_CARD)
    assert row["outcome"] == "done"


async def test_scheduled_cards_wait_while_the_bot_may_not_post_and_none_is_given_up(world):
    group = world.group("东山村")
    chen, alice, bob, carol = await with_draft(world, group)
    await chen.says("/vote 1 1 2h")
    for person in (alice, bob, carol):
        await person.presses(group.last_bot_message(), "同意")
    world.api.set_chat_permissions(group.chat_id)  # members may not write; nobody tells the bot

    await world.advance(hours=3)  # the vote closes; its result card is refused
    await world.advance(days=1)  # long enough for six tries and more
    assert not [m for m in group.bot_messages() if m["text"].startswith("议题 #1 已通过")]
    [row] = await rows_of(world, kinds.POST_RESULT)
    assert row["done_at"] is None, f"given up: {row}"
    assert "attempts" not in row["payload_json"]
    assert not await is_active(world, group)

    # An administrator makes the bot an administrator: Telegram tells it (my_chat_member).
    await group.bot_becomes("administrator", can_delete_messages=True)
    results = [m for m in group.bot_messages() if m["text"].startswith("议题 #1 已通过")]
    assert len(results) == 1, [m["text"][:40] for m in group.bot_messages()]
    [row] = await rows_of(world, kinds.POST_RESULT)
    assert (row["outcome"], row["late"]) == ("done", 1)


async def test_a_deleted_group_stops_its_rows_without_a_traceback_each(world, caplog):
    group = world.group("东山村")
    chen, alice, bob, _carol = await with_draft(world, group)
    await alice.says("/propose 修路")
    await chen.says("/accept 2 1h")
    await chen.says("/vote 1 1 2h")
    await bob.presses(group.last_bot_message(), "同意")
    world.api.remove_chat(group.chat_id)

    caplog.set_level(logging.INFO)
    await world.advance(hours=3)
    await world.advance(days=1)

    tracebacks = [r for r in caplog.records if r.exc_info]
    assert tracebacks == [], [r.getMessage() for r in tracebacks]
    assert not await is_active(world, group)
    async with world.rt.db.read() as tx:
        failed = await tx.scalar("SELECT COUNT(*) FROM scheduled WHERE outcome = 'failed'")
        waiting = await tx.scalar("SELECT COUNT(*) FROM scheduled WHERE done_at IS NULL")
    assert failed == 0
    assert waiting >= 2  # the views notice of #2 and the result card of #1: stopped, not failed


async def test_the_error_handler_never_posts_into_a_group_that_cannot_take_it(world):
    group = world.group("东山村")
    alice = group.member("alice")
    await alice.says("/topics")
    message = alice.message(group.chat, "/topics")
    update = Update.de_json(
        {"update_id": 990_001, "message": {k: v for k, v in message.items() if k != "html"}},
        world.app.bot,
    )
    before = len(world.api.calls_of("sendMessage", group.chat_id))

    def context(error):
        return SimpleNamespace(error=error, application=world.app, bot=world.app.bot)

    # The error is the group's refusal itself...
    await errors.on_error(update, context(BadRequest(f"Bad Request: {NOT_ENOUGH_RIGHTS}")))
    # ...or any error in a group that is paused.
    await chat_service.set_active(world.rt, group.chat_id, False)
    await errors.on_error(update, context(RuntimeError("something broke")))
    assert len(world.api.calls_of("sendMessage", group.chat_id)) == before

    # In a group that takes messages the apology is still made.
    await chat_service.set_active(world.rt, group.chat_id, True)
    await errors.on_error(update, context(RuntimeError("something broke")))
    assert len(apologies(world, group)) == 1


# ----- secret ballot in a group where the bot may not delete messages ----------------------------
async def test_a_secret_ballot_typed_in_the_group_is_refused_when_the_bot_cannot_delete_it(world):
    group = world.group("东山村")
    chen, _alice, bob, carol = await with_draft(world, group, secret=True)
    await chen.says("/vote 1 1")  # the bot is a plain member: it may not delete messages
    card = group.last_bot_message()
    assert "无记名投票" in card["text"]
    assert "不要在群里输入 /ballot" in card["text"], card["text"]

    said = await bob.says("/ballot 1 反对 太贵了")
    refusal = group.last_bot_message()
    assert refusal["text"].startswith("本次是无记名投票"), refusal["text"]
    assert "投票卡上的按钮" in refusal["text"]
    assert f"https://t.me/shangliang_test_bot?start=bv_{group.chat_id}_1" in refusal["text"]
    assert refusal["reply_to_message"]["message_id"] == said["message_id"]
    assert await tally_of(world, group) == {}, "a ballot everyone can read was counted"

    # The buttons keep it secret.
    await bob.presses(card, "反对")
    assert await tally_of(world, group) == {"disagree": 1}

    # Made an administrator with the right to delete messages (Telegram tells the bot): typed
    # ballots are taken again, and taken away from the group's eyes.
    await group.bot_becomes("administrator", can_delete_messages=True)
    await world.advance(seconds=5)  # the card edit
    shown = world.api.messages[(group.chat_id, card["message_id"])]
    assert "不要在群里输入 /ballot" not in shown["text"]
    said = await carol.says("/ballot 1 同意")
    assert (group.chat_id, said["message_id"]) not in world.api.messages
    assert await tally_of(world, group) == {"disagree": 1, "agree": 1}

    # In a basic group every administrator may delete messages.
    basic_id = -4_000_123
    world.api.add_chat(basic_id, "group", "西山村")
    world.api.set_bot_rights(basic_id)  # an administrator, no granular right granted
    basic = Group(world, basic_id, "西山村")
    chen, _alice, bob, _carol = await with_draft(world, basic, secret=True)
    await chen.says("/vote 1 1")
    assert "不要在群里输入 /ballot" not in basic.last_bot_message()["text"]
    said = await bob.says("/ballot 1 同意")
    assert (basic_id, said["message_id"]) not in world.api.messages
    assert await tally_of(world, basic) == {"agree": 1}


# ----- questions aimed at one member ------------------------------------------------------------
def question_of(world, group):
    """The bot's latest question in the group (a ForceReply), as stored by the fake."""
    asked = [
        m
        for (cid, _), m in sorted(world.api.messages.items(), key=lambda kv: kv[0][1])
        if cid == group.chat_id and "asked" in m
    ]
    assert asked, "no question in the group"
    return asked[-1]


def aimed_at(question, person) -> bool:
    """Telegram opens a selective ForceReply's reply box for users mentioned in its text (a
    tg://user link counts) and for the author of the message it replies to."""
    force = question["asked"]
    assert force.get("force_reply") and force.get("selective"), force
    mentioned = f"tg://user?id={person.id}" in question["html"]
    replied = ((question.get("reply_to_message") or {}).get("from") or {}).get("id") == person.id
    return mentioned or replied


async def test_every_question_in_the_group_is_aimed_at_its_member(world):
    group = world.group("东山村")
    chen = group.convenor("chen")
    alice, bob, carol = (group.member(n) for n in ("alice", "bob", "carol"))

    await alice.says("/propose")
    assert aimed_at(question_of(world, group), alice)
    await alice.replies_to(question_of(world, group), "修路灯\n主街路灯坏了一半")
    await chen.says("/accept 1 1h 1h")

    await alice.presses(group.last_bot_message(), "担忧")
    assert aimed_at(question_of(world, group), alice)
    await alice.replies_to(question_of(world, group), "经费从哪里来？")

    await alice.says("/draft 1 一个月内换好主街路灯。")
    await chen.says("/vote 1 1")
    ballot = group.last_bot_message()
    await bob.presses(ballot, "否决")
    block_question = question_of(world, group)
    assert aimed_at(block_question, bob), block_question["html"]
    for person in (alice, bob, carol):
        await person.presses(ballot, "同意")  # Bob changes his mind
    await chen.says("/close 1")

    hello = await bob.says("我来负责")
    await chen.replies_to(hello, "/action 1 30d 更换路灯")
    await world.advance(days=7)
    followup = group.last_bot_message()
    await bob.presses(followup, "📈 报告 A1 进展")
    progress_question = question_of(world, group)
    assert aimed_at(progress_question, bob), progress_question["html"]


async def test_an_answer_in_the_wrong_place_is_pointed_to_the_question_once(world):
    group = world.group("东山村")
    chen = group.convenor("chen")
    alice = group.member("alice")
    await alice.says("/propose 修水井")
    await chen.says("/accept 1")
    card = group.last_bot_message()
    await alice.presses(card, "担忧")
    question = question_of(world, group)

    # She answers by replying to the card (which the bot sees even in privacy mode).
    wrong = await alice.replies_to(card, "井边要装护栏")
    pointer = group.last_bot_message()
    assert pointer["text"].startswith("Alice，这条没有当作你的回答"), pointer["text"]
    assert pointer["reply_to_message"]["message_id"] == wrong["message_id"]
    assert aimed_at(world.api.messages[(group.chat_id, pointer["message_id"])], alice)
    # Told once: a second misplaced answer gets no second pointer.
    sent = len(group.sent())
    await alice.replies_to(card, "还要加盖子")
    assert len(group.sent()) == sent

    # A reply to the pointer is the answer.
    await alice.replies_to(pointer, "井边要装护栏，还要加盖子")
    async with world.rt.db.read() as tx:
        topic = await topic_repo.get_topic(tx, group.chat_id, 1)
        stances = await tx.fetchall(
            "SELECT stance, text FROM views WHERE topic_id = ?", (topic.id,)
        )
    assert [(r["stance"], r["text"]) for r in stances] == [("concern", "井边要装护栏，还要加盖子")]
    # The question and the pointer are gone from the group.
    assert (group.chat_id, question["message_id"]) not in world.api.messages
    assert (group.chat_id, pointer["message_id"]) not in world.api.messages


# ----- presses answered before anything else is sent ---------------------------------------------
async def test_a_secret_block_is_answered_before_the_private_question_is_sent(world):
    group = world.group("东山村")
    chen, _alice, _bob, carol = await with_draft(world, group, secret=True)
    await chen.says("/vote 1 1")
    ballot = group.last_bot_message()
    await carol.starts_bot()

    world.api.answer_window = 0.25
    world.api.delay.update(sendMessage=0.3)
    answer = await carol.presses(ballot, "否决")
    assert answer is not None, "answered after the private question: Telegram refused it"
    assert answer.params["text"] == "我已在私聊中询问你的理由。"
    assert "投否决票的理由" in carol.last_private_message()["text"]


# ----- found in review: refusals after the use case committed ---------------------------------
async def test_a_reopen_the_group_refuses_leaves_its_card_waiting_not_lost(world):
    group = world.group("东山村")
    chen, alice, bob, carol = await with_draft(world, group)
    await chen.says("/vote 1 1 2h")
    for person in (alice, bob, carol):
        await person.presses(group.last_bot_message(), "同意")
    await world.advance(hours=3)

    def stance_cards():
        return [m for m in group.bot_messages() if any("担忧" in b["text"] for b in buttons(m))]

    before = len(stance_cards())
    world.api.refuse_writes(group.chat_id, CHAT_WRITE_FORBIDDEN)
    await chen.says("/reopen 1")
    [topic] = await topics_of(world, group)
    assert topic.status == "deliberating"
    [row] = await rows_of(world, kinds.TOPIC_CARD)
    assert row["done_at"] is None

    world.api.allow_writes(group.chat_id)
    await world.advance(minutes=1)
    await chen.says("/topics")
    assert await is_active(world, group)
    assert len(stance_cards()) == before + 1, "the reopened topic's card, once"


async def test_a_look_at_a_topic_asked_while_the_group_refuses_is_not_posted_later(world):
    group = world.group("东山村")
    chen, alice = group.convenor("chen"), group.member("alice")
    await alice.says("/propose 修水井")
    await chen.says("/decline 1 不需要")
    world.api.refuse_writes(group.chat_id, CHAT_WRITE_FORBIDDEN)
    await alice.says("/topic 1")
    assert await rows_of(world, kinds.TOPIC_CARD) == []

    world.api.allow_writes(group.chat_id)
    await world.advance(hours=5)
    shown = len(group.bot_messages())
    await chen.says("/topics")
    assert not any(
        "修水井" in m["text"] and "不予受理" in m["text"] for m in group.bot_messages()[shown:-1]
    )


async def test_an_anonymous_view_the_group_refuses_is_kept_and_its_writer_told(world):
    from tests.kit.story import deep_link_payload

    group = world.group("东山村")
    chen, alice = group.convenor("chen"), group.member("alice")
    dan = group.member("dan")
    await alice.says("/propose 修水井")
    await chen.says("/accept 1")
    card = group.last_bot_message()
    [link] = [b for b in buttons(card) if "start=av_" in str(b.get("url"))]
    await dan.says_privately(f"/start {deep_link_payload(link['url'])}")
    await dan.presses_privately(dan.last_private_message(), "担忧")
    world.api.refuse_writes(group.chat_id, CHAT_WRITE_FORBIDDEN)
    await dan.says_privately("分摊费用对困难户不公平")

    told = dan.last_private_message()["text"]
    assert "已记下并计入" in told and "/views 1" in told
    assert not await is_active(world, group)
    [row] = await rows_of(world, kinds.TOPIC_CARD)
    assert row["done_at"] is None


async def test_a_typed_secret_ballot_that_cannot_be_deleted_after_all_asks_its_writer_to(world):
    """The right to delete was there when the vote opened, and taken without Telegram telling
    the bot: the ballot counts, and its writer is asked, by name, to delete it themselves."""
    group = world.group("东山村")
    world.api.set_bot_rights(group.chat_id, can_delete_messages=True)
    chen, _alice, bob, _carol = await with_draft(world, group, secret=True)
    await chen.says("/vote 1 1")
    world.api.set_bot_rights(group.chat_id)  # no right any more; no my_chat_member either

    said = await bob.says("/ballot 1 反对")
    assert (group.chat_id, said["message_id"]) in world.api.messages
    asked = group.last_bot_message()
    assert "请你自己删除" in asked["text"] and f"tg://user?id={bob.id}" in asked.get("html", "")
    assert await tally_of(world, group) == {"disagree": 1}
