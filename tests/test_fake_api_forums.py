"""The kit for forums, rights and other senders: the fake says no where Telegram says no, and
the updates the story kit builds are ones python-telegram-bot reads as Telegram's.

The first half checks the fake Bot API itself (tests/kit/fake_api.py), method call by method
call and once through python-telegram-bot's Bot; the second half feeds each new kind of update
the story kit builds (tests/kit/story.py) to the running bot and reads it back with
Update.de_json.
"""

from __future__ import annotations

import time
from typing import Any

import pytest
from telegram import (
    Bot,
    ChatMemberAdministrator,
    ChatMemberMember,
    ChatMemberRestricted,
    Update,
)
from telegram.error import BadRequest, Forbidden

from tests.kit.fake_api import (
    BOT_ID,
    CHAT_NOT_FOUND,
    CHAT_WRITE_FORBIDDEN,
    NO_RIGHTS_TO_SEND,
    NOT_A_FORUM,
    THREAD_NOT_FOUND,
    TOPIC_CLOSED,
    TOPIC_ID_INVALID,
    TOPIC_NOT_MODIFIED,
    FakeBotAPI,
)
from tests.kit.request import FakeRequest
from tests.kit.story import ANONYMOUS_ADMIN_ID, CHANNEL_BOT_ID, TEST_TOKEN

FORUM = -1009876543210
GROUP = -1001234567890
BASIC = -4001234
ALICE = 4242
BOB = 4343


def world_api() -> FakeBotAPI:
    """A forum and a supergroup without topics, where the bot is a plain member, and Alice."""
    api = FakeBotAPI()
    api.add_chat(FORUM, "supergroup", "Dongshan village", is_forum=True)
    api.add_chat(GROUP, "supergroup", "Xishan village")
    api.add_user(ALICE, "Alice", "alice")
    api.add_user(BOB, "Bob", "bob")
    for chat in (FORUM, GROUP):
        api.set_status(chat, BOT_ID, "member")
        api.set_status(chat, ALICE, "member")
    return api


def ok(answer: tuple[int, dict[str, Any]]) -> Any:
    code, body = answer
    assert code == 200 and body["ok"], body
    return body["result"]


def refused(answer: tuple[int, dict[str, Any]]) -> tuple[int, str]:
    code, body = answer
    assert body["ok"] is False, body
    return code, body["description"]


def users_message(api: FakeBotAPI, chat_id: int, thread: int | None = None) -> dict[str, Any]:
    message = {
        "message_id": api.new_message_id(chat_id),
        "date": int(time.time()),
        "chat": api.chats[chat_id],
        "from": api.users[ALICE],
        "text": "hello",
    }
    if thread is not None:
        message.update(message_thread_id=thread, is_topic_message=True)
    return api.store_message(message)


def send(api: FakeBotAPI, chat_id: int, text: str = "Card", **params: Any):
    return api.handle("sendMessage", {"chat_id": chat_id, "text": text, **params})


# ----- the fake: forum topics --------------------------------------------------------------------
def test_a_topic_the_bot_opens_is_remembered_and_its_messages_are_marked():
    api = world_api()
    api.set_bot_rights(FORUM, can_manage_topics=True)
    topic = ok(api.handle("createForumTopic", {"chat_id": FORUM, "name": "The well"}))
    thread = topic["message_thread_id"]
    assert thread != 1  # General's id is never a topic's
    assert api.thread(FORUM, thread) | {"creator": None} == {
        "message_thread_id": thread,
        "name": "The well",
        "icon_color": 7322096,
        "is_closed": False,
        "creator": None,
    }
    card = ok(send(api, FORUM, message_thread_id=thread))
    assert card["message_thread_id"] == thread and card["is_topic_message"] is True
    # A message in a topic that replies to nothing else replies to the topic's creation message.
    assert card["reply_to_message"]["forum_topic_created"]["name"] == "The well"
    document = ok(
        api.handle(
            "sendDocument", {"chat_id": FORUM, "document": "<file>", "message_thread_id": thread}
        )
    )
    assert document["message_thread_id"] == thread and document["is_topic_message"] is True
    general = ok(send(api, FORUM, "In General"))
    assert "message_thread_id" not in general and "is_topic_message" not in general
    assert "reply_to_message" not in general
    assert api.thread_of(FORUM, card["message_id"]) == thread
    assert api.thread_of(FORUM, document["message_id"]) == thread
    assert api.thread_of(FORUM, general["message_id"]) is None
    assert [m["message_id"] for m in api.thread_messages(FORUM, None)] == [general["message_id"]]
    assert api.calls_of("sendMessage")[0].thread_id == thread
    assert api.calls_of("sendMessage")[0].result["message_id"] == card["message_id"]


