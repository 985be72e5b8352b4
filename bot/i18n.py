"""Per-call translations from the gettext catalogs under bot/locales (Babel .po files).

Never installed globally: a group speaks its stored language, a private chat the user's own.
Mark strings with `_("...")` where `_` is the translator for the reader; format after translating.
`N_` marks a string translated later, `NC_` one with a context (msgctxt) for `pgettext`.
"""

from __future__ import annotations

import gettext
import io
from collections.abc import Callable
from functools import cache
from importlib import resources

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

DOMAIN = "shangliang"
LANGUAGES = ("zh", "en")
DEFAULT_LANGUAGE = "zh"

Translate = Callable[[str], str]


@cache
def translations(language: str) -> gettext.NullTranslations:
    """The compiled catalog for `language`; compiled in memory so a .po edit can never go stale."""
    if language not in LANGUAGES:
        return gettext.NullTranslations()
    po = resources.files("bot") / "locales" / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    with po.open("rb") as handle:
        catalog = read_po(handle, locale=language, domain=DOMAIN)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


def translator(language: str) -> Translate:
    return translations(language).gettext


def language_of(_: Translate) -> str:
    """The language a translator from :func:`translator` speaks, for what gettext alone cannot
    say (Babel's weekday and month names, bot/times.py). Anything else reads as English, the
    language of the msgids."""
    owner = getattr(_, "__self__", None)
    for language in LANGUAGES:
        if owner is translations(language):
            return language
    return "en"


def ntranslator(language: str) -> Callable[[str, str, int], str]:
    return translations(language).ngettext


def pick_language(code: str | None, fallback: str = DEFAULT_LANGUAGE) -> str:
    """Map a Telegram language_code (zh-hans, en-US, ...) to a catalog we have."""
    if code:
        base = code.lower().split("-")[0].split("_")[0]
        if base in LANGUAGES:
            return base
    return fallback


def N_(message: str) -> str:
    return message


Contextual = tuple[str, str]  # (msgctxt, English msgid), as NC_ marks it


def NC_(context: str, message: str) -> Contextual:
    """Mark `message` for extraction under a msgctxt: the same English can then translate
    differently by use ("declined" a status, "declined" an event). Look it up with
    `translations(language).pgettext(*marked)`."""
    return context, message
