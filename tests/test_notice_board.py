"""One notice board per group (issue 12): where the bot may pin, one pinned message lists the
topics still alive with their phase, edited in place as they move (a burst of changes costs
one edit); /board shows it, as a fresh message where the bot may not pin."""

from __future__ import annotations

from bot import times
from storage import message_records
from storage import topics as topic_repo
from tests.kit.fake_api import BOT_ID, NO_RIGHTS_TO_PIN
from tests.kit.story import Group


async def board_id(world, group):
    async with world.rt.db.read() as tx:
        return await message_records.board_of(tx, group.chat_id)


async def topic_of(world, group, number=1):
    async with world.rt.db.read() as tx:
        return await topic_repo.get_topic(tx, group.chat_id, number)


def shown(world, group, message_id):
    return world.api.messages[(group.chat_id, message_id)]


def edits_of(world, group, message_id):
    return [c for c in group.edits() if int(c.params["message_id"]) == message_id]


async def pinning_group(world, forum=False):
    group = world.group("东山村", forum=forum)
    world.api.set_bot_rights(group.chat_id, can_pin_messages=True)
    return group, group.convenor("chen")


async def test_a_board_is_posted_pinned_silently_once_and_edited_in_place(world):
    group, chen = await pinning_group(world)
    alice = group.member("alice")
    await alice.says("/propose 修水井")
    await world.run_due()

    first = await board_id(world, group)
    assert first is not None
    assert world.api.pinned_in(group.chat_id) == [first]
    [pin] = world.api.calls_of("pinChatMessage", group.chat_id)
    assert pin.params["disable_notification"] is True
    board = shown(world, group, first)["text"]
    assert board.startswith("📌 公告栏：本群的议题")
    assert "待召集人受理\n#1 修水井" in board
    assert "看某个议题的卡片：/topic 编号。" in board

    await chen.says("/accept 1")
    await world.run_due()
    assert await board_id(world, group) == first  # the same message, edited
    topic = await topic_of(world, group)
    when = times.deadline(topic.phase_deadline, "Asia/Shanghai", "zh", None)
    board = shown(world, group, first)["text"]
    assert f"协商中\n#1 修水井：征集意见截止 {when}" in board
    assert "（北京时间）" in when and "还剩" not in board  # no time left to go stale
    assert len(world.api.calls_of("pinChatMessage", group.chat_id)) == 1
    # The board is no card of a topic: it is not the last word in the chat.
    assert group.last_bot_message()["message_id"] != first


async def test_a_burst_of_changes_costs_one_edit_and_no_change_costs_none(world):
    group, chen = await pinning_group(world)
    alice, bob, dan = group.member("alice"), group.member("bob"), group.member("dan")
    await alice.says("/propose 修水井")
    await world.run_due()
    board = await board_id(world, group)

    await bob.says("/propose 修路")
    await dan.says("/propose 装路灯")
    await chen.says("/accept 1")
    await bob.says("/support 2")
    await dan.says("/support 2")
    await world.run_due()
    assert len(edits_of(world, group, board)) == 1
    text = shown(world, group, board)["text"]
    assert "#2 修路" in text and "#3 装路灯" in text and "#1 修水井：征集意见截止" in text

    # A second supporter changes nothing the board shows: no call at all.
    await alice.says("/support 3")
    await world.run_due()
    assert len(edits_of(world, group, board)) == 1


async def test_a_board_someone_deleted_is_posted_again_once(world):
    group, chen = await pinning_group(world)
    alice = group.member("alice")
    await alice.says("/propose 修水井")
    await world.run_due()
    old = await board_id(world, group)
    world.api.delete_by_person(group.chat_id, old)

    await chen.says("/accept 1")
    await world.run_due()
    new = await board_id(world, group)
    assert new is not None and new != old
    assert world.api.pinned_in(group.chat_id) == [new]
    assert "协商中" in shown(world, group, new)["text"]
    refused = [c for c, _code, _why in world.api.refusals if c.method == "editMessageText"]
    assert len(refused) == 1  # tried once, then posted anew: no loop

    await alice.says("/propose 修路")
    await world.run_due()
    assert await board_id(world, group) == new
    assert "#2 修路" in shown(world, group, new)["text"]
    assert len(world.api.calls_of("pinChatMessage", group.chat_id)) == 2