@pytest.mark.parametrize(
    "method, params",
    [
        ("sendMessage", {"text": "Card"}),
        ("sendDocument", {"document": "<file>"}),
        ("sendPhoto", {"photo": "<file>"}),
        ("sendChatAction", {"action": "typing"}),
    ],
)
@pytest.mark.parametrize("thread", [999, 1])
def test_a_send_to_a_topic_that_does_not_exist_or_to_general_by_its_id_is_refused(
    method, params, thread
):
    api = world_api()
    answer = api.handle(method, {"chat_id": FORUM, "message_thread_id": thread, **params})
    assert refused(answer) == (400, THREAD_NOT_FOUND)
    assert [(c.method, why) for c, _, why in api.refusals] == [(method, THREAD_NOT_FOUND)]


def test_outside_a_forum_message_thread_id_is_ignored():
    api = world_api()
    message = ok(send(api, GROUP, message_thread_id=999))
    assert "message_thread_id" not in message and "is_topic_message" not in message


def test_a_reply_lands_in_the_topic_of_the_message_it_replies_to():
    api = world_api()
    thread = api.add_thread(FORUM, "The well", api.users[ALICE])
    theirs = users_message(api, FORUM, thread)
    reply = ok(send(api, FORUM, "Noted", reply_parameters={"message_id": theirs["message_id"]}))
    assert reply["message_thread_id"] == thread and reply["is_topic_message"] is True
    assert reply["reply_to_message"]["message_id"] == theirs["message_id"]
    in_general = users_message(api, FORUM)
    reply = ok(send(api, FORUM, "Noted", reply_parameters={"message_id": in_general["message_id"]}))
    assert "message_thread_id" not in reply


def test_a_closed_topic_takes_nothing_from_a_bot_that_may_not_manage_topics():
    api = world_api()
    thread = api.add_thread(FORUM, "The well", api.users[ALICE])
    theirs = users_message(api, FORUM, thread)
    api.set_thread_closed(FORUM, thread)
    for method, params in (
        ("sendMessage", {"text": "Card", "message_thread_id": thread}),
        ("sendDocument", {"document": "<file>", "message_thread_id": thread}),
        ("sendMessage", {"text": "Card", "reply_parameters": {"message_id": theirs["message_id"]}}),
    ):
        assert refused(api.handle(method, {"chat_id": FORUM, **params})) == (400, TOPIC_CLOSED)
    # General stays open, and an administrator who may manage topics may still write there.
    ok(send(api, FORUM))
    api.set_bot_rights(FORUM, can_manage_topics=True)
    ok(send(api, FORUM, message_thread_id=thread))
    api.set_status(FORUM, BOT_ID, "member")
    api.set_thread_closed(FORUM, thread, closed=False)
    ok(send(api, FORUM, message_thread_id=thread))


def test_changing_a_topic_that_does_not_exist_is_refused():
    api = world_api()
    api.set_bot_rights(FORUM, can_manage_topics=True, can_delete_messages=True)
    for method, extra in (
        ("closeForumTopic", {}),
        ("reopenForumTopic", {}),
        ("editForumTopic", {"name": "Renamed"}),
        ("deleteForumTopic", {}),
    ):
        unknown = {"chat_id": FORUM, "message_thread_id": 999, **extra}
        assert refused(api.handle(method, unknown)) == (400, TOPIC_ID_INVALID), method
        not_a_forum = {"chat_id": GROUP, "message_thread_id": 999, **extra}
        assert refused(api.handle(method, not_a_forum)) == (400, NOT_A_FORUM), method


def test_a_change_that_changes_nothing_is_refused():
    api = world_api()
    api.set_bot_rights(FORUM, can_manage_topics=True)
    thread = ok(api.handle("createForumTopic", {"chat_id": FORUM, "name": "The well"}))[
        "message_thread_id"
    ]
    topic = {"chat_id": FORUM, "message_thread_id": thread}
    assert refused(api.handle("reopenForumTopic", topic)) == (400, TOPIC_NOT_MODIFIED)
    assert ok(api.handle("closeForumTopic", topic)) is True
    assert api.thread(FORUM, thread)["is_closed"] is True
    assert refused(api.handle("closeForumTopic", topic)) == (400, TOPIC_NOT_MODIFIED)
    assert ok(api.handle("reopenForumTopic", topic)) is True
    same = {**topic, "name": "The well"}
    assert refused(api.handle("editForumTopic", same)) == (400, TOPIC_NOT_MODIFIED)
    assert ok(api.handle("editForumTopic", {**topic, "name": "The old well"})) is True
    assert api.thread(FORUM, thread)["name"] == "The old well"


