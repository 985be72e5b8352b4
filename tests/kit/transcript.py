"""Transcripts of a story: what each chat showed at the end, in the order it was written.

Members' messages and presses are taken as they were delivered; the bot's messages as they
stand at the end (each once, in its final state, with its buttons; deleted ones are gone).
Set SHANGLIANG_TRANSCRIPTS=<folder> and run any story test: the `world` fixture then writes
one `<test name>.txt` per test there (tests/conftest.py). Used for the closing notes' replays.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.kit.story import World, button_labels


class Recorder:
    """Keeps what members sent, keyed by (chat id, message id), by wrapping World.push."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.sent: dict[tuple[int, int], str] = {}
        self.presses: list[tuple[int, int, str]] = []  # (chat id, after message id, line)
        push = world.push

        def recording(payload: dict[str, Any]) -> dict[str, Any]:
            self._note(payload)
            return push(payload)

        world.push = recording  # type: ignore[method-assign]

    def _note(self, payload: dict[str, Any]) -> None:
        for key in ("message", "edited_message"):
            message = payload.get(key)
            if message is None:
                continue
            who = (message.get("from") or {}).get("first_name", "?")
            what = message.get("text") or message.get("caption") or _kind(message)
            edited = " (edited)" if key == "edited_message" else ""
            chat_id = message["chat"]["id"]
            self.sent[(chat_id, message["message_id"])] = f"{who}{edited}: {what}"
        query = payload.get("callback_query")
        if query is not None:
            message = query.get("message") or {}
            label = next(
                (
                    b["text"]
                    for row in (message.get("reply_markup") or {}).get("inline_keyboard", [])
                    for b in row
                    if b.get("callback_data") == query.get("data")
                ),
                query.get("data"),
            )
            chat_id = (message.get("chat") or {}).get("id", 0)
            known = [*self.world.api.messages, *self.sent]
            latest = max((k[1] for k in known if k[0] == chat_id), default=0)
            who = query["from"].get("first_name", "?")
            self.presses.append((chat_id, latest, f"{who} presses [{label}]"))

    def lines_of(self, chat_id: int) -> list[str]:
        api = self.world.api
        entries: list[tuple[int, int, str]] = []
        for (cid, message_id), text in self.sent.items():
            if cid == chat_id:
                entries.append((message_id, 0, text))
        for (cid, message_id), message in api.messages.items():
            if cid != chat_id or message.get("from", {}).get("id") != api.bot_user["id"]:
                continue
            if "forum_topic_created" in message:
                continue
            body = message.get("text") or message.get("caption") or _kind(message)
            lines = [f"bot: {body}"]
            labels = button_labels(message)
            if labels:
                lines.append("     " + " ".join(f"[{label}]" for label in labels))
            entries.append((message_id, 0, "\n".join(lines)))
        for cid, after, line in self.presses:
            if cid == chat_id:
                entries.append((after, 1, "  · " + line))
        return [text for _, _, text in sorted(entries, key=lambda e: (e[0], e[1]))]

    def write(self, path: Path) -> None:
        api = self.world.api
        chats = sorted({cid for cid, _ in api.messages} | {cid for cid, _ in self.sent})
        blocks = []
        for chat_id in chats:
            chat = api.chats.get(chat_id, {})
            name = chat.get("title") or f"private: {chat.get('first_name', chat_id)}"
            lines = self.lines_of(chat_id)
            if lines:
                blocks.append(f"=== {name} ===\n" + "\n".join(lines))
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("\n\n".join(blocks) + "\n", encoding="utf-8")


def _kind(message: dict[str, Any]) -> str:
    for kind in ("document", "voice", "photo", "sticker", "video"):
        if kind in message:
            item = message[kind]
            name = item.get("file_name", "") if isinstance(item, dict) else ""
            return f"[{kind}{': ' + name if name else ''}]"
    return "[message]"
