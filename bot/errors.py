"""A refusal the user should read: a translatable message id and its parameters."""

from __future__ import annotations

from typing import Any


class Msg(str):
    """A parameter that is itself a message id, translated when the message is rendered."""


class UserError(Exception):
    def __init__(self, msgid: str, **params: Any) -> None:
        super().__init__(msgid)
        self.msgid = msgid
        self.params = params
