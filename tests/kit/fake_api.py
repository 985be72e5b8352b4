"""A fake Telegram Bot API that the tests own.

One core answers method calls with Telegram-shaped JSON and records them; it sits behind
`FakeRequest` (the BaseRequest seam, in-process) and behind `FakeBotServer` (HTTP on 127.0.0.1,
for the real program). Tests can queue errors: 403, 400 with migrate_to_chat_id, 429 with
retry_after, or any description.
"""

from __future__ import annotations

import html
import itertools
import json
import re
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

BOT_ID = 700_000_001
BOT_USERNAME = "shangliang_test_bot"
_TAG = re.compile(r"<[^>]+>")
_JSON_KEYS = {
    "reply_markup",
    "reply_parameters",
    "entities",
    "commands",
    "scope",
    "reaction",
    "allowed_updates",
    "link_preview_options",
}


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    at: float = field(default_factory=time.monotonic)

    @property
    def chat_id(self) -> int | None:
        value = self.params.get("chat_id")
        return None if value is None else int(value)

    @property
    def text(self) -> str:
        return str(self.params.get("text", ""))


def html_to_plain(text: str) -> str:
    return html.unescape(_TAG.sub("", text))


def normalise_params(params: dict[str, Any]) -> dict[str, Any]:
    """Values arrive JSON-encoded over HTTP and as Python objects in-process; make them alike."""
    out: dict[str, Any] = {}
    for key, value in params.items():
        if isinstance(value, str) and key in _JSON_KEYS:
            try:
                value = json.loads(value)
            except ValueError:
                pass
        out[key] = value
    return out


