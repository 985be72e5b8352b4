"""The Bot API as Telegram answers it, in memory: one model of its state, its methods and its
refusals, used by `shangliang try` (the stand-in the demo bot talks to, standin/web.py) and by
the tests (tests/kit/fake_api.py re-exports it as the strict fake).

It answers method calls with Telegram-shaped JSON and records them (`calls`); callers reach it
in-process (the tests' BaseRequest seam) or over HTTP (the tests' threaded server, the demo's
aiohttp server). Tests can queue errors: 403, 400 with migrate_to_chat_id, 429 with
retry_after, or any description. It imports nothing of the bot and nothing of Telegram's
library: it speaks only JSON-shaped dicts.

Where real Telegram says no, this model says no the same way (same code, same description), and
it is the one place that knows it, for the tests and the demo alike:
- a callback query is answered once, and only one Telegram delivered (`register_callback_query`;
  `push_update` and the story kit's presses register theirs): otherwise 400 "query is too old…";
- a private chat takes messages only from a bot its user has started (wrote to it once:
  `start_bot`, or any message of theirs in that chat); otherwise 403 "can't initiate…", and 403
  "blocked" once they blocked it;
- deleting a message the bot did not send, in a group, needs the bot to be an administrator with
  can_delete_messages (`set_bot_rights`); pinning needs can_pin_messages in a supergroup (in
  a basic group any member may pin unless the group's permissions forbid it), is kept
  (`pinned_in`, getChat's pinned_message) and leaves a service message; forum threads need
  can_manage_topics;
- getChatMember of someone the fake knows nothing about in that chat is "left";
- HTML that Telegram cannot parse, text over 4096 characters once parsed, and callback data
  outside 1-64 bytes are refused;
- forum supergroups (`add_chat(..., is_forum=True)`): topics are remembered with their name and
  state (`add_thread`, or the bot's createForumTopic); a send into a topic that does not exist,
  or into General by its id (1), is 400 THREAD_NOT_FOUND; into a closed topic, unless the bot
  may manage topics, 400 TOPIC_CLOSED; a message in a topic carries message_thread_id and
  is_topic_message (and, when it replies to nothing else, replies to the topic's creation
  message, as the Bot API shows it); one in General carries neither (`thread_of`);
  close/reopen/edit/deleteForumTopic of an unknown topic is 400 TOPIC_ID_INVALID, a change that
  changes nothing 400 TOPIC_NOT_MODIFIED;
- the bot restricted in a group (`restrict_bot`, or the group's `set_chat_permissions`) may not
  send what it is not allowed ("not enough rights to send text messages to the chat", ...);
  `refuse_writes` makes a chat answer every send with CHAT_WRITE_FORBIDDEN (or another
  description, e.g. NO_RIGHTS_TO_SEND); a removed chat (`remove_chat`) is "chat not found" to
  every method; the bot kicked or gone is 403, as Telegram words it for that kind of chat;
- getChatMember answers the fields Telegram answers for each status, restricted members
  (`restrict`) included; getChatMemberCount counts those restricted who are still members.
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
CHAT_NOT_FOUND = "Bad Request: chat not found"
# Forum topics. The Bot API server answers THREAD_NOT_FOUND itself (General's id included, which
# it never accepts: a message for General goes without message_thread_id); the rest are
# Telegram's own error names, passed through as "Bad Request: NAME".
THREAD_NOT_FOUND = "Bad Request: message thread not found"
TOPIC_CLOSED = "Bad Request: TOPIC_CLOSED"
TOPIC_ID_INVALID = "Bad Request: TOPIC_ID_INVALID"
TOPIC_NOT_MODIFIED = "Bad Request: TOPIC_NOT_MODIFIED"
NOT_A_FORUM = "Bad Request: the chat is not a forum"
GENERAL_THREAD_ID = 1
# A chat that will not take the bot's messages, whatever its rights say (`refuse_writes`).
CHAT_WRITE_FORBIDDEN = "Bad Request: CHAT_WRITE_FORBIDDEN"
NO_RIGHTS_TO_SEND = "Bad Request: have no rights to send a message"
NO_RIGHTS_TO_PIN = "Bad Request: not enough rights to manage pinned messages in the chat"
# Senders Telegram puts in `from` when a message is not from a person.
CHANNEL_BOT = {"id": 136817688, "is_bot": True, "first_name": "Channel", "username": "Channel_Bot"}
ANONYMOUS_ADMIN = {
    "id": 1087968824,
    "is_bot": True,
    "first_name": "Group",
    "username": "GroupAnonymousBot",
}
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
# What a member of a group may be allowed or not (ChatPermissions; a restricted member's own).
CHAT_PERMISSIONS = (
    "can_send_messages",
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
)
_SENDS = {
    "sendMessage",
    "sendDocument",
    "sendPhoto",
    "sendAudio",
    "sendVideo",
    "sendVideoNote",
    "sendAnimation",
    "sendVoice",
    "sendSticker",
    "sendLocation",
    "sendVenue",
    "sendContact",
    "sendPoll",
    "sendDice",
    "sendMediaGroup",
    "sendChatAction",
    "copyMessage",
    "forwardMessage",
}
# The permission each kind of content takes, and how Telegram names it when it is missing
# ("Bad Request: not enough rights to send {name} to the chat").
_CONTENT_RIGHTS = {
    "text": ("can_send_messages", "text messages"),
    "document": ("can_send_documents", "documents"),
    "photo": ("can_send_photos", "photos"),
    "audio": ("can_send_audios", "music"),
    "video": ("can_send_videos", "videos"),
    "video_note": ("can_send_video_notes", "video notes"),
    "voice": ("can_send_voice_notes", "voice notes"),
    "animation": ("can_send_other_messages", "animations"),
    "sticker": ("can_send_other_messages", "stickers"),
    "dice": ("can_send_other_messages", "dice"),
    "poll": ("can_send_polls", "polls"),
    "location": ("can_send_messages", "locations"),
    "venue": ("can_send_messages", "venues"),
    "contact": ("can_send_messages", "contacts"),
}
_SEND_CONTENT = {
    "sendMessage": "text",
    "sendDocument": "document",
    "sendPhoto": "photo",
    "sendAudio": "audio",
    "sendVideo": "video",
    "sendVideoNote": "video_note",
    "sendVoice": "voice",
    "sendAnimation": "animation",
    "sendSticker": "sticker",
    "sendDice": "dice",
    "sendPoll": "poll",
    "sendLocation": "location",
    "sendVenue": "venue",
    "sendContact": "contact",
}
_TAG = re.compile(r"<[^>]+>")
_COMMAND_SCOPES = {
    "default",
    "all_private_chats",
    "all_group_chats",
    "all_chat_administrators",
    "chat",
    "chat_administrators",
    "chat_member",
}
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
    # What the fake answered when it said yes (a sent message, True, ...); None if it refused.
    result: Any = None

    @property
    def chat_id(self) -> int | None:
        value = self.params.get("chat_id")
        return None if value is None else int(value)

    @property
    def thread_id(self) -> int | None:
        """The message_thread_id the bot asked for (where a message went: `thread_of`)."""
        value = self.params.get("message_thread_id")
        return None if value in (None, "") else int(value)

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


class BotAPI:
    """The Bot API of one bot (`BOT_ID`, named `username`); `now` dates messages (seconds
    since the epoch, UTC; the demo passes its movable clock)."""

    def __init__(self, username: str = BOT_USERNAME, now: Callable[[], float] = time.time) -> None:
        self.now = now
        self.calls: list[Call] = []
        self._files: dict[str, bytes] = {}  # the bytes the call being answered uploads
        self._file_names: dict[str, str] = {}  # and their names, where the upload gave them
        self.bot_user = {
            "id": BOT_ID,
            "is_bot": True,
            "first_name": "Shangliang",
            "username": username,
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
        # What goes with a status, per (chat, user): a restricted member's permissions,
        # is_member and until_date; an administrator's rights (set_status, restrict).
        self.member_fields: dict[tuple[int, int], dict[str, Any]] = {}
        # A group's default permissions for its members (set_chat_permissions).
        self.chat_permissions: dict[int, dict[str, bool]] = {}
        # Forum topics, per (chat, message_thread_id): name, icon_color, is_closed, creator.
        self.threads: dict[tuple[int, int], dict[str, Any]] = {}
        # Chats that answer every send with this error, whatever the rights (refuse_writes).
        self.write_refusals: dict[int, tuple[int, str]] = {}
        # Pinned messages per chat, the most recently pinned last (pinChatMessage, unpin).
        self.pinned: dict[int, list[int]] = {}
        # Chats that are gone: every method about them is "chat not found" (remove_chat).
        self.removed: set[int] = set()
        # Callback query id -> [delivered at (monotonic), answered yet].
        self._queries: dict[str, list] = {}
        # Telegram takes an answer to a press only within a few seconds of it (the exact window
        # is not documented; reports say 10-15 s). A test may shorten it, with `delay` on the
        # sends, to see whether a handler answers before its slow work.
        self.answer_window: float = 15.0
        # Told of every call answered with success, after it is answered (the demo's page
        # follows the chats this way); a listener must not call back into the model.
        self.listeners: list[Callable[[Call], None]] = []
        # What the model refused, as Telegram would have: (call, code, description).
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
        """A chat Telegram knows; a supergroup with is_forum=True is a forum, whose General
        topic holds id 1 (so no message or topic of the test ever gets that id)."""
        chat = {"id": chat_id, "type": chat_type, **extra}
        if title is not None:
            chat["title"] = title
        self.chats[chat_id] = chat
        self.removed.discard(chat_id)
        if extra.get("is_forum") and chat_id not in self._next_message:
            self._next_message[chat_id] = itertools.count(GENERAL_THREAD_ID + 1)
        return chat

    def remove_chat(self, chat_id: int) -> None:
        """The group was deleted (or the bot can no longer see it at all): from now on every
        method about it answers 400 "chat not found"."""
        with self._lock:
            self.chats.pop(int(chat_id), None)
            self.removed.add(int(chat_id))

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

    def set_status(self, chat_id: int, user_id: int, status: str, **fields: Any) -> None:
        """`user_id`'s status in `chat_id`: creator, administrator, member, restricted, left,
        kicked (or "blocked", for a private chat whose user blocked the bot). `fields` go with
        it: an administrator's rights; for "restricted" use `restrict`."""
        self.statuses[(chat_id, user_id)] = status
        self.member_fields[(chat_id, user_id)] = dict(fields)

    def restrict(
        self,
        chat_id: int,
        user_id: int,
        is_member: bool = True,
        until_date: int = 0,
        **permissions: bool,
    ) -> None:
        """`user_id` is restricted in the supergroup `chat_id`: allowed what `permissions` allow
        (the others False); `is_member` False for someone restricted who has left."""
        unknown = set(permissions) - set(CHAT_PERMISSIONS)
        assert not unknown, f"not a permission of a member: {sorted(unknown)}"
        self.set_status(
            chat_id,
            user_id,
            "restricted",
            is_member=bool(is_member),
            until_date=int(until_date),
            **{name: bool(permissions.get(name, False)) for name in CHAT_PERMISSIONS},
        )

    def restrict_bot(self, chat_id: int, until_date: int = 0, **permissions: bool) -> None:
        """The bot is a restricted member of `chat_id`: it may send only what `permissions`
        allow (none, by default), and is no administrator."""
        self.restrict(chat_id, BOT_ID, True, until_date, **permissions)

    def set_chat_permissions(self, chat_id: int, **permissions: bool) -> None:
        """The group's default permissions (the others False): they bind every member who is
        no administrator, the bot included."""
        unknown = set(permissions) - set(CHAT_PERMISSIONS)
        assert not unknown, f"not a permission of a member: {sorted(unknown)}"
        self.chat_permissions[chat_id] = {
            name: bool(permissions.get(name, False)) for name in CHAT_PERMISSIONS
        }

    def refuse_writes(
        self, chat_id: int, description: str = CHAT_WRITE_FORBIDDEN, code: int = 400
    ) -> None:
        """From now on every send to `chat_id` answers this error (CHAT_WRITE_FORBIDDEN, or
        e.g. NO_RIGHTS_TO_SEND), until `allow_writes`."""
        self.write_refusals[int(chat_id)] = (code, description)

    def allow_writes(self, chat_id: int) -> None:
        self.write_refusals.pop(int(chat_id), None)

    # ----- forum topics -------------------------------------------------------------------
    def add_thread(
        self,
        chat_id: int,
        name: str,
        creator: dict[str, Any] | None = None,
        closed: bool = False,
        icon_color: int = 7322096,
        sender_chat: dict[str, Any] | None = None,
    ) -> int:
        """Someone (`creator`, a user; the group's anonymous administrator by default) opened a
        topic in the forum `chat_id`: its creation message is stored, its id returned."""
        chat = self.chats[chat_id]
        assert chat.get("is_forum"), f"chat {chat_id} is not a forum"
        if creator is None:
            creator, sender_chat = ANONYMOUS_ADMIN, sender_chat or _chat_ref(chat)
        with self._lock:
            thread_id = self._new_thread_id(chat_id)
            self.threads[(chat_id, thread_id)] = {
                "message_thread_id": thread_id,
                "name": name,
                "icon_color": icon_color,
                "is_closed": bool(closed),
                "creator": creator["id"],
            }
            created = {
                "message_id": thread_id,
                "date": int(self.now()),
                "chat": chat,
                "from": creator,
                "message_thread_id": thread_id,
                "is_topic_message": True,
                "forum_topic_created": {"name": name, "icon_color": icon_color},
            }
            if sender_chat is not None:
                created["sender_chat"] = sender_chat
            self.store_message(created)
        return thread_id

    def set_thread_closed(self, chat_id: int, thread_id: int, closed: bool = True) -> None:
        """An administrator closed (or reopened) the topic."""
        self.threads[(chat_id, thread_id)]["is_closed"] = bool(closed)

    def delete_thread(self, chat_id: int, thread_id: int) -> None:
        """An administrator deleted the topic, and every message in it."""
        with self._lock:
            self.threads.pop((chat_id, thread_id), None)
            for key in [k for k, m in self.messages.items() if k[0] == chat_id]:
                if self.messages[key].get("message_thread_id") == thread_id:
                    del self.messages[key]

    def thread(self, chat_id: int, thread_id: int) -> dict[str, Any] | None:
        return self.threads.get((chat_id, thread_id))

    def thread_of(self, chat_id: int, message_id: int) -> int | None:
        """The forum topic a stored message is in; None for General (or a chat without topics)."""
        message = self.messages.get((chat_id, int(message_id)))
        assert message is not None, f"no message {message_id} in chat {chat_id}"
        return message.get("message_thread_id") if message.get("is_topic_message") else None

    def thread_messages(self, chat_id: int, thread_id: int | None) -> list[dict[str, Any]]:
        """The stored messages of a topic (None: General), oldest first."""
        return [
            m
            for (cid, _), m in sorted(self.messages.items(), key=lambda kv: kv[0][1])
            if cid == chat_id and self.thread_of(cid, m["message_id"]) == thread_id
        ]

    def _new_thread_id(self, chat_id: int) -> int:
        thread_id = self.new_message_id(chat_id)
        while thread_id == GENERAL_THREAD_ID:
            thread_id = self.new_message_id(chat_id)
        return thread_id

    def delete_by_person(self, chat_id: int, message_id: int) -> None:
        """An administrator deleted the message (a pinned one is unpinned with it)."""
        with self._lock:
            del self.messages[(chat_id, int(message_id))]
            self.unpin_by_person(chat_id, message_id)

    def unpin_by_person(self, chat_id: int, message_id: int) -> None:
        """Someone unpinned the message (Telegram sends the bot no update for that)."""
        with self._lock:
            pinned = self.pinned.get(chat_id, [])
            if int(message_id) in pinned:
                pinned.remove(int(message_id))

    def pinned_in(self, chat_id: int) -> list[int]:
        """The messages pinned in a chat that still exist, the most recently pinned last."""
        return [m for m in self.pinned.get(chat_id, []) if (chat_id, m) in self.messages]

    def start_bot(self, user_id: int) -> None:
        """The user opened a private chat with the bot: it may write to them from now on."""
        self.started.add(int(user_id))

    def set_bot_rights(self, chat_id: int, **rights: bool) -> None:
        """Make the bot an administrator of `chat_id` with these rights (the others False)."""
        unknown = set(rights) - set(BOT_RIGHTS)
        assert not unknown, f"not a right of an administrator: {sorted(unknown)}"
        self.statuses[(chat_id, BOT_ID)] = "administrator"
        self.member_fields.pop((chat_id, BOT_ID), None)
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
        files: dict[str, bytes] | None = None,
        file_names: dict[str, str] | None = None,
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
            self._files = files or {}
            self._file_names = file_names or {}
            try:
                self._check(method, params)
                result = True if answer is None else answer(params)
                call.result = result
            except _ApiError as err:
                self.refusals.append((call, err.code, err.description))
                return err.code, {
                    "ok": False,
                    "error_code": err.code,
                    "description": err.description,
                }
        for listener in list(self.listeners):
            listener(call)
        return 200, {"ok": True, "result": result}

    def _check(self, method: str, params: dict[str, Any]) -> None:
        """What Telegram refuses whatever the method: a chat that is gone, sends it may not
        make (where, what, into which topic), bad buttons."""
        for key in ("chat_id", "from_chat_id"):
            if _int_or_none(params.get(key)) in self.removed:
                raise _ApiError(400, CHAT_NOT_FOUND)
        chat = None
        if method in _SENDS and params.get("chat_id") is not None:
            chat = self._chat(params["chat_id"])
            self._may_send(chat)
        markup = params.get("reply_markup")
        if isinstance(markup, dict):
            for row in markup.get("inline_keyboard") or []:
                for button in row:
                    data = button.get("callback_data")
                    if data is not None and not 1 <= len(str(data).encode("utf-8")) <= 64:
                        raise _ApiError(400, BUTTON_DATA_INVALID)
        if chat is not None:
            self._may_post(method, chat, params)

    def _may_send(self, chat: dict[str, Any]) -> None:
        if chat["type"] == "private":
            if self.statuses.get((chat["id"], chat["id"])) == "blocked":
                raise _ApiError(403, BLOCKED)
            if chat["id"] not in self.started:
                raise _ApiError(403, CANT_INITIATE)
            return
        kind = chat["type"] if chat["type"] in ("supergroup", "channel") else "group"
        status = self.statuses.get((chat["id"], BOT_ID))
        fields = self.member_fields.get((chat["id"], BOT_ID), {})
        if status == "kicked":
            raise _ApiError(403, f"Forbidden: bot was kicked from the {kind} chat")
        if status == "left" or (status == "restricted" and not fields.get("is_member", True)):
            raise _ApiError(403, f"Forbidden: bot is not a member of the {kind} chat")

    def _may_post(self, method: str, chat: dict[str, Any], params: dict[str, Any]) -> None:
        """A send the bot may make to this chat: the chat takes its messages at all, the topic
        exists, the bot is allowed this kind of content, and the topic is open to it."""
        refusal = self.write_refusals.get(chat["id"])
        if refusal is not None:
            raise _ApiError(*refusal)
        thread_id = self._thread_for(chat, params)
        if method == "sendChatAction":
            return
        kind = _SEND_CONTENT.get(method)
        if method in ("copyMessage", "forwardMessage"):
            source = self.messages.get(
                (_int_or_none(params.get("from_chat_id")), _int_or_none(params.get("message_id")))
            )
            kind = _content_kind(source) if source is not None else None
        allowed = self._permissions_of_bot(chat)
        if kind is not None and allowed is not None:
            permission, name = _CONTENT_RIGHTS[kind]
            if not allowed[permission]:
                raise _ApiError(400, f"Bad Request: not enough rights to send {name} to the chat")
        if thread_id is not None and self.threads[(chat["id"], thread_id)]["is_closed"]:
            if not self._is_admin_with(chat, "can_manage_topics"):
                raise _ApiError(400, TOPIC_CLOSED)

    def _thread_for(self, chat: dict[str, Any], params: dict[str, Any]) -> int | None:
        """The forum topic a send goes to: the one named, else the one of the message it
        replies to; None for General, or in a chat without topics (where Telegram ignores
        message_thread_id)."""
        if not chat.get("is_forum"):
            return None
        asked = _int_or_none(params.get("message_thread_id"))
        if asked:
            if asked == GENERAL_THREAD_ID or (chat["id"], asked) not in self.threads:
                raise _ApiError(400, THREAD_NOT_FOUND)
            return asked
        original = self.messages.get((chat["id"], _reply_to_id(params) or 0))
        if original is not None and original.get("is_topic_message"):
            return original.get("message_thread_id")
        return None

    def _permissions_of_bot(self, chat: dict[str, Any]) -> dict[str, bool] | None:
        """What the bot may send in a group: its own restrictions and the group's defaults
        together; None when nothing binds it (an administrator, a private chat)."""
        if chat["type"] not in ("group", "supergroup"):
            return None
        status = self.statuses.get((chat["id"], BOT_ID), "member")
        if status in ("administrator", "creator"):
            return None
        own = self.member_fields.get((chat["id"], BOT_ID), {}) if status == "restricted" else {}
        default = self.chat_permissions.get(chat["id"], {})
        if not own and not default:
            return None
        return {
            name: bool(own.get(name, True)) and bool(default.get(name, True))
            for name in CHAT_PERMISSIONS
        }

    def _place(self, message: dict[str, Any], chat: dict[str, Any], params: dict[str, Any]) -> None:
        """Where a message the bot sends lands: its topic, and what it replies to."""
        thread_id = self._thread_for(chat, params)
        reply_to = _reply_to_id(params)
        original = self.messages.get((chat["id"], int(reply_to))) if reply_to else None
        if thread_id is not None:
            message["message_thread_id"] = thread_id
            message["is_topic_message"] = True
            if original is None:
                # In a topic, a message that replies to nothing else replies to the topic's
                # creation message (the Bot API's implicit reply).
                original = self.messages.get((chat["id"], thread_id))
        if original is not None:
            message["reply_to_message"] = _shallow(original)

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
        status = self.statuses.get((chat["id"], BOT_ID))
        if status not in ("administrator", "creator"):
            return False
        if chat["type"] == "group" or status == "creator":
            # A basic group has no granular rights: every administrator may.
            return True
        return bool(self.bot_rights.get(chat["id"], {}).get(right))

    def _chat(self, chat_id: Any) -> dict[str, Any]:
        chat = self.chats.get(int(chat_id))
        if chat is None:
            raise _ApiError(400, CHAT_NOT_FOUND)
        return chat

    def _m_getMe(self, params: dict) -> dict:
        return self.bot_user

    def _m_setMyCommands(self, params: dict) -> bool:
        """As Telegram checks a menu: at most 100 commands, each 1-32 of a-z, 0-9 and _, its
        description 1-256 characters; a scope of a known type."""
        commands = params.get("commands") or []
        if len(commands) > 100:
            raise _ApiError(400, "Bad Request: BOT_COMMANDS_TOO_MUCH")
        for command in commands:
            if not re.fullmatch(r"[a-z0-9_]{1,32}", str(command.get("command", ""))):
                raise _ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
            if not 1 <= len(str(command.get("description", "")).strip()) <= 256:
                raise _ApiError(400, "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID")
        scope = params.get("scope") or {"type": "default"}
        if scope.get("type") not in _COMMAND_SCOPES:
            raise _ApiError(400, "Bad Request: BOT_COMMAND_SCOPE_INVALID")
        return True

    def _m_sendMessage(self, params: dict) -> dict:
        chat = self._chat(params["chat_id"])
        text = str(params.get("text", ""))
        plain = self._shown(params)
        if not plain.strip():
            raise _ApiError(400, "Bad Request: message text is empty")
        message = {
            "message_id": self.new_message_id(chat["id"]),
            "date": int(self.now()),
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
        self._place(message, chat, params)
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
        message.update(text=plain, html=text, edit_date=int(self.now()))
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

    def _may_pin(self, chat: dict[str, Any]) -> None:
        """Pinning and unpinning, refused as Telegram refuses them: a bot removed from the
        group is 403 as for a send; in a supergroup it takes an administrator with
        can_pin_messages; in a basic group any member may, unless the group's permissions
        forbid members to pin (administrators always may)."""
        self._may_send(chat)
        if chat["type"] == "private":
            return
        if chat["type"] == "group":
            status = self.statuses.get((chat["id"], BOT_ID), "member")
            if status in ("administrator", "creator"):
                return
            if self.chat_permissions.get(chat["id"], {}).get("can_pin_messages", True):
                return
        elif self._is_admin_with(chat, "can_pin_messages"):
            return
        raise _ApiError(400, NO_RIGHTS_TO_PIN)

    def _m_pinChatMessage(self, params: dict) -> bool:
        chat = self._chat(params["chat_id"])
        self._may_pin(chat)
        message_id = int(params["message_id"])
        if (chat["id"], message_id) not in self.messages:
            raise _ApiError(400, "Bad Request: message to pin not found")
        pinned = self.pinned.setdefault(chat["id"], [])
        if message_id in pinned:
            pinned.remove(message_id)
        pinned.append(message_id)
        if chat["type"] != "private":
            # Telegram tells the group who pinned what (silently with disable_notification).
            service = {
                "message_id": self.new_message_id(chat["id"]),
                "date": int(self.now()),
                "chat": chat,
                "from": self.bot_user,
                "pinned_message": _shallow(self.messages[(chat["id"], message_id)]),
            }
            self._place(service, chat, {"reply_to_message_id": message_id})
            service.pop("reply_to_message", None)
            self.store_message(service)
        return True

    def _m_unpinChatMessage(self, params: dict) -> bool:
        """Unpins `message_id`, or the most recently pinned message when none is named."""
        chat = self._chat(params["chat_id"])
        self._may_pin(chat)
        pinned = self.pinned.get(chat["id"], [])
        wanted = _int_or_none(params.get("message_id"))
        if wanted is None:
            if not pinned:
                raise _ApiError(400, "Bad Request: message to unpin not found")
            pinned.pop()
        elif wanted in pinned:
            pinned.remove(wanted)
        else:
            raise _ApiError(400, "Bad Request: message to unpin not found")
        return True

    def _m_unpinAllChatMessages(self, params: dict) -> bool:
        chat = self._chat(params["chat_id"])
        self._may_pin(chat)
        self.pinned.pop(chat["id"], None)
        return True

    def _m_createForumTopic(self, params: dict) -> dict:
        chat = self._chat(params["chat_id"])
        if not chat.get("is_forum"):
            raise _ApiError(400, NOT_A_FORUM)
        if not self._is_admin_with(chat, "can_manage_topics"):
            raise _ApiError(400, "Bad Request: not enough rights to create a topic")
        name = str(params.get("name") or "").strip()
        if not name:
            raise _ApiError(400, "Bad Request: title must be non-empty")
        icon_color = int(params.get("icon_color") or 7322096)
        thread_id = self.add_thread(chat["id"], name[:128], self.bot_user, icon_color=icon_color)
        topic = {"message_thread_id": thread_id, "name": name[:128], "icon_color": icon_color}
        if params.get("icon_custom_emoji_id"):
            topic["icon_custom_emoji_id"] = str(params["icon_custom_emoji_id"])
        return topic

    def _topic_to_change(self, params: dict, right: str, refusal: str) -> dict[str, Any]:
        """The topic close/reopen/edit/deleteForumTopic is about, refused as Telegram would:
        not a forum; someone else's topic without the right (the bot may always change a
        topic it created); a topic that does not exist."""
        chat = self._chat(params["chat_id"])
        if not chat.get("is_forum"):
            raise _ApiError(400, NOT_A_FORUM)
        thread_id = _int_or_none(params.get("message_thread_id"))
        if not thread_id or thread_id < 0:
            raise _ApiError(400, "Bad Request: invalid message thread identifier specified")
        topic = self.threads.get((chat["id"], thread_id))
        if topic is not None and topic["creator"] != BOT_ID:
            if not self._is_admin_with(chat, right):
                raise _ApiError(400, refusal)
        if topic is None:
            raise _ApiError(400, TOPIC_ID_INVALID)
        return topic

    def _toggle_topic(self, params: dict, closed: bool) -> bool:
        topic = self._topic_to_change(
            params, "can_manage_topics", "Bad Request: not enough rights to close or open the topic"
        )
        if topic["is_closed"] == closed:
            raise _ApiError(400, TOPIC_NOT_MODIFIED)
        topic["is_closed"] = closed
        return True

    def _m_closeForumTopic(self, params: dict) -> bool:
        return self._toggle_topic(params, True)

    def _m_reopenForumTopic(self, params: dict) -> bool:
        return self._toggle_topic(params, False)

    def _m_editForumTopic(self, params: dict) -> bool:
        topic = self._topic_to_change(
            params, "can_manage_topics", "Bad Request: not enough rights to edit the topic"
        )
        name = params.get("name")
        icon = params.get("icon_custom_emoji_id")
        if name is None and icon is None:
            return True  # nothing asked, nothing done
        new_name = topic["name"] if name in (None, "") else str(name).strip()[:128]
        if not new_name:
            raise _ApiError(400, "Bad Request: title must be non-empty")
        new_icon = topic.get("icon_custom_emoji_id") if icon is None else str(icon)
        if new_name == topic["name"] and new_icon == topic.get("icon_custom_emoji_id"):
            raise _ApiError(400, TOPIC_NOT_MODIFIED)
        topic["name"] = new_name
        if new_icon:
            topic["icon_custom_emoji_id"] = new_icon
        else:
            topic.pop("icon_custom_emoji_id", None)
        return True

    def _m_deleteForumTopic(self, params: dict) -> bool:
        topic = self._topic_to_change(
            params, "can_delete_messages", "Bad Request: not enough rights to delete the topic"
        )
        self.delete_thread(int(params["chat_id"]), topic["message_thread_id"])
        return True

    def _m_sendDocument(self, params: dict) -> dict:
        chat = self._chat(params["chat_id"])
        caption = self._shown(params, "caption", MAX_CAPTION) if params.get("caption") else None
        message = {
            "message_id": self.new_message_id(chat["id"]),
            "date": int(self.now()),
            "chat": chat,
            "from": self.bot_user,
            "document": {"file_id": "doc", "file_unique_id": "doc"},
        }
        if self._file_names.get("document"):
            message["document"]["file_name"] = self._file_names["document"]
        # The bytes uploaded, kept on the stored message (not in the answer) for a test to read.
        if isinstance(self._files.get("document"), bytes):
            message["upload"] = self._files["document"]
        if caption:
            message["caption"] = caption
        self._place(message, chat, params)
        return _public(self.store_message(message))

    def chat_member(self, chat_id: int, user_id: int) -> dict[str, Any]:
        """`user_id` in `chat_id` as getChatMember answers it: the fields the Bot API server
        gives for each status (someone the chat has never seen is "left")."""
        chat = self._chat(chat_id)
        user = self.users.get(user_id, {"id": user_id, "is_bot": False, "first_name": "?"})
        status = self.statuses.get((chat["id"], user_id), "left")
        fields = self.member_fields.get((chat["id"], user_id), {})
        if status == "creator":
            return {"user": user, "status": "creator", "is_anonymous": False}
        if status == "administrator":
            if user_id == BOT_ID:
                rights = self.bot_rights.get(chat["id"], {})
            else:
                rights = {"can_manage_chat": True, **fields}
            return {
                "user": user,
                "status": "administrator",
                "can_be_edited": False,
                **_administrator_rights(chat["type"], rights),
                "can_manage_voice_chats": bool(rights.get("can_manage_video_chats")),
            }
        if status == "restricted":
            member = {"user": user, "status": "restricted"}
            if chat["type"] == "supergroup":
                member["until_date"] = int(fields.get("until_date", 0))
                member.update(_permissions(fields))
                member["is_member"] = bool(fields.get("is_member", True))
            return member
        if status == "kicked":
            return {
                "user": user,
                "status": "kicked",
                "until_date": int(fields.get("until_date", 0)),
            }
        if status == "left":
            return {"user": user, "status": "left"}
        member = {"user": user, "status": "member"}
        if fields.get("until_date"):
            member["until_date"] = int(fields["until_date"])
        return member

    def _m_getChatMember(self, params: dict) -> dict:
        return self.chat_member(int(params["chat_id"]), int(params["user_id"]))

    def _m_getChatAdministrators(self, params: dict) -> list[dict]:
        """The chat's creator and administrators (bots among them), as getChatMember answers
        each; a private chat has none to list."""
        chat = self._chat(params["chat_id"])
        if chat["type"] == "private":
            raise _ApiError(400, "Bad Request: there are no administrators in the private chat")
        return [
            self.chat_member(chat["id"], uid)
            for (cid, uid), status in self.statuses.items()
            if cid == chat["id"] and status in ("creator", "administrator")
        ]

    def _m_getChatMemberCount(self, params: dict) -> int:
        chat = self._chat(params["chat_id"])
        return sum(
            1
            for (cid, uid), status in self.statuses.items()
            if cid == chat["id"]
            and (
                status in ("creator", "administrator", "member")
                or (
                    status == "restricted"
                    and self.member_fields.get((cid, uid), {}).get("is_member", True)
                )
            )
        )

    def _m_getChat(self, params: dict) -> dict:
        chat = self._chat(params["chat_id"])
        extra: dict[str, Any] = {}
        if chat["type"] in ("group", "supergroup"):
            extra["permissions"] = _permissions(
                self.chat_permissions.get(chat["id"], dict.fromkeys(CHAT_PERMISSIONS, True))
            )
        pinned = self.pinned_in(chat["id"])
        if pinned:
            extra["pinned_message"] = _shallow(self.messages[(chat["id"], pinned[-1])])
        return {
            **chat,
            **extra,
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": False,
                "limited_gifts": False,
                "unique_gifts": False,
                "premium_subscription": False,
                "gifts_from_channels": False,
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


def _int_or_none(value: Any) -> int | None:
    try:
        return None if value in (None, "") else int(value)
    except (TypeError, ValueError):
        return None  # an @username


def _reply_to_id(params: dict[str, Any]) -> int | None:
    reply = params.get("reply_parameters") or {}
    return _int_or_none(reply.get("message_id") if reply else params.get("reply_to_message_id"))


def _content_kind(message: dict[str, Any]) -> str | None:
    """What a stored message holds, as _CONTENT_RIGHTS names it."""
    return next((kind for kind in _CONTENT_RIGHTS if kind in message), None)


def _chat_ref(chat: dict[str, Any]) -> dict[str, Any]:
    """A chat as a message's sender_chat shows it."""
    return {k: v for k, v in chat.items() if k in ("id", "type", "title", "username", "is_forum")}


def _permissions(allowed: dict[str, Any]) -> dict[str, bool]:
    """ChatPermissions as the Bot API server writes them (with the legacy media flag)."""
    out = {name: bool(allowed.get(name, False)) for name in CHAT_PERMISSIONS}
    media = ("audios", "documents", "photos", "videos", "video_notes", "voice_notes")
    out["can_send_media_messages"] = any(out[f"can_send_{kind}"] for kind in media)
    return out


def _administrator_rights(chat_type: str, rights: dict[str, Any]) -> dict[str, bool]:
    """An administrator's rights as the Bot API server writes them for this kind of chat."""
    out = {name: bool(rights.get(name, False)) for name in BOT_RIGHTS}
    if chat_type not in ("group", "supergroup"):
        del out["can_pin_messages"]
    if chat_type != "supergroup":
        del out["can_manage_topics"]
    if chat_type == "channel":
        out["can_post_messages"] = bool(rights.get("can_post_messages", False))
        out["can_edit_messages"] = bool(rights.get("can_edit_messages", False))
    else:
        out["can_manage_tags"] = bool(rights.get("can_manage_tags", False))
    out["is_anonymous"] = bool(rights.get("is_anonymous", False))
    return out


def _public(message: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in message.items() if k not in ("html", "asked", "upload")}


def _shallow(message: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in _public(message).items() if k != "reply_to_message"}
