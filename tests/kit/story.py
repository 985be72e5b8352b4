"""A small vocabulary so that a test reads like the story it checks.

world = await World.start(tmp_path)
group = world.group("Dongshan village")
chen = group.convenor("chen"); alice = group.member("alice")
await alice.says("/propose Fix the well")
await chen.presses(group.last_bot_message(), "Accept")

Forums, other senders, edits, media and the bot's own status:
forum = world.group("Dongshan village", forum=True)
well = forum.thread("The well")                     # a topic someone opened
await alice.says_in(well, "It is dry again")        # message_thread_id, is_topic_message
await alice.edits(message, "It is dry")             # an edited_message update
await alice.sends_voice(reply_to=card)              # voice, sticker, photo; in card's topic
await forum.channel("Dongshan news").says("...")    # on behalf of a channel
await forum.bot_becomes("administrator", can_manage_topics=True)   # my_chat_member
"""

from __future__ import annotations

import asyncio
import itertools
from datetime import timedelta
from pathlib import Path
from typing import Any

from telegram.ext import Application

from bot.app import (
    build_application,
    finish_work,
    poller_of,
    runtime_of,
    start_delivery,
    start_runtime,
    stop_delivery,
    stop_runtime,
)
from bot.clock import FrozenClock
from bot.settings import Settings
from tests.kit.fake_api import (
    ANONYMOUS_ADMIN,
    BOT_ID,
    BOT_USERNAME,
    CHANNEL_BOT,
    Call,
    FakeBotAPI,
)
from tests.kit.request import FakeRequest

TEST_TOKEN = "123456789:TESTTOKEN_never_in_logs_abcdefgh"
ANONYMOUS_ADMIN_ID = ANONYMOUS_ADMIN["id"]
CHANNEL_BOT_ID = CHANNEL_BOT["id"]
_ids = itertools.count(5001)


def make_settings(
    db_path: Path, overrides: dict[str, dict] | None = None, **defaults: Any
) -> Settings:
    values: dict[str, dict[str, Any]] = {
        "telegram": {
            "token": TEST_TOKEN,
            "base_url": "http://fake.invalid/bot",
            "rate_limiter": False,
        },
        "database": {"path": str(db_path), "synchronous": "NORMAL"},
        "defaults": defaults,
        "limits": {"flood_burst": 1000},
    }
    for section, changes in (overrides or {}).items():
        values[section] = {**values.get(section, {}), **changes}
    return Settings.model_validate(values)


async def boot_app(
    settings: Settings,
    api: FakeBotAPI,
    clock: FrozenClock,
    errors: list[BaseException],
    request: FakeRequest | None = None,
) -> Application:
    """The application the program builds, on the fake Bot API, started as `shangliang run`
    starts it: the same poller, inbox, lanes and processor; every handler exception lands in
    `errors`. The only difference: no JobQueue, so the schedule wakes when a test moves the
    frozen clock (World.advance) rather than by wall-clock time."""
    app = build_application(
        settings, request=request or FakeRequest(api), clock=clock, job_queue=False
    )

    async def collect(update: object, context: Any) -> None:
        errors.append(context.error)

    app.add_error_handler(collect)
    await app.initialize()
    await start_runtime(app)
    await app.start()
    await start_delivery(app)
    return app


async def stop_app(app: Application) -> None:
    """Stopped as `shangliang run` stops it."""
    await stop_delivery(app)
    await app.stop()
    await finish_work(app)
    await stop_runtime(app)
    await app.shutdown()


