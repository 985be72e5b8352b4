"""A small vocabulary so that a test reads like the story it checks.

world = await World.start(tmp_path)
group = world.group("Dongshan village")
chen = group.convenor("chen"); alice = group.member("alice")
await alice.says("/propose Fix the well")
await chen.presses(group.last_bot_message(), "Accept")
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
from tests.kit.fake_api import BOT_USERNAME, Call, FakeBotAPI
from tests.kit.request import FakeRequest

TEST_TOKEN = "123456789:TESTTOKEN_never_in_logs_abcdefgh"
ANONYMOUS_ADMIN_ID = 1087968824
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
    def group(self, title: str = "Dongshan village", chat_id: int | None = None) -> Group:
        chat_id = chat_id or next(self._chat_ids)
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

    @property
    def id(self) -> int:
        return self.user["id"]

    @property
    def name(self) -> str:
        return self.user["first_name"]

    def message(
        self, chat: dict[str, Any], text: str, reply_to: dict | None = None, **extra: Any
    ) -> dict:
        api = self.world.api
        message: dict[str, Any] = {
            "message_id": api.new_message_id(chat["id"]),
            # Telegram dates a message when the member sends it: the world's clock.
            "date": int(self.world.clock.now().timestamp()),
            "chat": chat,
            "from": self.user,
            "text": text,
            **extra,
        }
        if text.startswith("/"):
            word = text.split()[0]
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(word)}]
        if reply_to is not None:
            message["reply_to_message"] = {
                k: v for k, v in reply_to.items() if k not in ("reply_to_message", "html")
            }
        return api.store_message(message)

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
        message = self.message(
            self.group.chat,
            text,
            reply_to=self.world.api.messages.get(
                (self.group.chat_id, original["message_id"]), original
            ),
        )
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
        user = self.world.api.add_user(
            ANONYMOUS_ADMIN_ID, "Group", "GroupAnonymousBot", is_bot=True
        )
        member = Member(self.world, user, self)
        original_message = member.message

        def as_group(chat, text, reply_to=None, **extra):
            return original_message(chat, text, reply_to, sender_chat=self.chat, **extra)

        member.message = as_group  # type: ignore[method-assign]
        return member

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
    return [
        m
        for (cid, _), m in sorted(api.messages.items(), key=lambda kv: kv[0][1])
        if cid == chat_id and m.get("from", {}).get("id") == api.bot_user["id"]
    ]


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