async def test_without_the_right_to_pin_nothing_is_posted_and_board_shows_it(world):
    group = world.group("东山村")  # the bot is a plain member of a supergroup
    chen = group.convenor("chen")
    alice = group.member("alice")
    await alice.says("/propose 修水井")
    await chen.says("/accept 1")
    sent = len(group.sent())
    await world.run_due()
    assert len(group.sent()) == sent
    assert await board_id(world, group) is None
    assert world.api.calls_of("pinChatMessage", group.chat_id) == []

    await alice.says("/board")
    answer = group.last_bot_message()
    assert answer["text"].startswith("📌 公告栏：本群的议题")
    assert "#1 修水井：征集意见截止" in answer["text"]
    assert world.api.pinned_in(group.chat_id) == []
    # Asked again later: a fresh message again, and still no pin tried.
    await alice.says("/board")
    assert group.last_bot_message()["message_id"] != answer["message_id"]
    assert world.api.calls_of("pinChatMessage", group.chat_id) == []


async def test_a_pin_refused_after_all_removes_the_post_and_does_not_loop(world):
    group, chen = await pinning_group(world)
    alice = group.member("alice")
    await alice.says("/propose 修水井")
    await world.run_due()
    old = await board_id(world, group)
    # The right to pin is taken without a word to the bot, and the board deleted.
    world.api.set_bot_rights(group.chat_id, can_delete_messages=True)
    world.api.delete_by_person(group.chat_id, old)

    await chen.says("/accept 1")
    await world.run_due()
    [(_call, code, why)] = [r for r in world.api.refusals if r[0].method == "pinChatMessage"]
    assert (code, why) == (400, NO_RIGHTS_TO_PIN)
    assert await board_id(world, group) is None
    # The message posted for it went again: the group keeps no stray board.
    assert not any(m["text"].startswith("📌") for m in group.bot_messages())

    await alice.says("/propose 修路")
    await alice.says("/support 1")
    await world.run_due()
    # The pin that worked and the one refused: none tried since.
    assert len(world.api.calls_of("pinChatMessage", group.chat_id)) == 2
    await alice.says("/board")
    assert group.last_bot_message()["text"].startswith("📌 公告栏")


async def test_board_where_it_is_pinned_links_to_it(world):
    group, _chen = await pinning_group(world)
    alice = group.member("alice")
    await alice.says("/board")  # no topic yet: nothing to pin, the board is shown
    assert "目前没有进行中的议题" in group.last_bot_message()["text"]
    assert await board_id(world, group) is None

    await alice.says("/propose 修水井")
    await alice.says("/board")  # brought up to date and pinned now, not waiting for the edit
    board = await board_id(world, group)
    assert board is not None and "#1 修水井" in shown(world, group, board)["text"]
    answer = group.last_bot_message()
    assert answer["text"] == "公告栏置顶在本群顶部，我会随时更新。"
    internal = str(group.chat_id)[4:]
    assert f'href="https://t.me/c/{internal}/{board}"' in answer["html"]


async def test_in_a_basic_group_members_may_pin_unless_the_group_forbids_it(world):
    api = world.api
    api.add_chat(-5001, "group", "西山村")
    api.set_status(-5001, BOT_ID, "member")
    west = Group(world, -5001, "西山村")
    alice = west.member("alice")
    await alice.says("/propose 修水井")
    await world.run_due()
    board = await board_id(world, west)
    assert board is not None and api.pinned_in(-5001) == [board]

    api.add_chat(-5002, "group", "北山村")
    api.set_status(-5002, BOT_ID, "member")
    api.set_chat_permissions(-5002, can_send_messages=True)  # members may not pin
    north = Group(world, -5002, "北山村")
    bob = north.member("bob")
    await bob.says("/propose 修路")
    await world.run_due()
    assert await board_id(world, north) is None
    assert api.calls_of("pinChatMessage", -5002) == []