def test_someone_elses_topic_takes_the_right_and_the_bots_own_does_not():
    api = world_api()
    theirs = {"chat_id": FORUM, "message_thread_id": api.add_thread(FORUM, "Roads")}
    for method, params, description in (
        ("closeForumTopic", theirs, "Bad Request: not enough rights to close or open the topic"),
        (
            "editForumTopic",
            {**theirs, "name": "X"},
            "Bad Request: not enough rights to edit the topic",
        ),
        ("deleteForumTopic", theirs, "Bad Request: not enough rights to delete the topic"),
    ):
        assert refused(api.handle(method, params)) == (400, description)
    # A topic the bot opened while it could, it may still close and rename once it cannot.
    api.set_bot_rights(FORUM, can_manage_topics=True)
    own = {
        "chat_id": FORUM,
        "message_thread_id": ok(api.handle("createForumTopic", {"chat_id": FORUM, "name": "Well"}))[
            "message_thread_id"
        ],
    }
    api.set_status(FORUM, BOT_ID, "member")
    assert refused(api.handle("createForumTopic", {"chat_id": FORUM, "name": "More"})) == (
        400,
        "Bad Request: not enough rights to create a topic",
    )
    assert ok(api.handle("closeForumTopic", own)) is True
    assert ok(api.handle("editForumTopic", {**own, "name": "The well"})) is True


def test_a_deleted_topic_is_gone_with_its_messages():
    api = world_api()
    api.set_bot_rights(FORUM, can_manage_topics=True, can_delete_messages=True)
    thread = api.add_thread(FORUM, "The well", api.users[ALICE])
    theirs = users_message(api, FORUM, thread)
    topic = {"chat_id": FORUM, "message_thread_id": thread}
    assert ok(api.handle("deleteForumTopic", topic)) is True
    assert (FORUM, theirs["message_id"]) not in api.messages
    assert refused(send(api, FORUM, message_thread_id=thread)) == (400, THREAD_NOT_FOUND)
    assert refused(api.handle("closeForumTopic", topic)) == (400, TOPIC_ID_INVALID)


# ----- the fake: the bot's rights in a group -----------------------------------------------------
@pytest.mark.parametrize(
    "method, params, name",
    [
        ("sendMessage", {"text": "Card"}, "text messages"),
        ("sendDocument", {"document": "<file>"}, "documents"),
        ("sendPhoto", {"photo": "<file>"}, "photos"),
        ("sendVoice", {"voice": "<file>"}, "voice notes"),
        ("sendSticker", {"sticker": "<file>"}, "stickers"),
        ("sendPoll", {"question": "?", "options": ["a", "b"]}, "polls"),
    ],
)
def test_a_restricted_bot_may_not_send_what_it_is_not_allowed(method, params, name):
    api = world_api()
    api.restrict_bot(GROUP)
    assert refused(api.handle(method, {"chat_id": GROUP, **params})) == (
        400,
        f"Bad Request: not enough rights to send {name} to the chat",
    )


def test_a_bot_allowed_text_only_sends_text_and_no_documents():
    api = world_api()
    api.restrict_bot(GROUP, can_send_messages=True)
    ok(send(api, GROUP))
    document = api.handle("sendDocument", {"chat_id": GROUP, "document": "<file>"})
    assert refused(document) == (
        400,
        "Bad Request: not enough rights to send documents to the chat",
    )
    member = ok(api.handle("getChatMember", {"chat_id": GROUP, "user_id": BOT_ID}))
    assert member["status"] == "restricted" and member["is_member"] is True
    assert member["can_send_messages"] is True and member["can_send_documents"] is False
    assert member["until_date"] == 0


def test_the_groups_default_permissions_bind_the_bot_unless_it_is_an_administrator():
    api = world_api()
    api.set_chat_permissions(GROUP, can_send_messages=True)
    ok(send(api, GROUP))
    document = {"chat_id": GROUP, "document": "<file>"}
    assert refused(api.handle("sendDocument", document))[0] == 400
    assert (
        ok(api.handle("getChat", {"chat_id": GROUP}))["permissions"]["can_send_documents"] is False
    )
    api.set_bot_rights(GROUP, can_delete_messages=True)
    ok(api.handle("sendDocument", document))
    api.restrict_bot(GROUP)  # administrators are not restricted: the bot is no longer one
    assert refused(send(api, GROUP)) == (
        400,
        "Bad Request: not enough rights to send text messages to the chat",
    )