class World:
    def __init__(self, settings: Settings, api: FakeBotAPI, clock: FrozenClock) -> None:
        self.settings = settings
        self.api = api
        self.clock = clock
        self.app: Application | None = None
        self.request: FakeRequest | None = None
        self.errors: list[BaseException] = []
        self._update_ids = itertools.count(1)
        self._chat_ids = itertools.count(-1001000000001, -1)

    @classmethod
    async def start(
        cls, tmp_path: Path, overrides: dict[str, dict] | None = None, **defaults: Any
    ) -> World:
        world = cls(
            make_settings(tmp_path / "test.db", overrides, **defaults), FakeBotAPI(), FrozenClock()
        )
        await world.boot()
        return world

    async def boot(self) -> Application:
        self.request = FakeRequest(self.api)
        self.app = await boot_app(self.settings, self.api, self.clock, self.errors, self.request)
        await self.settle()
        return self.app

    async def stop(self) -> None:
        if self.app is not None:
            await stop_app(self.app)
            self.app = None

    async def restart(self) -> Application:
        await self.stop()
        return await self.boot()

    @property
    def rt(self):
        assert self.app is not None
        return runtime_of(self.app)

    # ----- people and places --------------------------------------------------------
    def group(
        self, title: str = "Dongshan village", chat_id: int | None = None, forum: bool = False
    ) -> Group:
        """A supergroup the bot is a member of; with `forum`, one with topics."""
        chat_id = chat_id or next(self._chat_ids)
        if forum:
            self.api.add_chat(chat_id, "supergroup", title, is_forum=True)
        else:
            self.api.add_chat(chat_id, "supergroup", title)
        self.api.set_status(chat_id, self.api.bot_user["id"], "member")
        return Group(self, chat_id, title)

    def person(self, name: str, language: str | None = "zh", user_id: int | None = None) -> Person:
        user_id = user_id or next(_ids)
        user = self.api.add_user(user_id, name.capitalize(), name, language)
        self.api.add_chat(user_id, "private", None, first_name=user["first_name"], username=name)
        return Person(self, user)

    # ----- feeding updates ------------------------------------------------------------
    def push(self, payload: dict[str, Any]) -> dict[str, Any]:
        """Telegram receives an update for the bot: it waits there until the bot polls."""
        update = self.api.push_update({"update_id": next(self._update_ids), **payload})
        if self.request is not None:
            self.request.polling.wake()
        return update

    async def feed(self, payload: dict[str, Any]) -> dict[str, Any]:
        """An update reaches the bot through its poller, inbox and chat lane; returns once
        everything it set off (cards, schedule rows due now) is done."""
        update = self.push(payload)
        await self.settle()
        return update

    async def stored(self, update: dict[str, Any], within: float = 5.0) -> None:
        """Wait until the poller has stored `update` in the inbox (not necessarily handled)."""
        assert self.app is not None
        poller = poller_of(self.app)
        for _ in range(int(within / 0.005)):
            if (poller.offset or 0) > update["update_id"]:
                return
            await asyncio.sleep(0.005)
        raise AssertionError(f"update {update['update_id']} was never stored")

    async def settle(self, within: float = 10.0) -> None:
        """Wait until the bot is at rest: every pushed update received and handled, every
        schedule row due by the frozen clock run. Fails the test on any handler exception."""
        assert self.app is not None
        rt = self.rt
        poller = poller_of(self.app)
        scheduler = rt.scheduler
        async with asyncio.timeout(within):
            await scheduler.started.wait()  # the start-up's catch-up has begun
            while True:
                pushed = self.api.pending_updates()
                behind = pushed and (poller.offset or 0) <= pushed[-1]["update_id"]
                if behind or not poller.caught_up.is_set():
                    await asyncio.sleep(0.001)
                    continue
                await rt.inbox.settled()
                await rt.lanes.idle()
                await scheduler.idle()
                armed = scheduler.armed_for
                if armed is not None and armed <= self.clock.now() and scheduler.running == 0:
                    if await scheduler.run_due(self.app):
                        continue
                if rt.inbox.in_hand or rt.lanes.busy or scheduler.running:
                    continue
                break
        if self.errors:
            raise AssertionError(f"a handler raised: {self.errors!r}") from self.errors[0]

    async def advance(self, delta: timedelta | None = None, **kwargs: float) -> None:
        """Move the clock and let the schedule do what has fallen due."""
        self.clock.advance(delta or timedelta(**kwargs))
        await self.run_due()

    async def run_due(self) -> None:
        """What the JobQueue does as time passes: coalesced card edits go out, and the
        schedule wakes if (and only if) it is armed for a time that has come."""
        await self.rt.card_edits.flush(self.app)
        await self.rt.inbox.flush()
        await self.settle()