async def test_in_a_forum_the_board_is_in_general(world):
    group, chen = await pinning_group(world, forum=True)
    well = group.thread("水井")
    alice = group.member("alice")
    await alice.says_in(well, "/propose 修水井")
    await world.run_due()
    board = await board_id(world, group)
    assert board is not None
    assert world.api.thread_of(group.chat_id, board) is None
    assert world.api.calls_of("pinChatMessage", group.chat_id)[0].params["message_id"] == board


async def test_a_paused_group_gets_no_board_edits_until_it_resumes(world):
    group, chen = await pinning_group(world)
    alice, bob = group.member("alice"), group.member("bob")
    await alice.says("/propose 修水井")
    await world.run_due()
    board = await board_id(world, group)

    await group.bot_becomes("restricted")  # muted: the group pauses
    await bob.says("/withdraw 1")  # nothing the board could follow now
    await alice.says("/withdraw 1")
    await world.run_due()
    assert edits_of(world, group, board) == []

    await group.bot_becomes("administrator", can_pin_messages=True)
    await world.run_due()
    assert "目前没有进行中的议题" in shown(world, group, board)["text"]
    assert len(edits_of(world, group, board)) == 1


async def test_english_board(world):
    group, chen = await pinning_group(world)
    await chen.says("/language en")
    alice = group.member("alice", language="en")
    await alice.says("/propose Fix the well")
    await world.run_due()
    text = shown(world, group, await board_id(world, group))["text"]
    assert text.startswith(
        "📌 Notice board: topics of this group\n\nwaiting to be accepted\n#1 Fix the well"
    )


# ----- the fake refuses pins as Telegram does ------------------------------------------------
def _answer(api, method, **params):
    code, body = api.handle(method, params)
    return code, body.get("result") if code == 200 else body["description"]


def test_the_fake_pins_as_telegram_allows_and_refuses():
    from tests.kit.fake_api import FakeBotAPI

    api = FakeBotAPI()
    api.add_chat(-100500, "supergroup", "Dongshan")
    api.set_status(-100500, BOT_ID, "member")
    card = _answer(api, "sendMessage", chat_id=-100500, text="Board")[1]
    pin = {"chat_id": -100500, "message_id": card["message_id"]}
    # A plain member of a supergroup, or an administrator without the right: refused.
    assert _answer(api, "pinChatMessage", **pin) == (400, NO_RIGHTS_TO_PIN)
    api.set_bot_rights(-100500, can_delete_messages=True)
    assert _answer(api, "pinChatMessage", **pin) == (400, NO_RIGHTS_TO_PIN)
    assert _answer(api, "unpinChatMessage", **pin) == (400, NO_RIGHTS_TO_PIN)
    api.set_bot_rights(-100500, can_pin_messages=True)
    assert _answer(api, "pinChatMessage", **pin, disable_notification=True) == (200, True)
    assert api.pinned_in(-100500) == [card["message_id"]]
    chat = _answer(api, "getChat", chat_id=-100500)[1]
    assert chat["pinned_message"]["message_id"] == card["message_id"]
    missing = {"chat_id": -100500, "message_id": 999}
    assert _answer(api, "pinChatMessage", **missing) == (
        400,
        "Bad Request: message to pin not found",
    )
    assert _answer(api, "unpinChatMessage", **pin) == (200, True)
    assert api.pinned_in(-100500) == []
    assert _answer(api, "unpinChatMessage", **pin) == (
        400,
        "Bad Request: message to unpin not found",
    )
    api.set_status(-100500, BOT_ID, "kicked")
    assert _answer(api, "pinChatMessage", **pin) == (
        403,
        "Forbidden: bot was kicked from the supergroup chat",
    )

    # A basic group: any member may pin, unless the group's permissions say no.
    api.add_chat(-600, "group", "Xishan")
    api.set_status(-600, BOT_ID, "member")
    card = _answer(api, "sendMessage", chat_id=-600, text="Board")[1]
    pin = {"chat_id": -600, "message_id": card["message_id"]}
    assert _answer(api, "pinChatMessage", **pin) == (200, True)
    api.set_chat_permissions(-600, can_send_messages=True)
    assert _answer(api, "pinChatMessage", **pin) == (400, NO_RIGHTS_TO_PIN)
    api.set_status(-600, BOT_ID, "administrator")
    assert _answer(api, "pinChatMessage", **pin) == (200, True)


