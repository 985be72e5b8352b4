"""Forum groups (论坛式超级群): every message about a 议题 goes to the thread where it lives.

A 议题 proposed in a thread lives there; accepted in a forum where the bot may manage topics,
it gets a thread of its own, "#N title", where its cards, views, drafts, vote, result and
follow-up go from then on; that thread is closed when the 议题 ends and reopened with /reopen.
Without the right, or with the group's `topic_threads` setting off, it stays where it was
proposed. A command in General is answered in General, without message_thread_id.
"""

from __future__ import annotations

from datetime import UTC, datetime

from bot.rules import threads as rules
from bot.rules.phases import Status
from storage import chats as chat_repo
from storage import topics as topic_repo
from tests.kit.fake_api import BOT_ID, THREAD_NOT_FOUND, TOPIC_CLOSED
from tests.kit.story import button_labels

TITLE = "修缮村口水井"


async def village_forum(world, can_manage_topics: bool = True):
    """东山村, a forum with a thread "村务" where matters are raised; the bot is an
    administrator that may manage topics (or a plain member). Monday 2 March 2026, 10:00
    Shanghai time (outside quiet hours)."""
    world.clock.set(datetime(2026, 3, 2, 2, 0, tzinfo=UTC))
    forum = world.group("东山村", forum=True)
    chen = forum.convenor("chen")
    alice, bob, carol = (forum.member(n) for n in ("alice", "bob", "carol"))
    if can_manage_topics:
        world.api.set_bot_rights(forum.chat_id, can_manage_topics=True)
    affairs = forum.thread("村务", by=chen)
    return forum, affairs, chen, alice, bob, carol


def thread_of(world, forum, message) -> int | None:
    return world.api.thread_of(forum.chat_id, message["message_id"])


def thread_named(world, forum, name: str) -> int | None:
    found = [
        thread_id
        for (chat_id, thread_id), thread in world.api.threads.items()
        if chat_id == forum.chat_id and thread["name"] == name
    ]
    assert len(found) <= 1, found
    return found[0] if found else None


async def topic_row(world, forum, number: int = 1):
    async with world.rt.db.read() as tx:
        return await topic_repo.get_topic(tx, forum.chat_id, number)


def no_thread_refusals(world) -> None:
    why = [w for _call, _code, w in world.api.refusals if w in (THREAD_NOT_FOUND, TOPIC_CLOSED)]
    assert not why, why


