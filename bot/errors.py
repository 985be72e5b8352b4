"""Errors the application speaks of: a refusal the user should read (a translatable message id
and its parameters), and what became of a chat, as the Telegram edge reports it."""

from __future__ import annotations

from typing import Any


class Msg(str):
    """A parameter that is itself a message id, translated when the message is rendered."""


class UserError(Exception):
    def __init__(self, msgid: str, **params: Any) -> None:
        super().__init__(msgid)
        self.msgid = msgid
        self.params = params


class ChatMoved(Exception):
    """The group became a supergroup with another id (Telegram's ChatMigrated)."""

    def __init__(self, new_chat_id: int) -> None:
        super().__init__(f"chat moved to {new_chat_id}")
        self.new_chat_id = new_chat_id


class ChatClosed(Exception):
    """The bot may not post in the chat any more (removed, blocked: Telegram's Forbidden)."""