async def test_the_board_follows_a_topic_through_its_phases(world):
    """Phases that move by the schedule (views close, the vote's result) reach the board too."""
    from datetime import timedelta

    group, chen = await pinning_group(world)
    people = [group.member(n) for n in ("alice", "bob", "carol")]
    await people[0].says("/propose 修水井")
    await chen.says("/accept 1 1天 1天")
    await world.advance(timedelta(days=1, minutes=1))  # views close
    await world.run_due()
    board = await board_id(world, group)
    assert "#1 修水井：意见征集已结束，正在起草共识文本" in shown(world, group, board)["text"]

    await people[0].says("/draft 1 今年修好水井。")
    await chen.says("/vote 1 1 1天")
    await world.run_due()
    topic = await topic_of(world, group)
    when = times.deadline(topic.phase_deadline, "Asia/Shanghai", "zh", None)
    assert f"表决中\n#1 修水井：表决截止 {when}" in shown(world, group, board)["text"]

    ballot = group.last_bot_message()
    for person in people:
        await person.presses(ballot, "同意")
    await world.advance(timedelta(days=1, minutes=1))  # the vote closes by its deadline
    await world.run_due()
    text = shown(world, group, board)["text"]
    assert "已通过\n#1 修水井" in text and "表决中" not in text
    assert await board_id(world, group) == board
    assert len(world.api.calls_of("pinChatMessage", group.chat_id)) == 1


async def test_follow_up_moves_the_board_too(world):
    """Adopted -> following up (the first action) reaches the board with the follow-up's own
    event (FollowupChanged), without a card posted about the topic."""
    from tests.test_followup import adopted_topic

    group = world.group()
    world.api.set_bot_rights(group.chat_id, can_pin_messages=True)
    chen, _alice, bob, _carol = await adopted_topic(world, group)
    await world.run_due()
    board = await board_id(world, group)
    assert "adopted\n#1 Fix the street lights" in shown(world, group, board)["text"]
    hello = await bob.says("I can do the lamps")
    await chen.replies_to(hello, "/action 1 2026-03-20 Buy and fit new lamps")
    await world.run_due()
    assert "being carried out\n#1 Fix the street lights" in shown(world, group, board)["text"]


async def test_two_refreshes_at_once_post_one_board(world):
    """Review: a card-edit refresh and /board at the same moment, both finding no board,
    each posted and pinned one."""
    import asyncio

    from bot.services import board as board_service
    from handlers.board import refresh_board

    group, chen = await pinning_group(world)
    await group.member("alice").says("/propose 修水井")
    await world.run_due()
    first = await board_id(world, group)
    # As before the first board: none recorded (the old one gone), nothing shown yet.
    world.api.delete_by_person(group.chat_id, first)
    await board_service.set_message(world.rt, group.chat_id, None)
    world.rt.boards_shown.pop(group.chat_id, None)
    bot = world.app.bot
    await asyncio.gather(*(refresh_board(bot, world.rt, group.chat_id) for _ in range(2)))
    await world.run_due()
    again = await board_id(world, group)
    assert again not in (None, first)
    assert world.api.pinned_in(group.chat_id) == [again]
