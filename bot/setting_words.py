"""A group's settings in words, as /settings shows them: each value as a reader says it
("3 days", "on", "a third of the members"), beside an example of changing it."""

from __future__ import annotations

from datetime import timedelta
from fractions import Fraction
from typing import Any

from bot.group_settings import ALIAS_OF, SETTING_LABELS, GroupSettings
from bot.i18n import N_, ntranslator, translator
from bot.numbers import fold, read_whole
from bot.ratios import RatioError, capped_share, parse_threshold
from bot.text import esc

# A value that reads well as an example of each setting (the flags' example is their opposite).
EXAMPLES = {
    "timezone": ("Asia/Shanghai", "Asia/Hong_Kong"),
    "views_duration": ("5d",),
    "vote_duration": ("3d",),
    "quorum": ("1/4", "10"),
    "threshold": ("3/4", "2/3"),
    "blocks_allowed": ("1", "0"),
    "followup_offsets": ("7d,30d", "7d,30d,90d"),
    "due_reminder": ("1d", "2d"),
    "turnout_reminder": ("6h", "12h"),
    "quiet_hours": ("off", "22:00-08:00"),
    "reopen_share": ("2/3", "1/2"),
    "overdue_reopen_after": ("14d", "7d"),
    "meeting_reminder": ("1d", "2h"),
    "escalation_check": ("60d", "30d"),
}
LANGUAGE_NAMES = {"zh": N_("Chinese"), "en": N_("English")}

FLAG_ON = N_("{label}: on (to turn it off: {example})")
FLAG_OFF = N_("{label}: off (to turn it on: {example})")
OTHER = N_("{label}: {value} (for example: {example})")


def duration_words(value: timedelta, language: str) -> str:
    """3 days, 1 day 12 hours, 30 minutes (3天, 1天12小时, 30分钟)."""
    ngettext = ntranslator(language)
    days, rest = divmod(int(value.total_seconds()), 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    parts = []
    if days:
        parts.append(ngettext("{n} day", "{n} days", days).format(n=days))
    if hours:
        parts.append(ngettext("{n} hour", "{n} hours", hours).format(n=hours))
    if minutes or not parts:
        parts.append(ngettext("{n} minute", "{n} minutes", minutes).format(n=minutes))
    return " ".join(parts)


def _quorum_words(raw: str, language: str) -> str:
    _ = translator(language)
    text = fold(raw).strip()
    count = read_whole(text)
    if count is not None:
        return ngettext_people(count, language)
    capped = capped_share(text)
    if capped is not None:
        share, cap = capped
        return _("{share} of the members, at most {people}").format(
            share=share, people=ngettext_people(cap, language)
        )
    if all(ch.isdigit() or ch in "/%." for ch in text):
        return _("{share} of the members").format(share=text)
    return text


def ngettext_people(count: int, language: str) -> str:
    ngettext = ntranslator(language)
    return ngettext("{n} person", "{n} people", count).format(n=count)


def threshold_words(raw: str, language: str) -> str:
    """A threshold as the group reads it: 1/2 "同意票至少占一半（含一半）" (a tie passes), >1/2
    or 过半 "同意票超过一半（一半对一半不算通过）", 2/3 "同意票至少占 2/3"."""
    _ = translator(language)
    try:
        threshold = parse_threshold(raw)
    except RatioError:
        return raw
    if threshold.share == Fraction(1, 2):
        if threshold.strict:
            return _("agree ballots more than half (a tie does not pass)")
        return _("agree ballots at least half (a tie passes)")
    share = str(raw).strip().lstrip(">＞")
    if threshold.strict:
        return _("agree ballots more than {share}").format(share=share)
    return _("agree ballots at least {share}").format(share=share)


def half_or_more_than(raw: str) -> bool:
    """Is this threshold one whose tie rule a reader must be told (1/2, or any "more than")?"""
    try:
        threshold = parse_threshold(raw)
    except RatioError:
        return False
    return threshold.strict or threshold.share == Fraction(1, 2)


def value_words(key: str, value: Any, language: str) -> str:
    """A setting's value in words (public for the reply to /settings key value)."""
    return _value_words(key, value, language)


def _value_words(key: str, value: Any, language: str) -> str:
    _ = translator(language)
    if key == "threshold":
        return threshold_words(str(value), language)
    if key == "language":
        return _(LANGUAGE_NAMES.get(value, value))
    if key == "quorum":
        return _quorum_words(str(value), language)
    if key == "quiet_hours" and value == "off":
        return _("none")
    if isinstance(value, list):
        return ("、" if language == "zh" else ", ").join(
            _value_words("", item, language) for item in value
        )
    if isinstance(value, timedelta):
        return duration_words(value, language)
    return str(value)


def _example(key: str, value: Any, shown: str) -> str:
    if key == "language":
        return "en" if value == "zh" else "zh"
    choices = EXAMPLES.get(key)
    if choices is None:
        # A setting without an example of its own: its current value, which /settings takes.
        return shown
    for choice in choices:
        if choice != shown:
            return choice
    return choices[0]


def settings_lines(settings: GroupSettings, language: str) -> list[str]:
    """One line a setting: what it is, its value in words, and how a convenor changes it."""
    _ = translator(language)
    raw = settings.model_dump(mode="json")
    lines = []
    for key in raw:
        value = getattr(settings, key)
        # A Chinese group's examples use the settings' Chinese names (/settings 通过比例 3/4).
        name = ALIAS_OF.get(key, key) if language == "zh" else key
        label = _(SETTING_LABELS[key]) if key in SETTING_LABELS else key
        if language != "zh":
            label = label[:1].upper() + label[1:]
        if isinstance(value, bool):
            example = f"<code>/settings {name} {'off' if value else 'on'}</code>"
            template = FLAG_ON if value else FLAG_OFF
            lines.append(_(template).format(label=esc(label), example=example))
            continue
        shown = raw[key]
        if isinstance(shown, list):
            shown = ",".join(shown)
        example = f"<code>/settings {name} {esc(_example(key, value, str(shown)))}</code>"
        lines.append(
            _(OTHER).format(
                label=esc(label), value=esc(_value_words(key, value, language)), example=example
            )
        )
    return lines