class Person:
    def __init__(self, world: World, user: dict[str, Any]) -> None:
        self.world = world
        self.user = user
        # Whom the messages are sent on behalf of: a channel, or the group itself for its
        # anonymous administrator (Telegram's sender_chat); None for the person themself.
        self.sender_chat: dict[str, Any] | None = None

    @property
    def id(self) -> int:
        return self.user["id"]

    @property
    def name(self) -> str:
        return self.user["first_name"]

    def message(
        self, chat: dict[str, Any], text: str, reply_to: dict | None = None, **extra: Any
    ) -> dict:
        content: dict[str, Any] = {"text": text, **extra}
        if text.startswith("/"):
            content["entities"] = _command_entities(text)
        return self.compose(chat, content, reply_to)

    def compose(
        self,
        chat: dict[str, Any],
        content: dict[str, Any],
        reply_to: dict | None = None,
        thread: int | None = None,
    ) -> dict:
        """A message of theirs in `chat` holding `content` (text, voice, sticker, photo...),
        stored as Telegram would deliver it: in forum topic `thread` (or, replying, in the
        topic of `reply_to`), where it carries message_thread_id and is_topic_message and, if
        it replies to nothing else, replies to the topic's creation message; in General it
        carries neither."""
        api = self.world.api
        message: dict[str, Any] = {
            "message_id": api.new_message_id(chat["id"]),
            # Telegram dates a message when the member sends it: the world's clock.
            "date": int(self.world.clock.now().timestamp()),
            "chat": chat,
            "from": self.user,
        }
        if self.sender_chat is not None and "sender_chat" not in content:
            message["sender_chat"] = self.sender_chat
        message.update(content)
        if chat.get("is_forum"):
            if thread is None and reply_to is not None and reply_to.get("is_topic_message"):
                thread = reply_to["message_thread_id"]
            if thread is not None:
                topic = api.thread(chat["id"], thread)
                assert topic is not None, f"there is no topic {thread} in {chat.get('title')}"
                assert not topic["is_closed"] or self._may_manage_topics(chat), (
                    f"{self.name} may not write in the closed topic {topic['name']!r}"
                )
                message["message_thread_id"] = thread
                message["is_topic_message"] = True
                if reply_to is None:
                    reply_to = api.messages.get((chat["id"], thread))
        else:
            assert thread is None, f"{chat.get('title')} is not a forum: it has no topics"
        if reply_to is not None:
            message["reply_to_message"] = {
                k: v for k, v in reply_to.items() if k not in ("reply_to_message", "html")
            }
        return api.store_message(message)

    def _may_manage_topics(self, chat: dict[str, Any]) -> bool:
        """An administrator (or the group's anonymous one) may still write in a closed topic."""
        status = self.world.api.statuses.get((chat["id"], self.id))
        anonymous = (self.sender_chat or {}).get("id") == chat["id"]
        return status in ("creator", "administrator") or anonymous

    async def starts_bot(self) -> dict:
        """Opens a private chat with the bot (/start): from now on it may write to them there."""
        return await self.says_privately("/start")

    async def says_privately(self, text: str, reply_to: dict | None = None) -> dict:
        chat = self.world.api.chats[self.id]
        message = self.message(chat, text, reply_to)
        await self.world.feed({"message": _public(message)})
        return message

    def private_messages(self) -> list[dict]:
        return _bot_messages(self.world.api, self.id)

    def last_private_message(self) -> dict:
        messages = self.private_messages()
        assert messages, f"the bot never wrote to {self.name} in private"
        return messages[-1]

    async def presses_privately(self, message: dict, label: str) -> Call | None:
        return await _press(self, self.world.api.chats[self.id], message, label)