@pytest.mark.parametrize("description", [CHAT_WRITE_FORBIDDEN, NO_RIGHTS_TO_SEND])
def test_a_chat_can_refuse_every_send_until_it_allows_them_again(description):
    api = world_api()
    api.set_bot_rights(GROUP, can_delete_messages=True)  # whatever its rights say
    api.refuse_writes(GROUP, description)
    assert refused(send(api, GROUP)) == (400, description)
    document = {"chat_id": GROUP, "document": "<file>"}
    assert refused(api.handle("sendDocument", document)) == (400, description)
    ok(send(api, FORUM))  # only that chat
    api.allow_writes(GROUP)
    ok(send(api, GROUP))


def test_a_removed_group_is_not_found_by_any_method():
    api = world_api()
    card = ok(send(api, GROUP))
    api.remove_chat(GROUP)
    for method, params in (
        ("sendMessage", {"text": "Card"}),
        ("sendDocument", {"document": "<file>"}),
        ("editMessageText", {"message_id": card["message_id"], "text": "New"}),
        ("deleteMessage", {"message_id": card["message_id"]}),
        ("getChat", {}),
        ("getChatMember", {"user_id": ALICE}),
        ("getChatMemberCount", {}),
        ("setChatTitle", {"title": "Renamed"}),  # a method the fake has no answer of its own for
    ):
        assert refused(api.handle(method, {"chat_id": GROUP, **params})) == (400, CHAT_NOT_FOUND)
    copy = {"chat_id": FORUM, "from_chat_id": GROUP, "message_id": card["message_id"]}
    assert refused(api.handle("copyMessage", copy)) == (400, CHAT_NOT_FOUND)


def test_a_bot_kicked_or_gone_is_told_so_in_the_words_for_its_kind_of_chat():
    api = world_api()
    api.add_chat(BASIC, "group", "Nanshan village")
    for chat, status, description in (
        (GROUP, "kicked", "Forbidden: bot was kicked from the supergroup chat"),
        (GROUP, "left", "Forbidden: bot is not a member of the supergroup chat"),
        (BASIC, "kicked", "Forbidden: bot was kicked from the group chat"),
        (BASIC, "left", "Forbidden: bot is not a member of the group chat"),
    ):
        api.set_status(chat, BOT_ID, status)
        assert refused(send(api, chat)) == (403, description)


def test_get_chat_member_tells_the_bots_rights_as_an_administrator():
    api = world_api()
    api.set_bot_rights(FORUM, can_delete_messages=True, can_manage_topics=True)
    bot = ok(api.handle("getChatMember", {"chat_id": FORUM, "user_id": BOT_ID}))
    assert bot["status"] == "administrator"
    assert bot["can_delete_messages"] is True and bot["can_manage_topics"] is True
    assert bot["can_pin_messages"] is False and bot["can_restrict_members"] is False
    assert isinstance(ChatMemberAdministrator.de_json(bot, None), ChatMemberAdministrator)


# ----- the fake: members' statuses ---------------------------------------------------------------
def test_restricted_members_are_told_as_telegram_tells_them_and_counted_while_members():
    api = world_api()
    assert ok(api.handle("getChatMemberCount", {"chat_id": GROUP})) == 2  # the bot and Alice
    api.restrict(GROUP, ALICE, can_send_messages=True)
    api.restrict(GROUP, BOB, is_member=False, until_date=1_900_000_000)
    alice = ok(api.handle("getChatMember", {"chat_id": GROUP, "user_id": ALICE}))
    assert set(alice) == {
        "user",
        "status",
        "until_date",
        "is_member",
        "can_send_messages",
        "can_send_media_messages",
        "can_send_audios",
        "can_send_documents",
        "can_send_photos",
        "can_send_videos",
        "can_send_video_notes",
        "can_send_voice_notes",
        "can_send_polls",
        "can_send_other_messages",
        "can_add_web_page_previews",
        "can_react_to_messages",
        "can_edit_tag",
        "can_change_info",
        "can_invite_users",
        "can_pin_messages",
        "can_manage_topics",
    }
    assert alice["status"] == "restricted" and alice["is_member"] is True
    assert alice["can_send_messages"] is True and alice["can_send_photos"] is False
    bob = ok(api.handle("getChatMember", {"chat_id": GROUP, "user_id": BOB}))
    assert bob["is_member"] is False and bob["until_date"] == 1_900_000_000
    parsed = ChatMemberRestricted.de_json(alice, None)
    assert isinstance(parsed, ChatMemberRestricted) and parsed.can_send_messages is True
    assert ok(api.handle("getChatMemberCount", {"chat_id": GROUP})) == 2  # Bob has gone
    api.set_status(GROUP, ALICE, "member")
    alice = ok(api.handle("getChatMember", {"chat_id": GROUP, "user_id": ALICE}))
    assert alice == {"user": api.users[ALICE], "status": "member"}


