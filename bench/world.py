"""The bench's world: the real Application over the fake Bot API, people, groups and a clock.

Unlike tests.kit.story, nothing here keeps an ever-growing list of calls or scans it: the fake
API counts calls per (method, chat) and hands back the messages sent during the last update, so
that the bench's own bookkeeping stays O(1) per update and does not pollute the figures.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from telegram import Update
from telegram.ext import Application

from bot.app import runtime_of
from bot.clock import FrozenClock
from bot.settings import Settings
from tests.kit.fake_api import BOT_ID, FakeBotAPI
from tests.kit.story import boot_app, make_settings, stop_app

# Raised far above the default (8 per 10 s) so that the bench measures work, not refusals.
FLOOD_BURST = 100_000


def bench_settings(db_path: Path, synchronous: str = "FULL") -> Settings:
    """Test settings made durable: WAL (always on) with synchronous=FULL, no rate limiter."""
    return make_settings(
        db_path,
        {"database": {"synchronous": synchronous}, "limits": {"flood_burst": FLOOD_BURST}},
    )


class BenchAPI(FakeBotAPI):
    """FakeBotAPI that counts instead of recording, and remembers what the last update sent."""

    def __init__(self) -> None:
        super().__init__()
        self.counts: Counter[tuple[str, int | None]] = Counter()
        self.failures: Counter[tuple[str, str]] = Counter()
        self.sent: list[dict[str, Any]] = []

    def handle(self, method: str, params: dict[str, Any], **how: Any) -> tuple[int, dict[str, Any]]:
        code, body = super().handle(method, params, **how)
        if method != "getUpdates" and self.calls:
            call = self.calls.pop()
            self.counts[(method, call.chat_id)] += 1
        if code != 200:
            self.failures[(method, str(body.get("description", ""))[:60])] += 1
        elif method == "sendMessage":
            self.sent.append(body["result"])
        return code, body

    def sent_in(self, chat_id: int) -> list[dict[str, Any]]:
        """The messages sent to this chat during the last batch."""
        return [m for m in self.sent if m["chat"]["id"] == chat_id]

    def total(self, method: str) -> int:
        return sum(n for (m, _chat), n in self.counts.items() if m == method)

    def group_messages(self, chat_id: int) -> int:
        """What a group sees arrive: new bot messages and edits of bot messages."""
        return self.counts[("sendMessage", chat_id)] + self.counts[("editMessageText", chat_id)]


def public(message: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in message.items() if k not in ("html", "asked", "reply_to_message")}
    return out


@dataclass
class Person:
    user: dict[str, Any]

    @property
    def id(self) -> int:
        return self.user["id"]

    @property
    def username(self) -> str:
        return self.user["username"]


@dataclass
class Group:
    world: BenchWorld
    chat: dict[str, Any]
    convenor: Person
    members: list[Person]
    topics_started: int = 0

    @property
    def chat_id(self) -> int:
        return self.chat["id"]

    @property
    def everyone(self) -> list[Person]:
        return [self.convenor, *self.members]

    def says(
        self, person: Person, text: str, reply_to: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """A message update: a command (bot_command entity) or, with reply_to, an answer."""
        api = self.world.api
        message: dict[str, Any] = {
            "message_id": api.new_message_id(self.chat_id),
            "date": int(self.world.clock.now().timestamp()),
            "chat": self.chat,
            "from": person.user,
            "text": text,
        }
        if text.startswith("/"):
            word = text.split()[0]
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(word)}]
        if reply_to is not None:
            message["reply_to_message"] = public(reply_to)
        return {"message": message}

    def presses(
        self, person: Person, message_id: int, wanted: Callable[[str], bool]
    ) -> dict[str, Any] | None:
        """A button press whose data is read from the card as the bot last left it."""
        current = self.world.api.messages.get((self.chat_id, message_id))
        if current is None:
            return None
        markup = current.get("reply_markup") or {}
        for row in markup.get("inline_keyboard", []):
            for button in row:
                data = button.get("callback_data")
                if data and wanted(data):
                    query_id = str(next(self.world.query_ids))
                    # Telegram takes an answer only to a press it delivered.
                    self.world.api.register_callback_query(query_id)
                    return {
                        "callback_query": {
                            "id": query_id,
                            "from": person.user,
                            "message": public(current),
                            "chat_instance": str(self.chat_id),
                            "data": data,
                        }
                    }
        return None


class BenchWorld:
    """One Application, one database, one fake Bot API, one frozen clock."""

    def __init__(
        self, db_path: Path, chat_base: int = -1001000000001, synchronous: str = "FULL"
    ) -> None:
        self.settings = bench_settings(db_path, synchronous)
        self.api = BenchAPI()
        self.clock = FrozenClock()
        self.app: Application | None = None
        self.errors: list[BaseException] = []
        self.update_ids = itertools.count(1)
        self.query_ids = itertools.count(1)
        self._chat_ids = itertools.count(chat_base, -1)
        self._user_ids = itertools.count(10_000_001)
        self.groups: list[Group] = []

    async def boot(self) -> Application:
        logging.getLogger("handlers").setLevel(logging.CRITICAL)  # the apology path logs tracebacks
        self.app = await boot_app(self.settings, self.api, self.clock, self.errors)
        return self.app

    async def stop(self) -> None:
        if self.app is not None:
            await stop_app(self.app)
            self.app = None

    @property
    def rt(self):
        assert self.app is not None
        return runtime_of(self.app)

    def group(self, members: int) -> Group:
        index = len(self.groups)
        chat_id = next(self._chat_ids)
        chat = self.api.add_chat(chat_id, "supergroup", f"Village {index}")
        self.api.set_status(chat_id, BOT_ID, "member")
        convenor = self._person(chat_id, f"c{index:04d}x", "administrator")
        people = [self._person(chat_id, f"g{index:04d}m{i:04d}", "member") for i in range(members)]
        group = Group(self, chat, convenor, people)
        self.groups.append(group)
        return group

    def _person(self, chat_id: int, username: str, status: str) -> Person:
        user_id = next(self._user_ids)
        user = self.api.add_user(user_id, username.capitalize(), username, "zh")
        self.api.set_status(chat_id, user_id, status)
        return Person(user)

    def update(self, payload: dict[str, Any]) -> tuple[dict[str, Any], Update]:
        assert self.app is not None
        data = {"update_id": next(self.update_ids), **payload}
        return data, Update.de_json(data, self.app.bot)

    async def process_batch(self, received: list[tuple[dict[str, Any], Update]]) -> list[float]:
        """Updates through the production path as one getUpdates result: stored in the inbox in
        one transaction, queued, handled in their chats' lanes by the processor; returns each
        update's wall time in seconds, from the batch's arrival to its own end. Each comes as
        (its JSON as Telegram sends it, the parsed Update), as the poller hands them over."""
        assert self.app is not None
        self.api.sent.clear()
        inbox = self.rt.inbox
        start = time.perf_counter()

        async def handled(update: Update) -> float:
            await inbox.processed([update.update_id])
            return time.perf_counter() - start

        updates = [u for _data, u in received]
        await inbox.accept(updates, payloads=[json.dumps(data) for data, _u in received])
        return list(await asyncio.gather(*(handled(u) for u in updates)))

    async def process(self, update: Update) -> float:
        """One update through the production path: stored in the inbox as a batch of one, queued,
        handled in its chat's lane by the processor; returns its wall time in seconds. Marks of
        updates that wrote nothing go out in batches (ScheduleDriver.check, like the JobQueue)."""
        assert self.app is not None
        self.api.sent.clear()
        inbox = self.rt.inbox
        start = time.perf_counter()
        await inbox.accept([update])
        await inbox.processed([update.update_id])
        return time.perf_counter() - start


@dataclass
class ScheduleDriver:
    """Does what the JobQueue would do, on the frozen clock.

    * A card edit requested through the CardRefresher fires `tally_refresh` after the request
      that made the card dirty (the refresher's own run_once job); `check()` runs once per
      simulated second and flushes each card whose interval has passed.
    * The scheduler's wake job fires at the armed time: `check()` runs `run_due` then.

    The refresher's pending keys and the scheduler's armed time are read from the objects
    (read-only); see the report for the public hook that would make this cleaner.
    """

    world: BenchWorld
    every_second: bool = False  # naive variant: flush every dirty card once per second
    dirty_since: dict[tuple[str, int], Any] = field(default_factory=dict)
    flushes: int = 0
    wakes: int = 0

    @property
    def refresher(self):
        return self.world.rt.card_edits

    @property
    def scheduler(self):
        return self.world.rt.scheduler

    def observe(self) -> None:
        """After each update: note when each card became dirty."""
        now = self.world.clock.now()
        for key in self.refresher.pending():
            self.dirty_since.setdefault(key, now)

    async def check(self) -> None:
        app = self.world.app
        await self.world.rt.inbox.flush()  # the JobQueue's "inbox-flush" job
        now = self.world.clock.now()
        interval = timedelta(seconds=0) if self.every_second else self.refresher.interval()
        for key, since in list(self.dirty_since.items()):
            if key not in self.refresher.pending():
                del self.dirty_since[key]
            elif now - since >= interval:
                del self.dirty_since[key]
                await self.refresher.flush_one(app, key)
                self.flushes += 1
        armed = self.scheduler.armed_for
        if armed is not None and armed <= now:
            self.wakes += 1
            await self.scheduler.run_due(app)
            # Rows run in their chats' lanes; the bench counts their work here.
            await self.scheduler.idle()
        self.observe()
