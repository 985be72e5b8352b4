"""What the group sees of an offline meeting: its card (when, where, who will come, and after it
the record), in the group's language."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from bot import callbacks, times
from bot.buttons import Button, Keyboard, keyboard
from bot.group_settings import GroupSettings
from bot.i18n import N_
from bot.services.meetings import MeetingState, meeting_form
from bot.setting_words import duration_words
from bot.text import fill

Translate = Callable[[str], str]


def meeting_card(
    _: Translate,
    state: MeetingState,
    convenor: str,
    settings: GroupSettings,
    now: datetime,
) -> tuple[str, Keyboard | None]:
    """The meeting card: form, topic, time, place, convenor, the answers so far; once it has
    begun, what the convenor records and what is recorded (attendance, minutes). Buttons to
    answer until it begins."""
    t = lambda msgid, **kw: fill(_(msgid), kw, _)  # noqa: E731
    meeting, topic = state.meeting, state.topic
    form = _(meeting_form(meeting.form))
    if settings.language != "zh":
        form = form[:1].upper() + form[1:]  # it opens the card's title
    lines = [
        t(
            N_("<b>📅 {form} on topic #{number}: {title}</b>"),
            form=form,
            number=topic.number,
            title=topic.title,
        ),
        t(
            N_("Time: {when}"),
            when=times.moment_text(meeting.starts_at, settings.timezone, settings.language, now),
        ),
        t(N_("Place: {place}"), place=meeting.place),
        t(N_("Convenor: {name}"), name=convenor),
        t(N_("✅ Coming: {yes} · ❌ Cannot come: {no}"), yes=state.yes, no=state.no),
    ]
    begun = now >= meeting.starts_at
    if not begun:
        lines.append(
            t(
                N_(
                    "Tell us with the buttons whether you will come; I remind the group and those coming {before} before."
                ),
                before=duration_words(settings.meeting_reminder, settings.language),
            )
        )
    if meeting.attendance is not None:
        lines.append(t(N_("Came: {count}"), count=meeting.attendance))
    if state.notes:
        photos = sum(1 for n in state.notes if n.photo_file_id)
        lines.append(
            t(N_("Minutes: {count} parts, {photos} photos"), count=len(state.notes), photos=photos)
        )
    if begun:
        lines.append(
            t(
                N_(
                    "Convenor, after the meeting: reply to this card with the minutes (text or photos); /attendance {number} count records how many came."
                ),
                number=topic.number,
            )
        )
        if state.vote_open and not state.vote_secret:
            lines.append(
                t(
                    N_(
                        "A show of hands ends the vote: /tally {number} agree abstain disagree block, e.g. /tally {number} 12 1 2 0."
                    ),
                    number=topic.number,
                )
            )
        return "\n".join(lines), None
    markup = keyboard(
        [
            [
                Button(
                    t(N_("✅ Coming ({count})"), count=state.yes),
                    data=callbacks.rsvp(topic.number, meeting.id, True),
                ),
                Button(
                    t(N_("❌ Cannot come ({count})"), count=state.no),
                    data=callbacks.rsvp(topic.number, meeting.id, False),
                ),
            ]
        ]
    )
    return "\n".join(lines), markup