class Member(Person):
    def __init__(self, world: World, user: dict[str, Any], group: Group) -> None:
        super().__init__(world, user)
        self.group = group

    async def says(self, text: str, **extra: Any) -> dict:
        message = self.message(self.group.chat, text, **extra)
        await self.world.feed({"message": _public(message)})
        return message

    async def replies_to(self, original: dict, text: str) -> dict:
        """A reply to `original`; in a forum it lands in the topic `original` is in."""
        message = self.message(
            self.group.chat,
            text,
            reply_to=self.world.api.messages.get(
                (self.group.chat_id, original["message_id"]), original
            ),
        )
        await self.world.feed({"message": _public(message)})
        return message

    async def says_in(self, thread: int, text: str, reply_to: dict | None = None) -> dict:
        """A message in the forum topic `thread` (Group.thread)."""
        content: dict[str, Any] = {"text": text}
        if text.startswith("/"):
            content["entities"] = _command_entities(text)
        return await self._sends(content, reply_to, thread)

    async def edits(self, message: dict, text: str) -> dict:
        """They edit a text message of theirs: an edited_message update with the same
        message_id, the new text and an edit_date."""
        api = self.world.api
        current = api.messages.get((self.group.chat_id, message["message_id"]), message)
        assert (current.get("from") or {}).get("id") == self.id, "one edits only one's own"
        assert "text" in current, "only a text message's text can be edited"
        edited = {k: v for k, v in current.items() if k != "entities"}
        edited.update(text=text, edit_date=int(self.world.clock.now().timestamp()))
        if text.startswith("/"):
            edited["entities"] = _command_entities(text)
        api.store_message(edited)
        await self.world.feed({"edited_message": _public(edited)})
        return edited

    async def sends_voice(
        self,
        duration: int = 4,
        reply_to: dict | None = None,
        thread: int | None = None,
        caption: str | None = None,
    ) -> dict:
        """A voice note (optionally replying to `reply_to`, e.g. a card of the bot's)."""
        return await self._sends(_with_caption(voice_content(duration), caption), reply_to, thread)

    async def sends_sticker(
        self, emoji: str = "👍", reply_to: dict | None = None, thread: int | None = None
    ) -> dict:
        return await self._sends(sticker_content(emoji), reply_to, thread)

    async def sends_photo(
        self, caption: str | None = None, reply_to: dict | None = None, thread: int | None = None
    ) -> dict:
        return await self._sends(_with_caption(photo_content(), caption), reply_to, thread)

    async def _sends(self, content: dict, reply_to: dict | None, thread: int | None) -> dict:
        if reply_to is not None:
            reply_to = self.world.api.messages.get(
                (self.group.chat_id, reply_to["message_id"]), reply_to
            )
        message = self.compose(self.group.chat, content, reply_to, thread)
        await self.world.feed({"message": _public(message)})
        return message

    async def presses(self, message: dict, label: str) -> Call | None:
        return await _press(self, self.group.chat, message, label)

    async def presses_data(self, message: dict, data: str) -> Call | None:
        """Press a button whose data we make up: forged or stale callback data."""
        return await _press(self, self.group.chat, message, None, data=data)


