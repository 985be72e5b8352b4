"""The demo village: the real bot (bot/app.py's factory, the handlers, storage and scheduler)
talking over HTTP to the Bot API stand-in (standin/botapi.py), and the people who write to it
from the page (standin/web.py).

The bot is started exactly as `shangliang run` starts it, with three differences: its Bot API
base URL is the stand-in on 127.0.0.1, its database is the demo's own file, and its clock can
be moved forward (bot/clock.py ShiftedClock) so that deadlines and follow-ups come in a click.
Everything the page sees goes out as events (`subscribe`): a message sent, edited or deleted,
a toast, a reaction, the clock, a reset.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import re
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

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
from bot.clock import ShiftedClock
from bot.settings import Settings
from standin.botapi import BOT_ID, BOT_RIGHTS, BotAPI, Call
from standin.cast import (
    BOT_NAME,
    BY_ID,
    CONVENOR,
    DEMO_BOT_USERNAME,
    DEMO_TOKEN,
    GROUP_ID,
    GROUP_TITLE,
    PEOPLE,
)
from standin.mark import make_demo_database, may_replace

log = logging.getLogger(__name__)

# The village's clock starts at 09:00 its time on the day the demo starts: deadlines, quiet
# hours (22:00-08:00) and follow-ups then fall where a visitor expects them.
VILLAGE_ZONE = ZoneInfo("Asia/Shanghai")
START_AT = time(9, 0)
# What the bot may do in the demo group: an administrator that may delete and pin.
BOT_GRANTED = ("can_manage_chat", "can_delete_messages", "can_pin_messages", "can_invite_users")
_MENTION = re.compile(r'href="tg://user\?id=(\d+)"')
MAX_TEXT = 4096


class DemoError(ValueError):
    """A request from the page that the demo cannot carry out (who, where or what is wrong)."""


def demo_settings(port: int, db_path: Path, language: str) -> Settings:
    """The bot's settings for the demo: the stand-in's URL, the demo's database and token.
    Built from values alone (no config file, no SHANGLIANG_* variables): nothing of the
    production set-up can leak in."""
    return Settings.model_validate(
        {
            "telegram": {
                "token": DEMO_TOKEN,
                "base_url": f"http://127.0.0.1:{port}/bot",
                "poll_timeout": 10,
                "rate_limiter": False,
            },
            "database": {"path": str(db_path), "synchronous": "NORMAL"},
            "defaults": {"language": language},
            "limits": {"tally_refresh": timedelta(seconds=1), "flood_burst": 60},
            "logging": {"level": "WARNING"},
        }
    )


def village_morning(now: datetime | None = None) -> datetime:
    """09:00 in the village (Asia/Shanghai) on the day of `now` (UTC; default: the real now)."""
    local = (now or datetime.now(UTC)).astimezone(VILLAGE_ZONE)
    return datetime.combine(local.date(), START_AT, VILLAGE_ZONE).astimezone(UTC)


class Demo:
    """One demo village: the stand-in, the bot on it, and what the page may do to them.

    `port` is where the stand-in's Bot API answers (standin/web.py serves it); `db_path` the
    demo's database file, created afresh at every start and reset; `language` "zh" or "en".
    """

    def __init__(self, port: int, db_path: Path, language: str = "zh", forum: bool = False) -> None:
        if language not in ("zh", "en"):
            raise DemoError(f"no demo in language {language!r} (zh or en)")
        self.port = port
        self.db_path = Path(db_path)
        self.language = language
        # A forum supergroup (topics, here threads): each accepted topic gets a thread.
        self.forum = forum
        self.settings = demo_settings(port, self.db_path, language)
        self.clock = ShiftedClock()
        self.api = BotAPI(username=DEMO_BOT_USERNAME, now=self._timestamp)
        self.app: Any = None
        self.errors: list[BaseException] = []
        self._subscribers: set[asyncio.Queue] = set()
        self._arrived = asyncio.Event()
        self._queries: dict[str, int] = {}  # callback query id -> who pressed
        self._query_ids = itertools.count(1)
        # Reactions the bot set, per (chat, message): the emoji shown under the message.
        self.reactions: dict[tuple[int, int], list[str]] = {}
        self.files: dict[tuple[int, int], tuple[str, bytes]] = {}
        self._lock = asyncio.Lock()

    # ----- lifecycle ----------------------------------------------------------------------
    def _timestamp(self) -> float:
        return self.clock.now().timestamp()

    async def start(self) -> None:
        """A fresh village: a new database, the group and its people, the bot started and
        added to the group by the convenor (its welcome appears)."""
        _fresh_database(self.db_path)
        self.clock = ShiftedClock()
        self.clock.offset = village_morning() - datetime.now(UTC)
        self.api = BotAPI(username=DEMO_BOT_USERNAME, now=self._timestamp)
        self.api.bot_user["first_name"] = BOT_NAME[self.language]
        self.api.listeners.append(self._on_call)
        self.reactions.clear()
        self.files.clear()
        self._queries.clear()
        self._build_village()
        app = build_application(self.settings, clock=self.clock)

        async def collect(update: object, context: Any) -> None:
            self.errors.append(context.error)

        app.add_error_handler(collect)
        await app.initialize()
        await start_runtime(app)
        await app.start()
        await start_delivery(app)
        self.app = app
        await self._bot_joins()

    async def stop(self) -> None:
        """Stop the bot as `shangliang run` stops (pending edits out, database closed)."""
        app, self.app = self.app, None
        if app is None:
            return
        try:
            await stop_delivery(app)
            await app.stop()
            await finish_work(app)
        finally:
            await stop_runtime(app)
            await app.shutdown()

    async def reset(self) -> None:
        """Start over: the bot stopped, the village and its database made anew."""
        async with self._lock:
            await self.stop()
            await self.start()
        self._publish({"type": "reset"})

    def _build_village(self) -> None:
        api = self.api
        if self.forum:
            api.add_chat(GROUP_ID, "supergroup", GROUP_TITLE[self.language], is_forum=True)
        else:
            api.add_chat(GROUP_ID, "supergroup", GROUP_TITLE[self.language])
        for person in PEOPLE:
            name = person.name(self.language)
            api.add_user(person.user_id, name, person.username, self.language)
            api.add_chat(person.user_id, "private", None, first_name=name, username=person.username)
            api.set_status(GROUP_ID, person.user_id, person.status)
        api.set_status(GROUP_ID, BOT_ID, "left")

    async def _bot_joins(self) -> None:
        """The convenor adds the bot to the group as an administrator: the my_chat_member
        update Telegram sends, which brings the bot's welcome."""
        old = self.api.chat_member(GROUP_ID, BOT_ID)
        granted = (*BOT_GRANTED, "can_manage_topics") if self.forum else BOT_GRANTED
        self.api.set_bot_rights(GROUP_ID, **{right: right in granted for right in BOT_RIGHTS})
        new = self.api.chat_member(GROUP_ID, BOT_ID)
        chat = self.api.chats[GROUP_ID]
        self._push(
            {
                "my_chat_member": {
                    "chat": {
                        k: v for k, v in chat.items() if k in ("id", "type", "title", "is_forum")
                    },
                    "from": self.api.users[CONVENOR.user_id],
                    "date": int(self._timestamp()),
                    "old_chat_member": old,
                    "new_chat_member": new,
                }
            }
        )

    # ----- the Bot API's long polling -------------------------------------------------------
    async def get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        """getUpdates, waiting on the event loop (the model's own waits on a thread): returns
        at once when updates are there, else when one arrives or `timeout` (at most 10 s)
        has passed. Asking with `offset` confirms every update below it."""
        api = self.api  # a reset meanwhile must not confirm the new village's updates
        offset = int(params.get("offset") or 0)
        limit = int(params.get("limit") or 100)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + min(float(params.get("timeout") or 0), 10.0)
        while True:
            self._arrived.clear()
            ready = api.take_updates(offset)
            remaining = deadline - loop.time()
            if ready or remaining <= 0 or api is not self.api:
                return ready[:limit]
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._arrived.wait(), remaining)

    def _push(self, payload: dict[str, Any]) -> dict[str, Any]:
        update = self.api.push_update(payload)
        self._arrived.set()
        return update

    # ----- what people do on the page -----------------------------------------------------
    def _speaker(self, user_id: Any) -> dict[str, Any]:
        try:
            person = BY_ID[int(user_id)]
        except (KeyError, TypeError, ValueError):
            raise DemoError("no such villager") from None
        return self.api.users[person.user_id]

    def _place(self, user_id: int, chat_id: Any) -> dict[str, Any]:
        """The chat someone may write in: the group, or their own private chat with the bot."""
        try:
            chat_id = int(chat_id)
        except (TypeError, ValueError):
            raise DemoError("no such chat") from None
        if chat_id not in (GROUP_ID, user_id) or chat_id not in self.api.chats:
            raise DemoError("one writes in the group or in one's own chat with the bot")
        return self.api.chats[chat_id]

    async def say(
        self, user_id: Any, chat_id: Any, text: str, reply_to: Any = None, thread: Any = None
    ) -> dict[str, Any]:
        """`user_id` sends `text` in `chat_id` (replying to message `reply_to` there; in a
        forum, in thread `thread`, None for General): stored as Telegram would deliver it,
        shown on the page, and delivered to the bot."""
        user = self._speaker(user_id)
        chat = self._place(user["id"], chat_id)
        text = str(text or "").strip()
        if not text or len(text) > MAX_TEXT:
            raise DemoError(f"a message holds 1 to {MAX_TEXT} characters")
        message: dict[str, Any] = {
            "message_id": self.api.new_message_id(chat["id"]),
            "date": int(self._timestamp()),
            "chat": chat,
            "from": user,
            "text": text,
        }
        if text.startswith("/"):
            word = text.split()[0]
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(word)}]
        original = None
        if reply_to not in (None, ""):
            original = self.api.messages.get((chat["id"], int(reply_to)))
            if original is None:
                raise DemoError("the message replied to is gone")
        if chat.get("is_forum"):
            original = self._in_thread(message, user, original, thread)
        if original is not None:
            message["reply_to_message"] = _shallow(original)
        self.api.store_message(message)
        self._publish({"type": "message", "message": self.view(message)})
        self._push({"message": _public(message)})
        return message

    def _in_thread(
        self,
        message: dict[str, Any],
        user: dict[str, Any],
        original: dict[str, Any] | None,
        thread: Any,
    ) -> dict[str, Any] | None:
        """Where a message in the forum goes, as Telegram places it: the thread named, else
        the thread of the message it replies to; in a thread it carries message_thread_id and
        is_topic_message and, replying to nothing else, replies to the thread's creation
        message. Returns what it replies to. A closed thread takes only administrators'."""
        if thread in (None, "") and original is not None and original.get("is_topic_message"):
            thread = original.get("message_thread_id")
        if thread in (None, ""):
            return original
        chat_id = message["chat"]["id"]
        topic = self.api.thread(chat_id, int(thread))
        if topic is None:
            raise DemoError("that thread is gone")
        status = self.api.statuses.get((chat_id, user["id"]))
        if topic["is_closed"] and status not in ("creator", "administrator"):
            raise DemoError("the thread is closed")
        message["message_thread_id"] = topic["message_thread_id"]
        message["is_topic_message"] = True
        return original or self.api.messages.get((chat_id, topic["message_thread_id"]))

    async def press(self, user_id: Any, chat_id: Any, message_id: Any, data: str) -> dict[str, Any]:
        """`user_id` presses the inline button carrying `data` on a message of the bot's."""
        user = self._speaker(user_id)
        chat = self._place(user["id"], chat_id)
        message = self.api.messages.get((chat["id"], int(message_id)))
        if message is None:
            raise DemoError("that message is gone")
        rows = (message.get("reply_markup") or {}).get("inline_keyboard") or []
        if not any(b.get("callback_data") == data for row in rows for b in row):
            raise DemoError("that message has no such button (any more)")
        query_id = f"demo-{next(self._query_ids)}"
        self._queries[query_id] = user["id"]
        return self._push(
            {
                "callback_query": {
                    "id": query_id,
                    "from": user,
                    "message": _public(message),
                    "chat_instance": str(chat["id"]),
                    "data": data,
                }
            }
        )

    async def advance(self, delta: timedelta) -> datetime:
        """Move the bot's clock forward; what fell due meanwhile runs now (the schedule is
        woken, coalesced card edits go out)."""
        async with self._lock:
            now = self.clock.advance(delta)
            self._publish({"type": "clock", "now": now.isoformat()})
            if self.app is not None:
                rt = runtime_of(self.app)
                if rt.card_edits is not None:
                    await rt.card_edits.flush(self.app)
                await rt.scheduler.run_due(self.app)
                await self.settle()
        return now

    async def settle(self, within: float = 10.0) -> None:
        """Wait (at most `within` seconds) until the bot has handled everything pushed and
        the schedule rows it set off have run."""
        app = self.app
        if app is None:
            return
        rt = runtime_of(app)
        poller = poller_of(app)
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(within):
                while True:
                    pushed = self.api.pending_updates()
                    if pushed and (poller.offset or 0) <= pushed[-1]["update_id"]:
                        await asyncio.sleep(0.02)
                        continue
                    await rt.inbox.settled()
                    await rt.lanes.idle()
                    await rt.scheduler.idle()
                    if rt.inbox.in_hand or rt.lanes.busy or rt.scheduler.running:
                        await asyncio.sleep(0.02)
                        continue
                    # A row that fell due meanwhile (armed by what just ran) runs now.
                    armed = rt.scheduler.armed_for
                    if armed is not None and armed <= self.clock.now():
                        if await rt.scheduler.run_due(app):
                            continue
                    return

    # ----- what the page is shown ---------------------------------------------------------
    def subscribe(self) -> asyncio.Queue:
        """A queue of page events (dicts with a "type"); `unsubscribe` it when done."""
        queue: asyncio.Queue = asyncio.Queue(maxsize=1000)
        self._subscribers.add(queue)
        return queue

    def unsubscribe(self, queue: asyncio.Queue) -> None:
        self._subscribers.discard(queue)

    def close_pages(self) -> None:
        """Every page's event stream ends (the server is stopping)."""
        for queue in list(self._subscribers):
            with contextlib.suppress(asyncio.QueueFull):
                queue.put_nowait(None)

    def publish(self, event: dict[str, Any]) -> None:
        """Tell every page of `event` (the example's narration uses it too)."""
        self._publish(event)

    def _publish(self, event: dict[str, Any]) -> None:
        for queue in list(self._subscribers):
            try:
                queue.put_nowait(event)
            except asyncio.QueueFull:
                self._subscribers.discard(queue)  # a page that stopped reading reloads

    def _on_call(self, call: Call) -> None:
        """The stand-in answered a call: tell the page what changed."""
        method, params = call.method, call.params
        chat_id = call.chat_id
        message_id = params.get("message_id")
        if method.startswith(("send", "copy", "forward")) and isinstance(call.result, dict):
            key = (call.result["chat"]["id"], call.result["message_id"])
            if key in self.api.messages:
                self._publish({"type": "message", "message": self.view(self.api.messages[key])})
        elif method.startswith("edit") and chat_id is not None and message_id is not None:
            stored = self.api.messages.get((chat_id, int(message_id)))
            if stored is not None:
                self._publish({"type": "message", "message": self.view(stored)})
        elif method.endswith("ForumTopic"):
            self._publish({"type": "threads", "threads": self.threads()})
            if method == "createForumTopic" and isinstance(call.result, dict):
                created = self.api.messages.get((chat_id, call.result["message_thread_id"]))
                if created is not None:
                    self._publish({"type": "message", "message": self.view(created)})
        elif method == "deleteMessage" and chat_id is not None:
            self.reactions.pop((chat_id, int(message_id)), None)
            self._publish({"type": "delete", "chat_id": chat_id, "message_id": int(message_id)})
        elif method == "answerCallbackQuery" and params.get("text"):
            self._publish(
                {
                    "type": "toast",
                    "text": str(params["text"]),
                    "alert": bool(params.get("show_alert")),
                    "user_id": self._queries.get(str(params.get("callback_query_id"))),
                }
            )
        elif method == "setMessageReaction" and chat_id is not None:
            emoji = [
                r.get("emoji") or "⭐"
                for r in (params.get("reaction") or [])
                if isinstance(r, dict)
            ]
            key = (chat_id, int(message_id))
            self.reactions[key] = emoji
            stored = self.api.messages.get(key)
            if stored is not None:
                self._publish({"type": "message", "message": self.view(stored)})
        elif method in ("pinChatMessage", "unpinChatMessage", "unpinAllChatMessages"):
            # The pinned bar follows; pinning leaves a service message in a group.
            self._publish({"type": "pins", "chat_id": chat_id, "pinned": self._pins(chat_id)})
            if method == "pinChatMessage":
                newest = max((k for k in self.api.messages if k[0] == chat_id), default=None)
                service = self.api.messages.get(newest) if newest else None
                if service is not None and "pinned_message" in service:
                    self._publish({"type": "message", "message": self.view(service)})

    def view(self, message: dict[str, Any]) -> dict[str, Any]:
        """A stored message as the page draws it: who wrote it, its text (the bot's as the
        HTML it sent, which the stand-in has checked is Telegram's subset), what it replies
        to, its buttons, document, reactions, and whom a ForceReply asks."""
        chat_id = message["chat"]["id"]
        sender = message.get("from") or {}
        out: dict[str, Any] = {
            "chat_id": chat_id,
            "message_id": message["message_id"],
            "date": message.get("date"),
            "from_id": sender.get("id"),
            "from_name": sender.get("first_name", ""),
            "is_bot": sender.get("id") == BOT_ID,
            "text": message.get("text") or message.get("caption") or "",
            "html": message.get("html"),
            "edited": "edit_date" in message,
            "buttons": (message.get("reply_markup") or {}).get("inline_keyboard") or [],
            "reactions": self.reactions.get((chat_id, message["message_id"]), []),
        }
        if message.get("is_topic_message"):
            out["thread_id"] = message.get("message_thread_id")
        created = message.get("forum_topic_created")
        if created:
            out["service"] = "thread"
            out["text"] = created.get("name", "")
        pinned = message.get("pinned_message")
        if pinned:
            out["service"] = "pinned"
            out["text"] = (pinned.get("text") or pinned.get("caption") or "").split("\n")[0][:80]
        original = message.get("reply_to_message")
        # A thread's messages reply to its creation message; Telegram shows no quote for that.
        if original and "forum_topic_created" not in original:
            author = original.get("from") or {}
            out["reply_to"] = {
                "message_id": original.get("message_id"),
                "from_name": author.get("first_name", ""),
                "text": (original.get("text") or original.get("caption") or "")[:200],
            }
        document = message.get("document")
        if document:
            out["document"] = {
                "file_name": document.get("file_name") or "document",
                "url": f"/demo/file/{chat_id}/{message['message_id']}",
            }
        asked = message.get("asked") or {}
        if asked.get("force_reply"):
            out["force_reply_for"] = _asked_whom(message)
            out["placeholder"] = asked.get("input_field_placeholder") or ""
        return out

    def threads(self) -> list[dict[str, Any]]:
        """The demo group's forum threads, oldest first (none unless it is a forum)."""
        return [
            {"id": t["message_thread_id"], "name": t["name"], "closed": t["is_closed"]}
            for (chat_id, _), t in sorted(self.api.threads.items())
            if chat_id == GROUP_ID
        ]

    def _pins(self, chat_id: int | None) -> list[int]:
        return [] if chat_id is None else self.api.pinned_in(chat_id)

    def state(self) -> dict[str, Any]:
        """Everything the page needs to draw itself afresh."""
        chats = [{"id": GROUP_ID, "kind": "group", "title": GROUP_TITLE[self.language]}]
        for person in PEOPLE:
            chats.append(
                {"id": person.user_id, "kind": "private", "title": person.name(self.language)}
            )
        messages = [
            self.view(m)
            for (chat_id, _), m in sorted(self.api.messages.items(), key=lambda kv: kv[0][1])
            if chat_id in {c["id"] for c in chats}
        ]
        return {
            "language": self.language,
            "bot": {"username": DEMO_BOT_USERNAME, "name": BOT_NAME[self.language]},
            "group_id": GROUP_ID,
            "forum": self.forum,
            "threads": self.threads(),
            "people": [
                {
                    "id": p.user_id,
                    "name": p.name(self.language),
                    "convenor": p.is_convenor,
                    "started": p.user_id in self.api.started,
                }
                for p in PEOPLE
            ],
            "chats": chats,
            "pins": {str(c["id"]): self._pins(c["id"]) for c in chats},
            "messages": messages,
            "now": self.clock.now().isoformat(),
        }


