"""Rendering text safely: user text is escaped; our own HTML fragments are marked as such."""

from __future__ import annotations

import html
from collections.abc import Callable, Iterable
from typing import Any

from bot.errors import Msg

TELEGRAM_LIMIT = 4096


class Html(str):
    """Text that is already safe HTML (built by us from escaped parts): not escaped again."""


def esc(text: str) -> str:
    return html.escape(text, quote=False)


def fill(
    template: str, params: dict[str, Any], translate: Callable[[str], str] | None = None
) -> str:
    """Format a translated template; user text is escaped, our own HTML fragments are not."""
    safe = {}
    for key, value in params.items():
        if isinstance(value, Msg):
            value = esc(translate(value) if translate else value)
        elif isinstance(value, str) and not isinstance(value, Html):
            value = esc(value)
        safe[key] = value
    return template.format(**safe)


def visible_length(html_text: str) -> int:
    """Telegram counts the limit after entities are parsed: tags do not count, entities do once."""
    import re

    return len(html.unescape(re.sub(r"<[^>]+>", "", html_text)))


def split_items(header: str, items: Iterable[str], limit: int = TELEGRAM_LIMIT - 96) -> list[str]:
    """Join items under a header into messages under the limit, splitting between items only."""
    pages: list[str] = []
    current = header
    for item in items:
        if visible_length(item) > limit:
            item = shorten_html(item, limit)
        candidate = f"{current}\n{item}" if current else item
        if visible_length(candidate) > limit and current:
            pages.append(current)
            current = item
        else:
            current = candidate
    if current:
        pages.append(current)
    return pages


def shorten_html(item: str, limit: int) -> str:
    """An item that alone exceeds the limit: drop its markup and cut the plain text."""
    import re

    plain = html.unescape(re.sub(r"<[^>]+>", "", item))
    return esc(plain[: limit - 1]) + "…"


def clip(text: str, limit: int) -> str:
    """Shorten user text for a list line (before escaping)."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def fit_items(
    fixed: list[str], items: list[str], limit: int = TELEGRAM_LIMIT - 196
) -> tuple[list[str], int]:
    """As many of `items` as fit in one message beside the `fixed` lines; and how many did not."""
    used = sum(visible_length(line) + 1 for line in fixed)
    kept: list[str] = []
    for item in items:
        size = visible_length(item) + 1
        if used + size > limit:
            break
        kept.append(item)
        used += size
    return kept, len(items) - len(kept)


def mention(user_id: int, name: str) -> Html:
    """A real mention of a member (it notifies them, and aims a ForceReply at them)."""
    return Html(f'<a href="tg://user?id={int(user_id)}">{esc(name)}</a>')