class Group:
    def __init__(self, world: World, chat_id: int, title: str) -> None:
        self.world = world
        self.chat_id = chat_id
        self.title = title
        self.members: dict[str, Member] = {}

    @property
    def chat(self) -> dict[str, Any]:
        return self.world.api.chats[self.chat_id]

    def member(self, name: str, status: str = "member", language: str | None = "zh") -> Member:
        person = self.world.person(name, language)
        return self.add(person, status)

    def add(self, person: Person, status: str = "member") -> Member:
        self.world.api.set_status(self.chat_id, person.id, status)
        member = Member(self.world, person.user, self)
        self.members[person.user.get("username", person.name)] = member
        return member

    def convenor(self, name: str, language: str | None = "zh") -> Member:
        return self.member(name, "administrator", language)

    def creator(self, name: str) -> Member:
        return self.member(name, "creator")

    def anonymous_admin(self) -> Member:
        """An administrator who writes as the group: `from` is GroupAnonymousBot, sender_chat
        the group itself."""
        user = self.world.api.add_user(
            ANONYMOUS_ADMIN_ID, "Group", "GroupAnonymousBot", is_bot=True
        )
        member = Member(self.world, user, self)
        member.sender_chat = self.chat
        return member

    def channel(self, title: str = "Dongshan news", chat_id: int | None = None) -> Member:
        """Someone writing here on behalf of their channel: `from` is Telegram's Channel_Bot,
        sender_chat the channel."""
        chat_id = chat_id or next(self.world._chat_ids)
        channel = self.world.api.add_chat(chat_id, "channel", title)
        user = self.world.api.add_user(CHANNEL_BOT_ID, "Channel", "Channel_Bot", is_bot=True)
        member = Member(self.world, user, self)
        member.sender_chat = dict(channel)
        return member

    # ----- forum topics ---------------------------------------------------------------
    def thread(self, name: str, by: Person | None = None, closed: bool = False) -> int:
        """A topic `by` opened in this forum (by its anonymous administrator if no one is
        named); its message_thread_id."""
        user = by.user if by is not None else None
        sender_chat = by.sender_chat if by is not None else None
        return self.world.api.add_thread(
            self.chat_id, name, user, closed=closed, sender_chat=sender_chat
        )

    def close_thread(self, thread: int, closed: bool = True) -> None:
        """An administrator closes (or, closed=False, reopens) the topic."""
        self.world.api.set_thread_closed(self.chat_id, thread, closed)

    def bot_messages_in(self, thread: int | None) -> list[dict]:
        """What the bot wrote in the topic `thread` (None: General)."""
        return [
            m
            for m in self.bot_messages()
            if self.world.api.thread_of(self.chat_id, m["message_id"]) == thread
        ]

    # ----- who may do what ------------------------------------------------------------
    def restrict(
        self, member: Person, is_member: bool = True, until_date: int = 0, **permissions: bool
    ) -> None:
        """An administrator restricts `member` to `permissions` (the others False);
        is_member=False: restricted, and no longer in the group."""
        self.world.api.restrict(self.chat_id, member.id, is_member, until_date, **permissions)

    async def bot_becomes(
        self, status: str, by: Person | None = None, until_date: int = 0, **rights: bool
    ) -> dict:
        """Someone (`by`; an administrator of the group if not named) changes the bot's status
        here: "administrator" with `rights`, "restricted" with permissions, "member", "left",
        "kicked". The fake follows, and the bot gets the my_chat_member update."""
        api = self.world.api
        old = api.chat_member(self.chat_id, BOT_ID)
        if status == "administrator":
            api.set_bot_rights(self.chat_id, **rights)
        elif status == "restricted":
            api.restrict_bot(self.chat_id, until_date, **rights)
        else:
            assert status in ("member", "left", "kicked") and not rights, (status, rights)
            api.set_status(self.chat_id, BOT_ID, status)
        new = api.chat_member(self.chat_id, BOT_ID)
        payload = my_chat_member_payload(
            self.chat, self._changer(by), old, new, int(self.world.clock.now().timestamp())
        )
        await self.world.feed(payload)
        return payload

    def _changer(self, by: Person | None) -> dict[str, Any]:
        if by is not None:
            return by.user
        for member in self.members.values():
            status = self.world.api.statuses.get((self.chat_id, member.id))
            if status in ("creator", "administrator"):
                return member.user
        return dict(ANONYMOUS_ADMIN)

    def bot_messages(self) -> list[dict]:
        return _bot_messages(self.world.api, self.chat_id)

    def last_bot_message(self) -> dict:
        messages = self.bot_messages()
        assert messages, "the bot has not written in this group"
        return messages[-1]

    def sent(self) -> list[Call]:
        return self.world.api.calls_of("sendMessage", self.chat_id)

    def edits(self) -> list[Call]:
        return self.world.api.calls_of("editMessageText", self.chat_id)

    def texts(self) -> list[str]:
        return [m["text"] for m in self.bot_messages()]


def _bot_messages(api: FakeBotAPI, chat_id: int) -> list[dict]:
    """What the bot wrote in a chat (not the service messages of topics it opened or messages
    it pinned)."""
    return [
        m
        for (cid, _), m in sorted(api.messages.items(), key=lambda kv: kv[0][1])
        if cid == chat_id
        and m.get("from", {}).get("id") == api.bot_user["id"]
        and "forum_topic_created" not in m
        and "pinned_message" not in m
    ]


def _command_entities(text: str) -> list[dict[str, Any]]:
    word = text.split()[0]
    return [{"type": "bot_command", "offset": 0, "length": len(word)}]


def _file_ids(kind: str) -> dict[str, str]:
    n = next(_ids)
    return {"file_id": f"{kind}-file-{n}", "file_unique_id": f"{kind}-{n}"}


