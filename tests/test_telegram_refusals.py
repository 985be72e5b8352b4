"""Where Telegram says no, the fake says no the same way; and the bot lives with it.

The first half checks the fake Bot API itself (tests/kit/fake_api.py): each refusal with the
code and description Telegram gives, in-process and over HTTP. The second half checks the bot
where such a refusal caught it out: a press is answered once, and before the slow work.
"""

from __future__ import annotations

import asyncio
import json
import time
import urllib.request
from typing import Any

import pytest
from telegram.request import RequestData
from telegram.request._requestparameter import RequestParameter

from tests.kit.fake_api import (
    BLOCKED,
    BOT_ID,
    BUTTON_DATA_INVALID,
    CANT_DELETE,
    CANT_INITIATE,
    QUERY_TOO_OLD,
    FakeBotAPI,
)
from tests.kit.http_server import FakeBotServer
from tests.kit.request import FakeRequest
from tests.test_flow_views import deliberating
from tests.test_flow_vote import voting
from tests.test_followup import adopted_topic, mostly_unsatisfied

GROUP = -1001234567890
ALICE = 4242


def world_api() -> FakeBotAPI:
    """A supergroup where the bot is a plain member, and Alice, who never wrote to the bot."""
    api = FakeBotAPI()
    api.add_chat(GROUP, "supergroup", "Dongshan village")
    api.set_status(GROUP, BOT_ID, "member")
    api.add_user(ALICE, "Alice", "alice")
    api.add_chat(ALICE, "private", None, first_name="Alice")
    api.set_status(GROUP, ALICE, "member")
    return api


def refused(answer: tuple[int, dict[str, Any]]) -> tuple[int, str]:
    code, body = answer
    assert body["ok"] is False, body
    return code, body["description"]


def users_message(api: FakeBotAPI, chat_id: int, text: str = "hello") -> dict[str, Any]:
    return api.store_message(
        {
            "message_id": api.new_message_id(chat_id),
            "date": int(time.time()),
            "chat": api.chats[chat_id],
            "from": api.users[ALICE],
            "text": text,
        }
    )


# ----- the fake: button presses ------------------------------------------------------------------
def test_a_press_is_answered_once_and_only_if_telegram_delivered_it():
    api = world_api()
    unknown = api.handle("answerCallbackQuery", {"callback_query_id": "q1"})
    assert refused(unknown) == (400, QUERY_TOO_OLD)
    api.register_callback_query("q1")
    assert api.handle("answerCallbackQuery", {"callback_query_id": "q1", "text": "Thanks"})[0] == (
        200
    )
    again = api.handle("answerCallbackQuery", {"callback_query_id": "q1", "text": "Sorry"})
    assert refused(again) == (400, QUERY_TOO_OLD)
    assert [(c.params.get("text"), code) for c, code, _ in api.refusals] == [
        (None, 400),
        ("Sorry", 400),
    ]


def test_a_late_answer_or_a_toast_over_200_characters_is_refused():
    api = world_api()
    api.register_callback_query("old", delivered_at=time.monotonic() - api.answer_window - 1)
    assert refused(api.handle("answerCallbackQuery", {"callback_query_id": "old"})) == (
        400,
        QUERY_TOO_OLD,
    )
    api.register_callback_query("long")
    toast = {"callback_query_id": "long", "text": "x" * 201}
    assert refused(api.handle("answerCallbackQuery", toast)) == (
        400,
        "Bad Request: MESSAGE_TOO_LONG",
    )


def test_a_press_pushed_as_an_update_can_be_answered():
    api = world_api()
    update = api.push_update({"callback_query": {"id": "q9", "from": api.users[ALICE]}})
    assert update["callback_query"]["id"] == "q9"
    assert api.handle("answerCallbackQuery", {"callback_query_id": "q9"})[0] == 200


# ----- the fake: private chats -------------------------------------------------------------------
def test_the_bot_writes_privately_only_to_someone_who_started_it():
    api = world_api()
    for method, params in (
        ("sendMessage", {"chat_id": ALICE, "text": "Hello"}),
        ("sendDocument", {"chat_id": ALICE, "document": "<file>"}),
    ):
        assert refused(api.handle(method, params)) == (403, CANT_INITIATE)
    users_message(api, ALICE, "/start")  # Alice opens the private chat
    assert api.handle("sendMessage", {"chat_id": ALICE, "text": "Hello"})[0] == 200
    api.set_status(ALICE, ALICE, "blocked")
    assert refused(api.handle("sendMessage", {"chat_id": ALICE, "text": "Hi"})) == (403, BLOCKED)