class FakeBotAPI:
    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.bot_user = {
            "id": BOT_ID,
            "is_bot": True,
            "first_name": "Shangliang",
            "username": BOT_USERNAME,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }
        self.chats: dict[int, dict[str, Any]] = {}
        self.users: dict[int, dict[str, Any]] = {BOT_ID: self.bot_user}
        self.statuses: dict[tuple[int, int], str] = {}
        self.messages: dict[tuple[int, int], dict[str, Any]] = {}
        self._next_message: dict[int, itertools.count[int]] = defaultdict(
            lambda: itertools.count(1)
        )
        self._failures: dict[str, list[tuple[int, dict[str, Any]]]] = defaultdict(list)
        self.delay: dict[str, float] = {}
        self._lock = threading.RLock()
        # For long polling over HTTP.
        self._updates: list[dict[str, Any]] = []
        self._update_ids = itertools.count(1)
        self._confirmed = 0
        self._cond = threading.Condition(self._lock)

    # ----- the world the tests describe -------------------------------------------------
    def add_chat(
        self, chat_id: int, chat_type: str, title: str | None = None, **extra: Any
    ) -> dict:
        chat = {"id": chat_id, "type": chat_type, **extra}
        if title is not None:
            chat["title"] = title
        self.chats[chat_id] = chat
        return chat

    def add_user(
        self,
        user_id: int,
        first_name: str,
        username: str | None = None,
        language: str | None = None,
        is_bot: bool = False,
    ) -> dict:
        user = {"id": user_id, "is_bot": is_bot, "first_name": first_name}
        if username:
            user["username"] = username
        if language:
            user["language_code"] = language
        self.users[user_id] = user
        return user

    def set_status(self, chat_id: int, user_id: int, status: str) -> None:
        self.statuses[(chat_id, user_id)] = status

    def fail(
        self, method: str, code: int, description: str = "", times: int = 1, **parameters: Any
    ) -> None:
        """The next `times` calls of `method` answer with this error."""
        body: dict[str, Any] = {
            "ok": False,
            "error_code": code,
            "description": description or f"Error {code}",
        }
        if parameters:
            body["parameters"] = parameters
        self._failures[method].extend([(code, body)] * times)

    def new_message_id(self, chat_id: int) -> int:
        with self._lock:
            return next(self._next_message[chat_id])

    def store_message(self, message: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            self.messages[(message["chat"]["id"], message["message_id"])] = message
        return message

    # ----- looking at what happened --------------------------------------------------------
    def calls_of(self, method: str, chat_id: int | None = None) -> list[Call]:
        return [
            c
            for c in list(self.calls)
            if c.method == method and (chat_id is None or c.chat_id == chat_id)
        ]

    def sent_to(self, chat_id: int) -> list[Call]:
        return [
            c
            for c in list(self.calls)
            if c.chat_id == chat_id
            and c.method in ("sendMessage", "editMessageText", "sendDocument")
        ]

    # ----- long polling (HTTP mode) ----------------------------------------------------
    def push_update(self, update: dict[str, Any]) -> dict[str, Any]:
        with self._cond:
            update = {"update_id": next(self._update_ids), **update}
            self._updates.append(update)
            self._cond.notify_all()
        return update

    @property
    def confirmed_offset(self) -> int:
        return self._confirmed

    def pending_updates(self) -> list[dict[str, Any]]:
        with self._lock:
            return [u for u in self._updates if u["update_id"] >= self._confirmed]

    # ----- the API -----------------------------------------------------------------------
    def handle(self, method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        params = normalise_params(params)
        if method != "getUpdates":
            self.calls.append(Call(method, params))
        wait = self.delay.get(method)
        if wait:
            time.sleep(wait)
        with self._lock:
            queued = self._failures.get(method)
            if queued:
                return queued.pop(0)
        answer = getattr(self, f"_m_{method}", None)
        if answer is None:
            return 200, {"ok": True, "result": True}
        try:
            result = answer(params)
        except _ApiError as err:
            return err.code, {"ok": False, "error_code": err.code, "description": err.description}
        return 200, {"ok": True, "result": result}

    def _chat(self, chat_id: Any) -> dict[str, Any]:
        chat = self.chats.get(int(chat_id))
        if chat is None:
            raise _ApiError(400, "Bad Request: chat not found")
        return chat

    def _m_getMe(self, params: dict) -> dict:
        return self.bot_user

    def _m_sendMessage(self, params: dict) -> dict:
        chat = self._chat(params["chat_id"])
        if self.statuses.get((chat["id"], BOT_ID)) in ("left", "kicked"):
            raise _ApiError(403, "Forbidden: bot was kicked from the group chat")
        if chat["type"] == "private" and self.statuses.get((chat["id"], chat["id"])) == "blocked":
            raise _ApiError(403, "Forbidden: bot was blocked by the user")
        text = str(params.get("text", ""))
        if not text.strip():
            raise _ApiError(400, "Bad Request: message text is empty")
        plain = html_to_plain(text) if params.get("parse_mode") == "HTML" else text
        if len(plain) > 4096:
            raise _ApiError(400, "Bad Request: message is too long")
        message = {
            "message_id": self.new_message_id(chat["id"]),
            "date": int(time.time()),
            "chat": chat,
            "from": self.bot_user,
            "text": plain,
            "html": text,
        }
        markup = params.get("reply_markup") or {}
        if "inline_keyboard" in markup:
            message["reply_markup"] = markup
        elif markup:
            # Telegram does not echo ForceReply; kept aside so tests can see what was asked.
            message["asked"] = markup
        reply_to = (params.get("reply_parameters") or {}).get("message_id") or params.get(
            "reply_to_message_id"
        )
        if reply_to:
            original = self.messages.get((chat["id"], int(reply_to)))
            if original is not None:
                message["reply_to_message"] = _shallow(original)
        return _public(self.store_message(message))

    def _m_editMessageText(self, params: dict) -> dict:
        chat = self._chat(params["chat_id"])
        message = self.messages.get((chat["id"], int(params["message_id"])))
        if message is None:
            raise _ApiError(400, "Bad Request: message to edit not found")
        text = str(params.get("text", ""))
        plain = html_to_plain(text) if params.get("parse_mode") == "HTML" else text
        if len(plain) > 4096:
            raise _ApiError(400, "Bad Request: message is too long")
        markup = params.get("reply_markup")
        if message.get("html") == text and message.get("reply_markup") == markup:
            raise _ApiError(
                400,
                "Bad Request: message is not modified: specified new message content and reply "
                "markup are exactly the same as a current content and reply markup of the message",
            )
        message.update(text=plain, html=text, edit_date=int(time.time()))
        if markup:
            message["reply_markup"] = markup
        else:
            message.pop("reply_markup", None)
        return _public(message)

    def _m_editMessageReplyMarkup(self, params: dict) -> dict:
        chat = self._chat(params["chat_id"])
        message = self.messages.get((chat["id"], int(params["message_id"])))
        if message is None:
            raise _ApiError(400, "Bad Request: message to edit not found")
        if params.get("reply_markup"):
            message["reply_markup"] = params["reply_markup"]
        else:
            message.pop("reply_markup", None)
        return _public(message)

    def _m_deleteMessage(self, params: dict) -> bool:
        chat = self._chat(params["chat_id"])
        if self.messages.pop((chat["id"], int(params["message_id"])), None) is None:
            raise _ApiError(400, "Bad Request: message to delete not found")
        return True

    def _m_sendDocument(self, params: dict) -> dict:
        chat = self._chat(params["chat_id"])
        message = {
            "message_id": self.new_message_id(chat["id"]),
            "date": int(time.time()),
            "chat": chat,
            "from": self.bot_user,
            "document": {"file_id": "doc", "file_unique_id": "doc"},
        }
        return _public(self.store_message(message))

    def _m_getChatMember(self, params: dict) -> dict:
        chat = self._chat(params["chat_id"])
        user_id = int(params["user_id"])
        user = self.users.get(user_id, {"id": user_id, "is_bot": False, "first_name": "?"})
        status = self.statuses.get((chat["id"], user_id), "member")
        if status == "creator":
            return {"status": "creator", "user": user, "is_anonymous": False}
        if status == "administrator":
            return {
                "status": "administrator",
                "user": user,
                **{
                    key: False
                    for key in (
                        "can_be_edited",
                        "is_anonymous",
                        "can_delete_messages",
                        "can_manage_video_chats",
                        "can_restrict_members",
                        "can_promote_members",
                        "can_change_info",
                        "can_invite_users",
                        "can_post_stories",
                        "can_edit_stories",
                        "can_delete_stories",
                    )
                },
                "can_manage_chat": True,
            }
        if status in ("left", "kicked"):
            return {
                "status": status,
                "user": user,
                **({"until_date": 0} if status == "kicked" else {}),
            }
        return {"status": "member", "user": user}

    def _m_getChatMemberCount(self, params: dict) -> int:
        chat = self._chat(params["chat_id"])
        return sum(
            1
            for (cid, _), status in self.statuses.items()
            if cid == chat["id"] and status in ("creator", "administrator", "member")
        )

    def _m_getChat(self, params: dict) -> dict:
        chat = self._chat(params["chat_id"])
        return {
            **chat,
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": False,
                "limited_gifts": False,
                "unique_gifts": False,
                "premium_subscription": False,
            },
        }

    def _m_getUpdates(self, params: dict) -> list:
        offset = int(params.get("offset") or 0)
        timeout = float(params.get("timeout") or 0)
        deadline = time.monotonic() + min(timeout, 2.0)
        with self._cond:
            if offset:
                self._confirmed = max(self._confirmed, offset)
                self._updates = [u for u in self._updates if u["update_id"] >= offset]
            while True:
                ready = [u for u in self._updates if u["update_id"] >= offset]
                remaining = deadline - time.monotonic()
                if ready or remaining <= 0:
                    return ready[:100]
                self._cond.wait(remaining)


class _ApiError(Exception):
    def __init__(self, code: int, description: str) -> None:
        super().__init__(description)
        self.code = code
        self.description = description


def _public(message: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in message.items() if k not in ("html", "asked")}


def _shallow(message: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in _public(message).items() if k != "reply_to_message"}
