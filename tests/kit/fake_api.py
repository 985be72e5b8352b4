"""A fake Telegram Bot API that the tests own.

One core answers method calls with Telegram-shaped JSON and records them; it sits behind
`FakeRequest` (the BaseRequest seam, in-process) and behind `FakeBotServer` (HTTP on 127.0.0.1,
for the real program). Tests can queue errors: 403, 400 with migrate_to_chat_id, 429 with
retry_after, or any description.

Where real Telegram says no, this core says no the same way (same code, same description), and
it is the one place that knows it, for both seams:
- a callback query is answered once, and only one Telegram delivered (`register_callback_query`;
  `push_update` and the story kit's presses register theirs): otherwise 400 "query is too old…";
- a private chat takes messages only from a bot its user has started (wrote to it once:
  `start_bot`, or any message of theirs in that chat); otherwise 403 "can't initiate…", and 403
  "blocked" once they blocked it;
- deleting a message the bot did not send, in a group, needs the bot to be an administrator with
  can_delete_messages (`set_bot_rights`); pinning needs can_pin_messages; forum threads need
  can_manage_topics;
- getChatMember of someone the fake knows nothing about in that chat is "left";
- HTML that Telegram cannot parse, text over 4096 characters once parsed, and callback data
  outside 1-64 bytes are refused.
Every refusal is also kept in `refusals`, so that a test can check what the bot tried.
"""

from __future__ import annotations

import html
import itertools
import json
import re
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

BOT_ID = 700_000_001
BOT_USERNAME = "shangliang_test_bot"
MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_TOAST = 200
QUERY_TOO_OLD = "Bad Request: query is too old and response timeout expired or query ID is invalid"
CANT_INITIATE = "Forbidden: bot can't initiate conversation with a user"
BLOCKED = "Forbidden: bot was blocked by the user"
CANT_DELETE = "Bad Request: message can't be deleted"
BUTTON_DATA_INVALID = "Bad Request: BUTTON_DATA_INVALID"
# The rights an administrator bot can hold; a right not granted with set_bot_rights is False.
BOT_RIGHTS = (
    "can_manage_chat",
    "can_delete_messages",
    "can_manage_video_chats",
    "can_restrict_members",
    "can_promote_members",
    "can_change_info",
    "can_invite_users",
    "can_post_stories",
    "can_edit_stories",
    "can_delete_stories",
    "can_pin_messages",
    "can_manage_topics",
)
_SENDS = {
    "sendMessage",
    "sendDocument",
    "sendPhoto",
    "sendAudio",
    "sendVideo",
    "sendAnimation",
    "sendVoice",
    "sendSticker",
    "sendLocation",
    "sendContact",
    "sendPoll",
    "sendDice",
    "sendMediaGroup",
    "sendChatAction",
    "copyMessage",
    "forwardMessage",
}
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


# ----- Telegram's HTML: what parses, and the text it leaves ------------------------------------
_ENTITY = re.compile(r"&(?:lt|gt|amp|quot|#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6});")
# Tags Telegram knows (https://core.telegram.org/bots/api#html-style), with the attribute each
# one needs, if any.
_TAGS = {
    "b": None,
    "strong": None,
    "i": None,
    "em": None,
    "u": None,
    "ins": None,
    "s": None,
    "strike": None,
    "del": None,
    "span": ("class", "tg-spoiler"),
    "tg-spoiler": None,
    "a": None,
    "tg-emoji": ("emoji-id", None),
    "code": None,
    "pre": None,
    "blockquote": None,
}


class HtmlError(ValueError):
    """Why Telegram would answer 400 "can't parse entities"."""