# ----- the fake, through python-telegram-bot ------------------------------------------------------
async def test_through_python_telegram_bot_refusals_are_bad_requests_and_answers_parse():
    api = world_api()
    async with Bot(TEST_TOKEN, request=FakeRequest(api)) as bot:
        with pytest.raises(BadRequest, match="Message thread not found"):
            await bot.send_message(FORUM, "Card", message_thread_id=999)
        with pytest.raises(BadRequest, match="Not enough rights to create a topic"):
            await bot.create_forum_topic(FORUM, "The well")
        api.set_bot_rights(FORUM, can_manage_topics=True)
        topic = await bot.create_forum_topic(FORUM, "The well")
        card = await bot.send_message(FORUM, "Card", message_thread_id=topic.message_thread_id)
        assert card.message_thread_id == topic.message_thread_id and card.is_topic_message
        assert card.reply_to_message.forum_topic_created.name == "The well"
        assert await bot.close_forum_topic(FORUM, topic.message_thread_id) is True
        with pytest.raises(BadRequest, match="Topic_not_modified"):
            await bot.close_forum_topic(FORUM, topic.message_thread_id)
        api.restrict_bot(GROUP)
        with pytest.raises(BadRequest, match="Not enough rights to send text messages"):
            await bot.send_message(GROUP, "Card")
        member = await bot.get_chat_member(GROUP, BOT_ID)
        assert isinstance(member, ChatMemberRestricted) and not member.can_send_messages
        api.set_status(GROUP, BOT_ID, "kicked")
        with pytest.raises(Forbidden, match="kicked from the supergroup chat"):
            await bot.send_message(GROUP, "Card")
    assert {why for _, _, why in api.refusals} >= {THREAD_NOT_FOUND, TOPIC_NOT_MODIFIED}


# ----- the story kit: updates the bot gets, as python-telegram-bot reads them -------------------
def parsed(world, kind: str, message: dict[str, Any]) -> Update:
    return Update.de_json({"update_id": 1, kind: message}, world.app.bot)


async def test_messages_in_a_topic_and_in_general(world):
    forum = world.group("Dongshan village", forum=True)
    chen = forum.convenor("chen")
    alice = forum.member("alice")
    well = forum.thread("The well", by=chen)
    in_topic = parsed(world, "message", await alice.says_in(well, "It is dry again")).message
    assert in_topic.message_thread_id == well and in_topic.is_topic_message is True
    assert in_topic.reply_to_message.forum_topic_created.name == "The well"
    assert in_topic.reply_to_message.from_user.id == chen.id
    in_general = parsed(world, "message", await alice.says("Hello")).message
    assert in_general.message_thread_id is None and not in_general.is_topic_message
    assert in_general.chat.is_forum is True


async def test_a_reply_in_a_topic_stays_in_the_topic(world):
    forum = world.group("Dongshan village", forum=True)
    alice = forum.member("alice")
    well = forum.thread("The well", by=alice)
    card = ok(send(world.api, forum.chat_id, message_thread_id=well))
    assert forum.bot_messages_in(well) == [world.api.messages[(forum.chat_id, card["message_id"])]]
    reply = parsed(world, "message", await alice.replies_to(card, "Agreed")).message
    assert reply.message_thread_id == well and reply.is_topic_message is True
    assert reply.reply_to_message.message_id == card["message_id"]


async def test_the_story_refuses_what_no_member_could_do(world):
    forum = world.group("Dongshan village", forum=True)
    plain = world.group("Xishan village")
    alice = forum.member("alice")
    with pytest.raises(AssertionError, match="no topic"):
        await alice.says_in(999, "Hello")
    closed = forum.thread("Closed", closed=True)
    with pytest.raises(AssertionError, match="closed topic"):
        await alice.says_in(closed, "Hello")
    with pytest.raises(AssertionError, match="not a forum"):
        await plain.member("bob").says_in(5, "Hello")


