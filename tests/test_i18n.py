"""Every message the code can show exists in Chinese and English, and formats safely in both."""

from __future__ import annotations

import re
import string
from collections import Counter
from functools import cache

import pytest
from babel.messages.catalog import Catalog

from bot.i18n import DEFAULT_LANGUAGE, LANGUAGES, pick_language, translations, translator
from scripts.catalogs import extract, load, missing

_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)\b[^>]*>")


@cache
def template() -> Catalog:
    return extract()


def _pairs(language: str) -> list[tuple[str, str]]:
    """(msgid, translation) for every translated message, plural forms included."""
    pairs = []
    for message in load(language):
        if not message.id or not message.string:
            continue
        if isinstance(message.id, tuple):
            singular, plural = message.id[0], message.id[1]
            forms = message.string if isinstance(message.string, tuple) else (message.string,)
            pairs.extend((singular if i == 0 else plural, form) for i, form in enumerate(forms))
        else:
            pairs.append((message.id, message.string))
    return pairs


def _fields(text: str) -> set[str]:
    names = set()
    for _, field, _, _ in string.Formatter().parse(text):
        if field is not None:
            names.add(re.split(r"[.\[!:]", field, maxsplit=1)[0])
    return names


def test_the_code_has_messages_to_translate():
    ids = {m.id for m in template() if m.id}
    # Sanity: the extraction really reads bot/ and handlers/.
    assert "This group now speaks English." in ids
    assert "Propose a topic" in ids
    assert len(ids) > 20


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_has_a_translation(language):
    lacking = missing(template(), language)
    assert not lacking, (
        f"{len(lacking)} messages lack a {language} translation (run python scripts/catalogs.py "
        f"and translate them), e.g. {lacking[:5]}"
    )


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_translation_is_fuzzy_or_empty(language):
    bad = [
        m.id for m in load(language) if m.id and (m.fuzzy or not m.string or m.string == ("", ""))
    ]
    assert not bad, bad


@pytest.mark.parametrize("language", LANGUAGES)
def test_placeholders_in_each_translation_equal_those_in_the_source(language):
    wrong = []
    for msgid, msgstr in _pairs(language):
        try:
            source, translated = _fields(msgid), _fields(msgstr)
        except ValueError as exc:  # a stray brace
            wrong.append((msgid, f"unparseable: {exc}"))
            continue
        if source != translated:
            wrong.append((msgid, f"{sorted(source)} != {sorted(translated)}"))
            continue
        try:
            msgstr.format(**{name: "x" for name in source})
        except (KeyError, IndexError, ValueError) as exc:
            wrong.append((msgid, f"format() raises {exc!r}"))
    assert not wrong, wrong


@pytest.mark.parametrize("language", LANGUAGES)
def test_html_tags_in_each_translation_equal_those_in_the_source(language):
    """Messages go out with parse_mode HTML: a lost or extra tag makes Telegram refuse them."""
    wrong = [
        msgid
        for msgid, msgstr in _pairs(language)
        if Counter(_TAG.findall(msgid)) != Counter(_TAG.findall(msgstr))
    ]
    assert not wrong, wrong


def test_the_english_catalog_is_the_source_text():
    english = translator("en")
    differing = [msgid for msgid, msgstr in _pairs("en") if english(msgid) != msgid]
    assert not differing, differing


def test_the_chinese_catalog_is_chinese():
    pairs = _pairs("zh")
    assert pairs
    chinese = [msgstr for _, msgstr in pairs if re.search(r"[\u4e00-\u9fff]", msgstr)]
    # Buttons with only an emoji or a command may stay as they are; prose must not.
    assert len(chinese) >= 0.8 * len(pairs)
    _ = translator("zh")
    assert re.search(r"[\u4e00-\u9fff]", _("This group now speaks English."))
    assert _("Propose a topic") == "提出议题"


def test_the_catalogs_compile_and_are_looked_up_per_call():
    zh, en = translator("zh"), translator("en")
    assert zh("Propose a topic") == "提出议题"
    assert en("Propose a topic") == "Propose a topic"
    # An unknown language falls back to the source text rather than failing.
    assert translator("fr")("Propose a topic") == "Propose a topic"
    # Nothing was installed globally.
    import builtins

    assert not hasattr(builtins, "_")
    assert translations("zh") is translations("zh")  # compiled once


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("zh", "zh"),
        ("zh-hans", "zh"),
        ("zh-Hant-TW", "zh"),
        ("zh_CN", "zh"),
        ("en", "en"),
        ("en-US", "en"),
        ("EN-gb", "en"),
        ("en_GB", "en"),
        ("fr", DEFAULT_LANGUAGE),
        ("pt-br", DEFAULT_LANGUAGE),
        ("", DEFAULT_LANGUAGE),
        (None, DEFAULT_LANGUAGE),
    ],
)
def test_pick_language(code, expected):
    assert pick_language(code) == expected


def test_pick_language_falls_back_to_the_given_default():
    assert pick_language("fr", fallback="en") == "en"
    assert pick_language(None, fallback="en") == "en"
    assert pick_language("zh-hans", fallback="en") == "zh"
    assert DEFAULT_LANGUAGE == "zh"