class _TelegramHtml(HTMLParser):
    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=False)
        self.text = text
        self.open: list[str] = []
        self.plain: list[str] = []
        lines = text.split("\n")
        self._line_starts = list(itertools.accumulate([0] + [len(line) + 1 for line in lines]))

    def byte_offset(self) -> int:
        """Telegram reports UTF-8 byte offsets; HTMLParser knows lines and columns."""
        line, column = self.getpos()
        index = self._line_starts[line - 1] + column
        return len(self.text[:index].encode("utf-8"))

    def fail(self, reason: str) -> None:
        raise HtmlError(reason)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _TAGS:
            self.fail(f'Unsupported start tag "{tag}" at byte offset {self.byte_offset()}')
        needed = _TAGS[tag]
        if needed is not None:
            name, value = needed
            given = dict(attrs).get(name)
            if given is None or (value is not None and given != value):
                self.fail(
                    f'Tag "{tag}" must have attribute "{name}"'
                    + (f' equal to "{value}"' if value else "")
                    + f" at byte offset {self.byte_offset()}"
                )
        self.open.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.fail(f'Unsupported start tag "{tag}/" at byte offset {self.byte_offset()}')

    def handle_endtag(self, tag: str) -> None:
        if not self.open:
            self.fail(f'Unexpected end tag "{tag}" at byte offset {self.byte_offset()}')
        expected = self.open.pop()
        if expected != tag:
            self.fail(
                f'Unmatched end tag at byte offset {self.byte_offset()}, expected "</{expected}>", '
                f'found "</{tag}>"'
            )

    def handle_data(self, data: str) -> None:
        if "<" in data:
            at = self.byte_offset() + len(data[: data.index("<")].encode("utf-8"))
            self.fail(f'Unsupported start tag "" at byte offset {at}')
        self.plain.append(data)

    def handle_entityref(self, name: str) -> None:
        self.plain.append(html.unescape(f"&{name};"))

    def handle_charref(self, name: str) -> None:
        self.plain.append(html.unescape(f"&#{name};"))

    def handle_comment(self, data: str) -> None:
        self.fail(f'Unsupported start tag "!--" at byte offset {self.byte_offset()}')

    def handle_decl(self, decl: str) -> None:
        self.fail(f'Unsupported start tag "!" at byte offset {self.byte_offset()}')

    def unknown_decl(self, data: str) -> None:
        self.handle_decl(data)

    def handle_pi(self, data: str) -> None:
        self.fail(f'Unsupported start tag "?" at byte offset {self.byte_offset()}')


