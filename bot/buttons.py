"""What a card's buttons are, as plain data: the Telegram edge turns them into markup
(handlers/common.py to_markup), so that the application never builds Telegram objects."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Button:
    """A button: pressing it sends `data` back to the bot (callback data, bot/callbacks.py), or
    opens `url` (a deep link into the private chat)."""

    text: str
    data: str | None = None
    url: str | None = None


# Rows of buttons, top to bottom.
Keyboard = tuple[tuple[Button, ...], ...]


def keyboard(rows: Iterable[Iterable[Button]]) -> Keyboard:
    return tuple(tuple(row) for row in rows)