async def test_a_whole_deliberation_in_a_forum_lives_in_the_topics_own_thread(world):
    forum, affairs, chen, alice, bob, carol = await village_forum(world)

    await alice.says_in(affairs, f"/propose {TITLE}\n水井年久失修，夏天水质差。")
    proposal = forum.last_bot_message()
    assert f"议题 #1：{TITLE}" in proposal["text"]
    assert thread_of(world, forum, proposal) == affairs  # where it was proposed
    await bob.presses(proposal, "附议")

    await chen.presses(proposal, "受理")
    own = thread_named(world, forum, f"#1 {TITLE}")
    assert own is not None and own != affairs
    assert world.api.thread(forum.chat_id, own)["creator"] == BOT_ID
    topic = await topic_row(world, forum)
    assert (topic.thread_id, topic.own_thread) == (own, True)
    # The proposal card, where it was, points to the new thread; the new card is there.
    retired = world.api.messages[(forum.chat_id, proposal["message_id"])]
    assert "它在自己的话题中继续" in retired["text"] and "reply_markup" not in retired
    assert f"https://t.me/c/{str(forum.chat_id)[4:]}/{own}" in retired["html"]
    card = forum.last_bot_message()
    assert thread_of(world, forum, card) == own and "征集意见截止" in card["text"]
    after_accept = len(forum.bot_messages())

    # Views, a stance button's question and its answer, the listing: all in the thread.
    await bob.says_in(own, "/view 1 support 支持，早该修了")
    await carol.presses(card, "建议")
    question = forum.last_bot_message()
    assert thread_of(world, forum, question) == own and "建议" in question["text"]
    await carol.replies_to(question, "建议请村委会公开预算")
    await alice.says_in(own, "/views 1")
    listing = forum.last_bot_message()
    assert thread_of(world, forum, listing) == own
    assert "支持，早该修了" in listing["text"] and "公开预算" in listing["text"]

    # The views close on schedule: the notice goes to the thread too.
    await world.advance(days=3, minutes=1)
    notice = forum.last_bot_message()
    assert "意见征集已截止" in notice["text"] and thread_of(world, forum, notice) == own

    # Wording and vote.
    await alice.says_in(own, "/draft 1 村委会年内修缮水井，费用由村集体承担。")
    draft = forum.last_bot_message()
    assert thread_of(world, forum, draft) == own
    await alice.says_in(own, "/drafts 1")
    assert thread_of(world, forum, forum.last_bot_message()) == own
    await chen.says_in(own, "/vote 1 1 1d")
    ballot = forum.last_bot_message()
    assert thread_of(world, forum, ballot) == own and "费用由村集体承担" in ballot["text"]
    for person in (alice, bob, carol):
        assert await person.presses(ballot, "同意") is not None
    await world.advance(hours=25)
    result = forum.last_bot_message()
    assert "通过" in result["text"] and thread_of(world, forum, result) == own

    # Follow-up: an action, and the card seven days after adoption.
    volunteer = await bob.says_in(own, "我来联系施工队")
    await chen.replies_to(volunteer, "/action 1 14d 联系施工队修井")
    assert thread_of(world, forum, forum.last_bot_message()) == own
    await world.advance(days=7)
    followup = forum.last_bot_message()
    assert "联系施工队修井" in followup["text"] and thread_of(world, forum, followup) == own
    assert len(button_labels(followup)) > 0

    # Everything since the acceptance is in its thread; nothing ever went to General.
    assert all(thread_of(world, forum, m) == own for m in forum.bot_messages()[after_accept:])
    assert forum.bot_messages_in(None) == []

    # Done: the final round on the living card in the thread (edited in place, no new card),
    # then the thread is closed (the 议题 has ended).
    await bob.says_in(own, "/done A1 已修好")
    final = followup  # the fake keeps a message's latest state
    assert "议题 #1 已完成" in final["text"] and thread_of(world, forum, final) == own
    assert button_labels(final)
    assert (await topic_row(world, forum)).status == Status.DONE
    assert world.api.thread(forum.chat_id, own)["is_closed"] is True
    assert [c.params["message_thread_id"] for c in world.api.calls_of("closeForumTopic")] == [own]

    # /reopen (a convenor may still write in the closed thread) reopens it.
    await chen.says_in(own, "/reopen 1")
    assert world.api.thread(forum.chat_id, own)["is_closed"] is False
    reopened, new_card = forum.bot_messages()[-2:]
    assert "重新进入协商" in reopened["text"] and thread_of(world, forum, reopened) == own
    assert thread_of(world, forum, new_card) == own and "征集意见截止" in new_card["text"]

    # /end closes it for good; the answer is posted before it closes.
    await chen.says_in(own, "/end 1")
    closing = forum.last_bot_message()
    assert "议题 #1 已结束" in closing["text"] and thread_of(world, forum, closing) == own
    assert world.api.thread(forum.chat_id, own)["is_closed"] is True
    assert world.api.thread(forum.chat_id, affairs)["is_closed"] is False  # not the bot's
    assert forum.bot_messages_in(None) == []
    no_thread_refusals(world)


async def test_without_the_right_to_manage_topics_everything_stays_where_it_was_proposed(world):
    forum, affairs, chen, alice, bob, carol = await village_forum(world, can_manage_topics=False)

    await alice.says_in(affairs, f"/propose {TITLE}")
    await chen.presses(forum.last_bot_message(), "受理")
    card = forum.last_bot_message()
    assert "征集意见截止" in card["text"] and thread_of(world, forum, card) == affairs
    assert world.api.calls_of("createForumTopic") == []  # asked getChatMember first
    topic = await topic_row(world, forum)
    assert (topic.thread_id, topic.own_thread) == (affairs, False)

    await bob.says_in(affairs, "/view 1 concern 担心费用分摊不公平")
    await carol.presses(card, "支持")
    await carol.replies_to(forum.last_bot_message(), "支持修井")
    await world.advance(days=3, minutes=1)
    assert "意见征集已截止" in forum.last_bot_message()["text"]
    await alice.says_in(affairs, "/draft 1 村委会年内修缮水井。")
    await chen.says_in(affairs, "/vote 1 1 1d")
    ballot = forum.last_bot_message()
    for person in (alice, bob, carol):
        await person.presses(ballot, "同意")
    await world.advance(hours=25)
    assert "通过" in forum.last_bot_message()["text"]
    await chen.says_in(affairs, "/action 1 14d 联系施工队")
    await world.advance(days=7)
    assert "联系施工队" in forum.last_bot_message()["text"]  # the 7-day follow-up card
    await chen.says_in(affairs, "/end 1")
    assert "议题 #1 已结束" in forum.last_bot_message()["text"]

    assert forum.bot_messages_in(None) == []
    assert len(forum.bot_messages_in(affairs)) == len(forum.bot_messages())
    # The thread it was proposed in is the members', not the bot's: it stays open.
    assert world.api.calls_of("closeForumTopic") == []
    assert world.api.thread(forum.chat_id, affairs)["is_closed"] is False
    no_thread_refusals(world)