def parse_html(text: str) -> str:
    """The text a message with parse_mode HTML shows, or HtmlError where Telegram gives up."""
    for match in re.finditer("&", text):
        if not _ENTITY.match(text, match.start()):
            offset = len(text[: match.start()].encode("utf-8"))
            raise HtmlError(f"Character entity expected at byte offset {offset}")
    parser = _TelegramHtml(text)
    parser.feed(text)
    parser.close()
    if parser.open:
        raise HtmlError(f'Can\'t find end tag corresponding to start tag "{parser.open[-1]}"')
    return "".join(parser.plain)


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
        # Latency per method, in seconds: awaited in-process (tests/kit/request.py), slept in
        # the HTTP server's thread (tests/kit/http_server.py); never inside handle().
        self.delay: dict[str, float] = {}
        # Users who have started the bot (may be written to in private).
        self.started: set[int] = set()
        # The bot's administrator rights, per chat (set_bot_rights).
        self.bot_rights: dict[int, dict[str, bool]] = {}
        # Callback query id -> [delivered at (monotonic), answered yet].
        self._queries: dict[str, list] = {}
        # Telegram takes an answer to a press only within a few seconds of it (the exact window
        # is not documented; reports say 10-15 s). A test may shorten it, with `delay` on the
        # sends, to see whether a handler answers before its slow work.
        self.answer_window: float = 15.0
        # What the fake refused, as Telegram would have: (call, code, description).
        self.refusals: list[tuple[Call, int, str]] = []
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

    def start_bot(self, user_id: int) -> None:
        """The user opened a private chat with the bot: it may write to them from now on."""
        self.started.add(int(user_id))

    def set_bot_rights(self, chat_id: int, **rights: bool) -> None:
        """Make the bot an administrator of `chat_id` with these rights (the others False)."""
        unknown = set(rights) - set(BOT_RIGHTS)
        assert not unknown, f"not a right of an administrator: {sorted(unknown)}"
        self.statuses[(chat_id, BOT_ID)] = "administrator"
        self.bot_rights[chat_id] = {name: bool(rights.get(name, False)) for name in BOT_RIGHTS}

    def register_callback_query(self, query_id: str, delivered_at: float | None = None) -> None:
        """Telegram delivered a callback query with this id (at `delivered_at`, a monotonic
        time, by default now): it may be answered once, within `answer_window` seconds."""
        at = time.monotonic() if delivered_at is None else delivered_at
        with self._lock:
            self._queries.setdefault(str(query_id), [at, False])

    def latency(self, method: str) -> float:
        return self.delay.get(method, 0.0)

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
            self._saw(message)
        return message

    def _saw(self, message: dict[str, Any]) -> None:
        """A user's own message in their private chat means they have started the bot."""
        chat, sender = message.get("chat") or {}, message.get("from") or {}
        if chat.get("type") == "private" and sender.get("id") == chat.get("id"):
            self.started.add(int(chat["id"]))

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
            if "callback_query" in update:
                self.register_callback_query(update["callback_query"]["id"])
            for key in ("message", "edited_message"):
                if key in update:
                    self._saw(update[key])
            self._updates.append(update)
            self._cond.notify_all()
        return update

    @property
    def confirmed_offset(self) -> int:
        return self._confirmed

    def take_updates(self, offset: int) -> list[dict[str, Any]]:
        """What getUpdates with this offset answers at once (confirming those below it)."""
        with self._lock:
            if offset:
                self._confirmed = max(self._confirmed, offset)
                self._updates = [u for u in self._updates if u["update_id"] >= offset]
            return [u for u in self._updates if u["update_id"] >= offset]

    def pending_updates(self) -> list[dict[str, Any]]:
        with self._lock:
            return [u for u in self._updates if u["update_id"] >= self._confirmed]

    # ----- the API -----------------------------------------------------------------------
    def handle(
        self,
        method: str,
        params: dict[str, Any],
        pause: Callable[[float], None] | None = None,
    ) -> tuple[int, dict[str, Any]]:
        """One method call: recorded, then answered as Telegram would.

        Latency (`delay`) is the caller's to apply: in-process, FakeRequest awaits it before
        calling; the HTTP server's threads pass `pause=time.sleep`, which sleeps between the
        record and the answer (a call seen, its answer not yet back)."""
        params = normalise_params(params)
        if method != "getUpdates":
            call = Call(method, params)
            self.calls.append(call)
            if pause is not None and self.latency(method):
                pause(self.latency(method))
        with self._lock:
            queued = self._failures.get(method)
            if queued:
                return queued.pop(0)
        if method == "getUpdates":
            # Long polling waits on the condition: not under the lock the others hold.
            return 200, {"ok": True, "result": self._m_getUpdates(params)}
        with self._lock:
            answer = getattr(self, f"_m_{method}", None)
            try:
                self._check(method, params)
                if answer is None:
                    return 200, {"ok": True, "result": True}
                result = answer(params)
            except _ApiError as err:
                self.refusals.append((call, err.code, err.description))
                return err.code, {
                    "ok": False,
                    "error_code": err.code,
                    "description": err.description,
                }
        return 200, {"ok": True, "result": result}

    def _check(self, method: str, params: dict[str, Any]) -> None:
        """What Telegram refuses whatever the method: sends it may not make, bad buttons."""
        if method in _SENDS and params.get("chat_id") is not None:
            self._may_send(self._chat(params["chat_id"]))
        markup = params.get("reply_markup")
        if isinstance(markup, dict):
            for row in markup.get("inline_keyboard") or []:
                for button in row:
                    data = button.get("callback_data")
                    if data is not None and not 1 <= len(str(data).encode("utf-8")) <= 64:
                        raise _ApiError(400, BUTTON_DATA_INVALID)

    def _may_send(self, chat: dict[str, Any]) -> None:
        if chat["type"] == "private":
            if self.statuses.get((chat["id"], chat["id"])) == "blocked":
                raise _ApiError(403, BLOCKED)
            if chat["id"] not in self.started:
                raise _ApiError(403, CANT_INITIATE)
        elif self.statuses.get((chat["id"], BOT_ID)) in ("left", "kicked"):
            raise _ApiError(403, "Forbidden: bot was kicked from the group chat")

    def _shown(self, params: dict[str, Any], key: str = "text", limit: int = MAX_TEXT) -> str:
        """The text a message shows once its entities are parsed; refused as Telegram would."""
        text = str(params.get(key, ""))
        if params.get("parse_mode") == "HTML":
            try:
                plain = parse_html(text)
            except HtmlError as exc:
                raise _ApiError(400, f"Bad Request: can't parse entities: {exc}") from None
        else:
            plain = text
        if len(plain) > limit:
            raise _ApiError(
                400,
                "Bad Request: message is too long"
                if key == "text"
                else "Bad Request: message caption is too long",
            )
        return plain

    def _is_admin_with(self, chat: dict[str, Any], right: str) -> bool:
        if self.statuses.get((chat["id"], BOT_ID)) not in ("administrator", "creator"):
            return False
        if chat["type"] == "group":
            # A basic group has no granular rights: every administrator may.
            return True
        return bool(self.bot_rights.get(chat["id"], {}).get(right))

    def _chat(self, chat_id: Any) -> dict[str, Any]:
        chat = self.chats.get(int(chat_id))
        if chat is None:
            raise _ApiError(400, "Bad Request: chat not found")
        return chat

    def _m_getMe(self, params: dict) -> dict:
        return self.bot_user

    def _m_sendMessage(self, params: dict) -> dict:
        chat = self._chat(params["chat_id"])
        text = str(params.get("text", ""))
        plain = self._shown(params)
        if not plain.strip():
            raise _ApiError(400, "Bad Request: message text is empty")
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
        plain = self._shown(params)
        if not plain.strip():
            raise _ApiError(400, "Bad Request: message text is empty")
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
        key = (chat["id"], int(params["message_id"]))
        message = self.messages.get(key)
        if message is None:
            raise _ApiError(400, "Bad Request: message to delete not found")
        # In private chats a bot may delete any message (within 48 hours), in groups its own;
        # anyone else's in a group takes an administrator's can_delete_messages.
        own = (message.get("from") or {}).get("id") == BOT_ID
        if not (
            chat["type"] == "private" or own or self._is_admin_with(chat, "can_delete_messages")
        ):
            raise _ApiError(400, CANT_DELETE)
        del self.messages[key]
        return True

    def _m_answerCallbackQuery(self, params: dict) -> bool:
        query = self._queries.get(str(params.get("callback_query_id")))
        if query is None or query[1] or time.monotonic() - query[0] > self.answer_window:
            # Never delivered, answered already, or answered too late.
            raise _ApiError(400, QUERY_TOO_OLD)
        if len(str(params.get("text") or "")) > MAX_TOAST:
            raise _ApiError(400, "Bad Request: MESSAGE_TOO_LONG")
        query[1] = True
        return True

    def _m_pinChatMessage(self, params: dict) -> bool:
        chat = self._chat(params["chat_id"])
        if chat["type"] != "private" and not self._is_admin_with(chat, "can_pin_messages"):
            raise _ApiError(
                400, "Bad Request: not enough rights to manage pinned messages in the chat"
            )
        if (chat["id"], int(params["message_id"])) not in self.messages:
            raise _ApiError(400, "Bad Request: message to pin not found")
        return True

    def _m_unpinChatMessage(self, params: dict) -> bool:
        chat = self._chat(params["chat_id"])
        if chat["type"] != "private" and not self._is_admin_with(chat, "can_pin_messages"):
            raise _ApiError(
                400, "Bad Request: not enough rights to manage pinned messages in the chat"
            )
        return True

    def _m_createForumTopic(self, params: dict) -> dict:
        chat = self._chat(params["chat_id"])
        if not chat.get("is_forum"):
            raise _ApiError(400, "Bad Request: the chat is not a forum")
        if not self._is_admin_with(chat, "can_manage_topics"):
            raise _ApiError(400, "Bad Request: not enough rights to create a topic")
        return {
            "message_thread_id": self.new_message_id(chat["id"]),
            "name": str(params.get("name", "")),
            "icon_color": int(params.get("icon_color") or 7322096),
        }

    def _forum_change(self, params: dict) -> bool:
        chat = self._chat(params["chat_id"])
        if not chat.get("is_forum"):
            raise _ApiError(400, "Bad Request: the chat is not a forum")
        if not self._is_admin_with(chat, "can_manage_topics"):
            raise _ApiError(400, "Bad Request: not enough rights to manage topics")
        return True

    _m_editForumTopic = _forum_change
    _m_closeForumTopic = _forum_change
    _m_reopenForumTopic = _forum_change
    _m_deleteForumTopic = _forum_change

    def _m_sendDocument(self, params: dict) -> dict:
        chat = self._chat(params["chat_id"])
        message = {
            "message_id": self.new_message_id(chat["id"]),
            "date": int(time.time()),
            "chat": chat,
            "from": self.bot_user,
            "document": {"file_id": "doc", "file_unique_id": "doc"},
        }
        if params.get("caption"):
            message["caption"] = self._shown(params, "caption", MAX_CAPTION)
        return _public(self.store_message(message))

    def _m_getChatMember(self, params: dict) -> dict:
        chat = self._chat(params["chat_id"])
        user_id = int(params["user_id"])
        user = self.users.get(user_id, {"id": user_id, "is_bot": False, "first_name": "?"})
        # Someone this chat has never seen is not in it.
        status = self.statuses.get((chat["id"], user_id), "left")
        if status == "creator":
            return {"status": "creator", "user": user, "is_anonymous": False}
        if status == "administrator" and user_id == BOT_ID:
            rights = self.bot_rights.get(chat["id"], {name: False for name in BOT_RIGHTS})
            return {
                "status": "administrator",
                "user": user,
                "can_be_edited": False,
                "is_anonymous": False,
                **{name: False for name in BOT_RIGHTS},
                **rights,
            }
        if status == "administrator":
            return {
                "status": "administrator",
                "user": user,
                **{key: False for key in ("can_be_edited", "is_anonymous", *BOT_RIGHTS)},
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