async def test_messages_on_behalf_of_a_channel_and_of_the_group(world):
    group = world.group("Dongshan village")
    news = parsed(world, "message", await group.channel("Dongshan news").says("Notice")).message
    assert news.from_user.id == CHANNEL_BOT_ID == 136817688
    assert news.from_user.username == "Channel_Bot"
    assert news.sender_chat.type == "channel" and news.sender_chat.title == "Dongshan news"
    admin = parsed(world, "message", await group.anonymous_admin().says("Notice")).message
    assert admin.from_user.id == ANONYMOUS_ADMIN_ID == 1087968824
    assert admin.from_user.username == "GroupAnonymousBot"
    assert admin.sender_chat.id == group.chat_id


async def test_an_edited_message(world):
    group = world.group("Dongshan village")
    alice = group.member("alice")
    first = await alice.says("Fix the wel")
    update = parsed(world, "edited_message", await alice.edits(first, "Fix the well"))
    assert update.message is None
    edited = update.edited_message
    assert edited.message_id == first["message_id"] and edited.text == "Fix the well"
    assert edited.edit_date is not None and edited.date is not None
    assert world.api.messages[(group.chat_id, first["message_id"])]["text"] == "Fix the well"


async def test_voice_sticker_and_photo_replying_to_a_card_in_a_topic(world):
    forum = world.group("Dongshan village", forum=True)
    alice = forum.member("alice")
    well = forum.thread("The well", by=alice)
    card = ok(send(world.api, forum.chat_id, message_thread_id=well))
    voice = parsed(world, "message", await alice.sends_voice(7, reply_to=card)).message
    assert voice.voice.duration == 7 and voice.voice.mime_type == "audio/ogg"
    assert voice.voice.file_id and voice.voice.file_unique_id
    assert voice.reply_to_message.message_id == card["message_id"]
    assert voice.message_thread_id == well and voice.is_topic_message is True
    sticker = parsed(world, "message", await alice.sends_sticker("🎉", reply_to=card)).message
    assert sticker.sticker.type == "regular" and sticker.sticker.emoji == "🎉"
    assert (sticker.sticker.width, sticker.sticker.height) == (512, 512)
    assert not sticker.sticker.is_animated and not sticker.sticker.is_video
    photo = parsed(world, "message", await alice.sends_photo("The well today", thread=well)).message
    assert [p.width for p in photo.photo] == [90, 320, 800, 1280]
    assert photo.caption == "The well today" and photo.message_thread_id == well
    group = world.group("Xishan village")
    bob = group.member("bob")
    plain = parsed(world, "message", await bob.sends_voice()).message
    assert plain.voice is not None and plain.reply_to_message is None
    assert plain.message_thread_id is None


async def test_the_bots_own_status_changing(world):
    forum = world.group("Dongshan village", forum=True)
    chen = forum.creator("chen")
    promoted = parsed(
        world,
        "my_chat_member",
        (
            await forum.bot_becomes(
                "administrator", by=chen, can_manage_topics=True, can_delete_messages=True
            )
        )["my_chat_member"],
    ).my_chat_member
    assert promoted.from_user.id == chen.id and promoted.chat.id == forum.chat_id
    assert isinstance(promoted.old_chat_member, ChatMemberMember)
    new = promoted.new_chat_member
    assert isinstance(new, ChatMemberAdministrator) and new.user.id == BOT_ID
    assert new.can_manage_topics and new.can_delete_messages and not new.can_pin_messages
    assert world.api.statuses[(forum.chat_id, BOT_ID)] == "administrator"
    muted = parsed(
        world, "my_chat_member", (await forum.bot_becomes("restricted"))["my_chat_member"]
    ).my_chat_member
    assert isinstance(muted.old_chat_member, ChatMemberAdministrator)
    assert isinstance(muted.new_chat_member, ChatMemberRestricted)
    assert muted.new_chat_member.is_member and not muted.new_chat_member.can_send_messages
    assert refused(send(world.api, forum.chat_id))[1].startswith("Bad Request: not enough rights")
    back = parsed(
        world, "my_chat_member", (await forum.bot_becomes("member"))["my_chat_member"]
    ).my_chat_member
    assert isinstance(back.new_chat_member, ChatMemberMember)
    ok(send(world.api, forum.chat_id))