def _fresh_database(path: Path) -> None:
    """A new, empty demo database at `path` (its old WAL files gone). RuntimeError if a file
    there is not one the demo made (standin/mark.py): the demo never replaces anyone's data."""
    if not may_replace(path):
        raise RuntimeError(f"{path} is not a demo database: the demo will not replace it")
    for suffix in ("", "-wal", "-shm"):
        with contextlib.suppress(FileNotFoundError):
            Path(f"{path}{suffix}").unlink()
    make_demo_database(path)


def _asked_whom(message: dict[str, Any]) -> int | None:
    """Whom a ForceReply question is for: in a private chat its person; in a group the author
    of the message it replies to, else the first member it mentions (selective ForceReply
    shows the reply box to those only)."""
    chat = message["chat"]
    if chat.get("type") == "private":
        return chat["id"]
    original = (message.get("reply_to_message") or {}).get("from") or {}
    if original.get("id") and original.get("id") != BOT_ID and not original.get("is_bot"):
        return int(original["id"])
    found = _MENTION.search(message.get("html") or "")
    return int(found.group(1)) if found else None


def _public(message: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in message.items() if k not in ("html", "asked", "upload")}
    if "reply_to_message" in out:
        out["reply_to_message"] = _shallow(out["reply_to_message"])
    return out


def _shallow(message: dict[str, Any]) -> dict[str, Any]:
    return {
        k: v for k, v in message.items() if k not in ("html", "asked", "upload", "reply_to_message")
    }