async def test_a_command_in_general_is_answered_in_general_without_a_thread_id(world):
    forum, _affairs, chen, alice, bob, _carol = await village_forum(world)

    await alice.says(f"/propose {TITLE}")
    proposal = forum.last_bot_message()
    assert thread_of(world, forum, proposal) is None
    await chen.says("/accept 1")
    own = thread_named(world, forum, f"#1 {TITLE}")
    assert own is not None
    assert thread_of(world, forum, forum.last_bot_message()) == own  # the card follows it

    # Asked in General, answered in General: no message_thread_id at all (Telegram refuses
    # General's id with "message thread not found").
    await bob.says("/views 1")
    listing = forum.last_bot_message()
    assert (
        thread_of(world, forum, listing) is None and f"议题 #1 的意见：{TITLE}" in listing["text"]
    )
    await bob.says("/topic 1")
    shown = forum.last_bot_message()
    assert thread_of(world, forum, shown) is None and f"议题 #1：{TITLE}" in shown["text"]
    # A reply inside General may carry the replied-to message's id as message_thread_id,
    # without is_topic_message: it is still General.
    quirk = bob.message(forum.chat, "/topics", reply_to=listing)
    quirk["message_thread_id"] = listing["message_id"]
    world.api.store_message(quirk)
    await world.feed({"message": {k: v for k, v in quirk.items() if k != "html"}})
    answer = forum.last_bot_message()
    assert thread_of(world, forum, answer) is None and f"#1 {TITLE}" in answer["text"]
    general = [c for c in forum.sent() if c.result and "message_thread_id" not in c.result]
    assert general and all(c.thread_id is None for c in general)
    no_thread_refusals(world)


async def test_what_a_command_asks_for_goes_to_the_topics_thread_wherever_it_is_typed(world):
    """A draft, a vote or an end typed in General or another thread: the draft card, the
    ballot card and the closing notice go to the topic's own thread (its record stays whole),
    and where the command was typed one line says where they went."""
    forum, affairs, chen, alice, _bob, _carol = await village_forum(world)
    await alice.says_in(affairs, f"/propose {TITLE}")
    await chen.presses(forum.last_bot_message(), "受理")
    own = thread_named(world, forum, f"#1 {TITLE}")
    await world.advance(days=3, minutes=1)

    await alice.says_in(affairs, "/draft 1 村委会年内修缮水井。")
    draft_card, pointer = forum.bot_messages()[-2:]
    assert "村委会年内修缮水井" in draft_card["text"] and thread_of(world, forum, draft_card) == own
    assert "议题 #1 的话题" in pointer["text"] and thread_of(world, forum, pointer) == affairs

    await chen.says("/vote 1 1 1d")
    ballot, pointer = forum.bot_messages()[-2:]
    assert "同意" in str(ballot.get("reply_markup")) and thread_of(world, forum, ballot) == own
    assert "议题 #1 的话题" in pointer["text"] and thread_of(world, forum, pointer) is None

    await chen.says("/close 1")
    await world.run_due()
    assert any(
        "议题 #1 的话题" in m["text"] and thread_of(world, forum, m) is None
        for m in forum.bot_messages()[-3:]
    )
    await chen.says("/end 1")
    await world.run_due()
    ended = [m for m in forum.bot_messages_in(own) if "议题 #1 已结束" in m["text"]]
    assert ended, "the thread closes with its last word in it"
    assert "议题 #1 的话题" in forum.bot_messages_in(None)[-1]["text"]
    no_thread_refusals(world)


async def test_the_setting_off_keeps_each_topic_where_it_was_proposed(world):
    forum, affairs, chen, alice, _bob, _carol = await village_forum(world)

    await chen.says("/settings topic_threads off")
    assert forum.last_bot_message()["text"] == "设置项 topic_threads 已改为 off。"
    await chen.says("/settings")
    assert (
        "在论坛式群组中，每个受理的议题单独开一个话题：关（改为开启：/settings 独立话题 on）"
        in (forum.last_bot_message()["text"])
    )
    await alice.says_in(affairs, f"/propose {TITLE}")
    await chen.says_in(affairs, "/accept 1")
    assert world.api.calls_of("createForumTopic") == []
    card = forum.last_bot_message()
    assert thread_of(world, forum, card) == affairs and "征集意见截止" in card["text"]

    await chen.says("/settings topic_threads on")
    await alice.says_in(affairs, "/propose 修路")
    await chen.says_in(affairs, "/accept 2")
    assert thread_named(world, forum, "#2 修路") is not None