def test_a_private_message_pushed_as_an_update_starts_the_bot():
    api = world_api()
    chat = api.chats[ALICE]
    api.push_update({"message": {"message_id": 1, "chat": chat, "from": api.users[ALICE]}})
    assert api.handle("sendMessage", {"chat_id": ALICE, "text": "Hello"})[0] == 200


# ----- the fake: rights in a group ---------------------------------------------------------------
def test_deleting_a_members_message_needs_the_right_to_delete():
    api = world_api()
    theirs = users_message(api, GROUP)
    code, body = api.handle("sendMessage", {"chat_id": GROUP, "text": "Card"})
    ours = body["result"]
    delete_theirs = {"chat_id": GROUP, "message_id": theirs["message_id"]}
    assert refused(api.handle("deleteMessage", delete_theirs)) == (400, CANT_DELETE)
    api.set_bot_rights(GROUP, can_pin_messages=True)  # an administrator, but not that right
    assert refused(api.handle("deleteMessage", delete_theirs)) == (400, CANT_DELETE)
    assert (GROUP, theirs["message_id"]) in api.messages
    # Its own message the bot may always delete.
    assert api.handle("deleteMessage", {"chat_id": GROUP, "message_id": ours["message_id"]}) == (
        200,
        {"ok": True, "result": True},
    )
    api.set_bot_rights(GROUP, can_delete_messages=True)
    assert api.handle("deleteMessage", delete_theirs)[0] == 200
    assert (GROUP, theirs["message_id"]) not in api.messages
    gone = api.handle("deleteMessage", delete_theirs)
    assert refused(gone) == (400, "Bad Request: message to delete not found")


def test_in_a_private_chat_the_bot_may_delete_the_users_messages():
    api = world_api()
    theirs = users_message(api, ALICE)
    params = {"chat_id": ALICE, "message_id": theirs["message_id"]}
    assert api.handle("deleteMessage", params)[0] == 200


def test_pinning_and_forum_threads_need_their_rights():
    api = world_api()
    api.chats[GROUP]["is_forum"] = True
    code, body = api.handle("sendMessage", {"chat_id": GROUP, "text": "Card"})
    pin = {"chat_id": GROUP, "message_id": body["result"]["message_id"]}
    assert refused(api.handle("pinChatMessage", pin)) == (
        400,
        "Bad Request: not enough rights to manage pinned messages in the chat",
    )
    thread = {"chat_id": GROUP, "name": "Topic #1"}
    assert refused(api.handle("createForumTopic", thread)) == (
        400,
        "Bad Request: not enough rights to create a topic",
    )
    api.set_bot_rights(GROUP, can_pin_messages=True, can_manage_topics=True)
    assert api.handle("pinChatMessage", pin)[0] == 200
    assert api.handle("createForumTopic", thread)[1]["result"]["name"] == "Topic #1"


def test_get_chat_member_tells_the_bots_rights_and_a_stranger_is_left():
    api = world_api()
    stranger = api.handle("getChatMember", {"chat_id": GROUP, "user_id": 999})[1]["result"]
    assert stranger["status"] == "left"
    member = api.handle("getChatMember", {"chat_id": GROUP, "user_id": ALICE})[1]["result"]
    assert member["status"] == "member"
    api.set_bot_rights(GROUP, can_delete_messages=True)
    bot = api.handle("getChatMember", {"chat_id": GROUP, "user_id": BOT_ID})[1]["result"]
    assert bot["status"] == "administrator"
    assert bot["can_delete_messages"] is True and bot["can_pin_messages"] is False


