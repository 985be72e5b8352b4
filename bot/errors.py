"""A refusal the user should read: a translatable message id and its parameters."""

from __future__ import annotations

from typing import Any


class UserError(Exception):
    def __init__(self, msgid: str, **params: Any) -> None:
        super().__init__(msgid)
        self.msgid = msgid
        self.params = params