def voice_content(duration: int = 4) -> dict[str, Any]:
    """A voice note as a Message carries it."""
    return {
        "voice": {
            **_file_ids("voice"),
            "duration": duration,
            "mime_type": "audio/ogg",
            "file_size": 2400 * duration,
        }
    }


def sticker_content(emoji: str = "👍") -> dict[str, Any]:
    """A regular (static) sticker as a Message carries it."""
    return {
        "sticker": {
            **_file_ids("sticker"),
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": emoji,
            "set_name": "DongshanVillage",
            "file_size": 24000,
        }
    }


def photo_content() -> dict[str, Any]:
    """A photo as a Message carries it: the sizes Telegram made of it, smallest first."""
    sizes = ((90, 68), (320, 240), (800, 600), (1280, 960))
    return {
        "photo": [
            {**_file_ids("photo"), "width": w, "height": h, "file_size": w * h // 10}
            for w, h in sizes
        ]
    }


def _with_caption(content: dict[str, Any], caption: str | None) -> dict[str, Any]:
    if caption:
        content["caption"] = caption
        if caption.startswith("/"):
            content["caption_entities"] = _command_entities(caption)
    return content


def my_chat_member_payload(
    chat: dict[str, Any], by: dict[str, Any], old: dict[str, Any], new: dict[str, Any], date: int
) -> dict[str, Any]:
    """The update Telegram sends when `by` changes the bot's status in `chat` from `old` to
    `new` (ChatMember objects, as getChatMember gives them)."""
    return {
        "my_chat_member": {
            "chat": {k: v for k, v in chat.items() if k in ("id", "type", "title", "is_forum")},
            "from": by,
            "date": date,
            "old_chat_member": old,
            "new_chat_member": new,
        }
    }


def buttons(message: dict) -> list[dict]:
    markup = message.get("reply_markup") or {}
    return [b for row in markup.get("inline_keyboard", []) for b in row]


def button_labels(message: dict) -> list[str]:
    return [b["text"] for b in buttons(message)]


def press_payload(
    person: Person, chat: dict, message: dict, label: str | None, data: str | None = None
) -> dict[str, Any]:
    """The update Telegram sends when `person` presses the button labelled `label` (or one
    with made-up `data`) on `message`; the query id is known to the fake from now on."""
    api = person.world.api
    current = api.messages.get((chat["id"], message["message_id"]), message)
    if data is None:
        matches = [b for b in buttons(current) if label.lower() in b["text"].lower()]
        assert matches, f"no button {label!r} on message; buttons: {button_labels(current)}"
        button = matches[0]
        assert "callback_data" in button, (
            f"button {button['text']!r} is a link: {button.get('url')}"
        )
        data = button["callback_data"]
    query_id = str(next(_ids))
    api.register_callback_query(query_id)
    return {
        "callback_query": {
            "id": query_id,
            "from": person.user,
            "message": _public(current),
            "chat_instance": str(chat["id"]),
            "data": data,
        }
    }


async def _press(
    person: Person, chat: dict, message: dict, label: str | None, data: str | None = None
) -> Call | None:
    payload = press_payload(person, chat, message, label, data)
    await person.world.feed(payload)
    query_id = payload["callback_query"]["id"]
    api = person.world.api
    refused = {id(call) for call, _code, _why in api.refusals}
    # What the member sees: the answer Telegram took. A second (or late) one is refused and
    # shows nothing, so it is not returned.
    answers = [
        c
        for c in api.calls_of("answerCallbackQuery")
        if c.params.get("callback_query_id") == query_id and id(c) not in refused
    ]
    return answers[0] if answers else None


def _public(message: dict) -> dict:
    out = {k: v for k, v in message.items() if k not in ("html", "asked")}
    if "reply_to_message" in out:
        out["reply_to_message"] = {
            k: v for k, v in out["reply_to_message"].items() if k not in ("html", "asked")
        }
    return out


def deep_link_payload(url: str) -> str:
    prefix = f"https://t.me/{BOT_USERNAME}?start="
    assert url.startswith(prefix), url
    return url[len(prefix) :]
