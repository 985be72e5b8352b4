"""The notice board: one message per group, pinned where the bot may pin, listing the topics
still alive (proposed, deliberating, voting, adopted or not, following up) with their phase in
words and the deadline of the phase. It is edited in place as topics move (handlers/board.py),
so it shows no "time left" (that would go stale on a pinned message) and nothing that changes
without a topic changing."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from bot import cards
from bot.group_settings import GroupSettings
from bot.i18n import N_
from bot.rules.phases import Status
from bot.text import clip, esc, fill, fit_items
from storage.topics import TopicRow

Translate = Callable[[str], str]

# The order the board lists phases in: what asks something of the members first.
ORDER = (
    Status.VOTING,
    Status.DELIBERATING,
    Status.PROPOSED,
    Status.NOT_ADOPTED,
    Status.ADOPTED,
    Status.FOLLOWING_UP,
)
TITLE_ROOM = 80  # characters of a title on the board


def board_text(_: Translate, topics: list[TopicRow], settings: GroupSettings, now: datetime) -> str:
    """The board's HTML for these topics (those of ORDER's phases are shown; the others are
    left out), within one Telegram message: what does not fit is counted on a last line."""
    t = lambda msgid, **kw: fill(_(msgid), kw, _)  # noqa: E731
    header = _("<b>📌 Notice board: topics of this group</b>")
    footer = _("Each topic's card: /topic N. I keep this message up to date.")
    shown = [topic for topic in topics if topic.status in ORDER]
    if not shown:
        return "\n".join([header, _("No open topics. Propose one with /propose."), footer])
    items: list[str] = []
    for status in ORDER:
        group = sorted((x for x in shown if x.status == status), key=lambda x: x.number)
        if group:
            items.append(f"\n<b>{esc(cards.status_text(_, status))}</b>")
            items.extend(topic_line(_, topic, settings, now) for topic in group)
    kept, left_out = fit_items([header, footer, "…"], items)
    lines = [header, *kept]
    if left_out:
        lines.append(t(N_("… and {count} more lines: /topics lists them all."), count=left_out))
    lines += ["", footer]
    return "\n".join(lines)


def topic_line(_: Translate, topic: TopicRow, settings: GroupSettings, now: datetime) -> str:
    """One topic on the board: its number and title, and the deadline of its phase if any."""
    t = lambda msgid, **kw: fill(_(msgid), kw, _)  # noqa: E731
    title = clip(topic.title, TITLE_ROOM)
    deadline = topic.phase_deadline
    if topic.status == Status.DELIBERATING and deadline is not None and deadline > now:
        when = cards.at(deadline, settings, now)
        return t(
            N_("#{number} {title}: views close {when}"), number=topic.number, title=title, when=when
        )
    if topic.status == Status.DELIBERATING:
        return t(
            N_("#{number} {title}: views closed, wording being drafted"),
            number=topic.number,
            title=title,
        )
    if topic.status == Status.VOTING and deadline is not None:
        when = cards.at(deadline, settings, now)
        return t(
            N_("#{number} {title}: vote closes {when}"), number=topic.number, title=title, when=when
        )
    return t(N_("#{number} {title}"), number=topic.number, title=title)
