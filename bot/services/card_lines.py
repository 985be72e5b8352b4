"""Lines other parts add to a topic's card (a meeting, an escalation and how it was settled),
each read in the card's one read transaction."""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from functools import cache
from typing import Any

from bot.runtime import Runtime
from storage import Tx
from storage.topics import TopicRow

# A function of the transaction, the topic, the translator and, if it takes a fourth argument,
# the group's settings (bot.group_settings.GroupSettings: its time zone, for a day) giving lines:
# safe HTML, in the group's language.
CardLines = Callable[..., Awaitable[list[str]]]
CARD_LINES: list[CardLines] = []


@cache
def _wants_settings(part: CardLines) -> bool:
    return len(inspect.signature(part).parameters) >= 4


async def card_lines(
    rt: Runtime, topic: TopicRow, translate: Callable[[str], str], settings: Any
) -> list[str]:
    """The lines every registered part adds to the topic's card, in one read."""

    async def work(tx: Tx) -> list[str]:
        lines: list[str] = []
        for part in CARD_LINES:
            if _wants_settings(part):
                lines += await part(tx, topic, translate, settings)
            else:
                lines += await part(tx, topic, translate)
        return lines

    return await rt.db.view(work) if CARD_LINES else []