# ----- the fake: text and buttons ----------------------------------------------------------------
@pytest.mark.parametrize(
    "text",
    [
        "<b>unclosed",
        "stray</b>",
        "<b><i>crossed</b></i>",
        "<script>alert(1)</script>",
        "<br/>",
        "<span>no class</span>",
        "<tg-emoji>no id</tg-emoji>",
        "a < b",
        "Q&A",
        "&nbsp;",
        "<!-- comment -->",
    ],
)
def test_html_telegram_cannot_parse_is_refused(text):
    api = world_api()
    answer = api.handle("sendMessage", {"chat_id": GROUP, "text": text, "parse_mode": "HTML"})
    code, description = refused(answer)
    assert code == 400 and description.startswith("Bad Request: can't parse entities: ")
    # Without parse_mode it is plain text, taken as it is.
    assert api.handle("sendMessage", {"chat_id": GROUP, "text": text})[0] == 200
    # An edit is parsed the same way.
    message_id = api.handle("sendMessage", {"chat_id": GROUP, "text": "Card"})[1]["result"][
        "message_id"
    ]
    edit = {"chat_id": GROUP, "message_id": message_id, "text": text, "parse_mode": "HTML"}
    assert refused(api.handle("editMessageText", edit))[1].startswith(
        "Bad Request: can't parse entities: "
    )


def test_html_telegram_parses_is_shown_as_its_text():
    api = world_api()
    text = (
        "<b>Bold</b> <strong>s</strong> <i>i</i> <em>e</em> <u>u</u> <ins>n</ins> <s>s</s> "
        "<strike>k</strike> <del>d</del> <tg-spoiler>p</tg-spoiler> "
        '<span class="tg-spoiler">q</span> <a href="tg://user?id=1">Alice</a> '
        '<tg-emoji emoji-id="5368324170671202286">👍</tg-emoji> <code>c</code> '
        '<pre><code class="language-python">x = 1</code></pre> <blockquote expandable>b</blockquote>'
        " &lt;tag&gt; &amp; &quot; &#39; &#x41;"
    )
    code, body = api.handle("sendMessage", {"chat_id": GROUP, "text": text, "parse_mode": "HTML"})
    assert code == 200, body
    assert body["result"]["text"] == ("Bold s i e u n s k d p q Alice 👍 c x = 1 b <tag> & \" ' A")


def test_length_is_counted_after_entities_for_sends_and_edits():
    api = world_api()
    fits = {"chat_id": GROUP, "text": "<b>" + "&lt;" * 4096 + "</b>", "parse_mode": "HTML"}
    code, body = api.handle("sendMessage", fits)
    assert code == 200
    too_long = {**fits, "text": "&lt;" * 4097}
    assert refused(api.handle("sendMessage", too_long)) == (400, "Bad Request: message is too long")
    edit = {**too_long, "message_id": body["result"]["message_id"]}
    assert refused(api.handle("editMessageText", edit)) == (400, "Bad Request: message is too long")


@pytest.mark.parametrize("data", ["é" * 33, "", "x" * 65])
def test_callback_data_must_be_1_to_64_bytes(data):
    api = world_api()
    markup = {"inline_keyboard": [[{"text": "OK", "callback_data": "sup:1"}]]}
    code, body = api.handle(
        "sendMessage", {"chat_id": GROUP, "text": "Card", "reply_markup": markup}
    )
    assert code == 200
    bad = {
        "inline_keyboard": [
            [{"text": "OK", "callback_data": "sup:1"}, {"text": "No", "callback_data": data}]
        ]
    }
    message_id = body["result"]["message_id"]
    for method, params in (
        ("sendMessage", {"chat_id": GROUP, "text": "Card", "reply_markup": bad}),
        (
            "editMessageText",
            {"chat_id": GROUP, "message_id": message_id, "text": "New", "reply_markup": bad},
        ),
        (
            "editMessageReplyMarkup",
            {"chat_id": GROUP, "message_id": message_id, "reply_markup": bad},
        ),
    ):
        assert refused(api.handle(method, params)) == (400, BUTTON_DATA_INVALID), method
    # JSON-encoded, as it arrives over HTTP, it is refused the same way.
    encoded = {"chat_id": GROUP, "text": "Card", "reply_markup": json.dumps(bad)}
    assert refused(api.handle("sendMessage", encoded)) == (400, BUTTON_DATA_INVALID)
    assert (
        api.handle(
            "sendMessage",
            {
                "chat_id": GROUP,
                "text": "Card",
                "reply_markup": {"inline_keyboard": [[{"text": "OK", "callback_data": "x" * 64}]]},
            },
        )[0]
        == 200
    )