async def test_a_thread_that_cannot_be_opened_leaves_the_topic_accepted_where_it_was(world):
    forum, affairs, chen, alice, _bob, _carol = await village_forum(world)
    await alice.says_in(affairs, f"/propose {TITLE}")
    await alice.says_in(affairs, "/propose 修路")
    await chen.says_in(affairs, "/accept 1")
    assert thread_named(world, forum, f"#1 {TITLE}") is not None  # the right is known now
    # An administrator takes the right away; the bot hears nothing of it.
    world.api.set_status(forum.chat_id, BOT_ID, "member")
    await chen.says_in(affairs, "/accept 2")
    assert thread_named(world, forum, "#2 修路") is None
    topic = await topic_row(world, forum, 2)
    assert topic.status == Status.DELIBERATING and topic.thread_id == affairs
    card = forum.last_bot_message()
    assert "议题 #2：修路" in card["text"] and thread_of(world, forum, card) == affairs
    # The right is asked again next time, not remembered as lost.
    world.api.set_bot_rights(forum.chat_id, can_manage_topics=True)
    await alice.says_in(affairs, "/propose 修桥")
    await chen.says_in(affairs, "/accept 3")
    assert thread_named(world, forum, "#3 修桥") is not None


async def test_a_thread_deleted_by_an_administrator_sends_the_topic_to_general(world):
    forum, affairs, chen, alice, _bob, _carol = await village_forum(world)
    await alice.says_in(affairs, f"/propose {TITLE}")
    await chen.says_in(affairs, "/accept 1 1h")
    own = thread_named(world, forum, f"#1 {TITLE}")
    assert own is not None and thread_of(world, forum, forum.last_bot_message()) == own
    world.api.delete_thread(forum.chat_id, own)
    await world.advance(hours=1, minutes=1)  # the views-closed notice has nowhere to go
    notice = forum.last_bot_message()
    assert "意见征集已截止" in notice["text"] and thread_of(world, forum, notice) is None
    assert (await topic_row(world, forum)).thread_id is None  # forgotten: no second refusal
    await chen.says("/draft 1 年内修缮水井")
    await chen.says("/vote 1 1")
    assert thread_of(world, forum, forum.last_bot_message()) is None
    assert [w for _c, _code, w in world.api.refusals].count(THREAD_NOT_FOUND) == 1


async def test_the_forum_flag_is_kept_as_telegram_reports_it(world):
    forum, affairs, chen, alice, bob, _carol = await village_forum(world, can_manage_topics=False)
    await alice.says_in(affairs, f"/propose {TITLE}")
    await chen.says_in(affairs, "/accept 1 1h")
    await world.advance(hours=1, minutes=1)
    notice = forum.sent()[-1]
    assert "意见征集已截止" in notice.text and notice.thread_id == affairs
    async with world.rt.db.read() as tx:
        assert (await chat_repo.get_chat(tx, forum.chat_id)).is_forum is True
    # The administrators turn topics off: Telegram stops calling it a forum, and messages
    # about the topic go to the group without a thread.
    del world.api.chats[forum.chat_id]["is_forum"]
    await chen.says("/draft 1 年内修缮水井")
    async with world.rt.db.read() as tx:
        assert (await chat_repo.get_chat(tx, forum.chat_id)).is_forum is False
    await chen.says("/vote 1 1 1h")
    await bob.presses(forum.last_bot_message(), "同意")
    await world.advance(hours=1, minutes=1)
    result = forum.sent()[-1]
    assert "议题 #1 未通过" in result.text  # the quorum is not met: still a result card
    assert all(c.thread_id is None for c in forum.sent()[-3:])


def test_a_threads_name_is_number_and_title_within_telegrams_128_characters():
    assert rules.thread_name(3, "修缮  村口\n水井") == "#3 修缮 村口 水井"
    long = rules.thread_name(12, "水" * 200)
    assert len(long) == 128 and long.startswith("#12 水") and long.endswith("…")
    # Telegram counts UTF-16 code units: an emoji is two.
    emoji = rules.thread_name(1, "🚰" * 100)
    assert len(emoji.encode("utf-16-le")) // 2 <= 128 and emoji.endswith("…")


def test_where_a_message_goes():
    # General's replies may carry the replied-to id without being in a thread.
    assert rules.thread_of_message(True, 57, None) is None
    assert rules.thread_of_message(True, 57, True) == 57
    assert rules.thread_of_message(False, 57, True) is None
    assert rules.thread_of_message(True, 1, True) is None
    assert rules.topic_thread(True, 57) == 57
    assert rules.topic_thread(False, 57) is None and rules.topic_thread(True, None) is None
    assert rules.may_manage_topics("administrator", True)
    assert not rules.may_manage_topics("administrator", False)
    assert not rules.may_manage_topics("member", None)
    assert rules.may_manage_topics("creator", None)
    ended = {s for s in Status if not rules.thread_open(s)}
    assert ended == {
        Status.CLOSED,
        Status.DECLINED,
        Status.WITHDRAWN,
        Status.MERGED,
        Status.ESCALATED,
        Status.DONE,
    }