# ----- the fake: one core behind both seams --------------------------------------------------------
def test_over_http_the_same_refusals():
    api = world_api()
    with FakeBotServer(api) as server:

        def post(method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
            request = urllib.request.Request(
                f"{server.base_url}TOKEN/{method}",
                data=json.dumps(params).encode(),
                headers={"Content-Type": "application/json"},
            )
            opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
            try:
                with opener.open(request, timeout=5) as response:
                    return response.status, json.loads(response.read())
            except urllib.error.HTTPError as error:
                return error.code, json.loads(error.read())

        assert refused(post("sendMessage", {"chat_id": ALICE, "text": "Hi"})) == (
            403,
            CANT_INITIATE,
        )
        assert refused(post("answerCallbackQuery", {"callback_query_id": "nope"})) == (
            400,
            QUERY_TOO_OLD,
        )
        bad_html = {"chat_id": GROUP, "text": "<b>x", "parse_mode": "HTML"}
        assert post("sendMessage", bad_html)[0] == 400


async def test_latency_in_process_is_awaited_not_slept():
    """Two slow calls overlap, and the event loop goes on meanwhile."""
    api = world_api()
    api.delay["getChat"] = 0.3
    request = FakeRequest(api)
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.02)
            ticks += 1

    counting = asyncio.create_task(ticker())
    started = time.monotonic()
    url = "http://fake.invalid/botTOKEN/getChat"
    data = RequestData([RequestParameter("chat_id", GROUP, [])])
    answers = await asyncio.gather(
        request.do_request(url, "POST", data), request.do_request(url, "POST", data)
    )
    took = time.monotonic() - started
    counting.cancel()
    assert [code for code, _ in answers] == [200, 200]
    assert 0.3 <= took < 0.55, took
    assert ticks >= 5, ticks


# ----- the bot: a press is answered once, and first ------------------------------------------------
async def _accept(world):
    group, chen, alice, _card = await deliberating(world)
    await alice.says("/propose Plant trees")
    return chen, group.last_bot_message(), "Accept", "Topic #2 accepted."


async def _view(world):
    _group, _chen, alice, card = await deliberating(world)
    return alice, card, "Concern", "Write your view as a reply to the bot's question."


async def _block(world):
    _group, _chen, people, ballot = await voting(world)
    return people[2], ballot, "Block", "A block needs a reason: reply to the bot's question."


async def _progress(world):
    group = world.group()
    chen, _alice, bob, _carol = await adopted_topic(world, group)
    hello = await bob.says("me")
    await chen.replies_to(hello, "/action 1 30d Paint the poles")
    await world.advance(days=7)
    return (
        bob,
        group.last_bot_message(),
        "📈 Report on A1",
        "Reply to the bot's question with the progress.",
    )


async def _reopen(world):
    group = world.group()
    chen, _alice, _bob, _carol, _card = await mostly_unsatisfied(world, group)
    await world.advance(days=23)
    (question,) = [m for m in group.bot_messages() if "Reopen it for deliberation?" in m["text"]]
    return chen, question, "Reopen", None


@pytest.mark.parametrize("setup", [_accept, _view, _block, _progress, _reopen])
async def test_a_press_is_answered_before_the_group_messages_it_sets_off(world, setup):
    """A group's messages may wait for its sending budget; the press cannot wait that long."""
    presser, message, label, toast = await setup(world)
    sent = len(world.api.calls_of("sendMessage"))
    world.api.answer_window = 0.25
    world.api.delay.update(sendMessage=0.3, editMessageText=0.3)
    answer = await presser.presses(message, label)
    assert answer is not None, "answered after the slow sends: Telegram refused the answer"
    assert answer.params.get("text") == toast
    assert answer.params.get("show_alert") is not True
    # The slow work was done all the same.
    assert len(world.api.calls_of("sendMessage")) > sent


async def test_a_press_for_a_missing_topic_gets_one_answer_saying_so(world):
    """The 'list views' button of a topic that is not there: one answer, the refusal (a first,
    empty answer would have closed the press and the refusal would be refused)."""
    group, _chen, alice, _card = await deliberating(world)
    answer = await alice.presses_data(group.last_bot_message(), "lst:77")
    assert answer.params["text"] == "There is no topic #77 in this group."
    assert answer.params["show_alert"] is True
    presses = world.api.calls_of("answerCallbackQuery")
    assert [c.params.get("text") for c in presses][-1:] == ["There is no topic #77 in this group."]
    assert not [r for r in world.api.refusals if r[0].method == "answerCallbackQuery"]
