"""The keys issue 13 adds to each topic of the export: "form" (how it was talked over),
"meetings" (offline meetings with RSVP, attendance, minutes and the show of hands taken there),
"proxy_ballots" (ballots a convenor entered for members without a phone) and "escalations"
(where the matter went, and how it was settled); and their sections in the minutes, Markdown
and Word alike."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from bot.export.minutes import LABELS, Minutes
from bot.export.record import CHOICES, TopicExtender
from bot.i18n import NC_
from storage import escalations as escalation_repo
from storage import forms as form_repo
from storage import hands as hands_repo
from storage import meetings as meeting_repo
from storage.db import Tx
from storage.export import ExportTopic

LABELS.update(
    meetings_heading=NC_("minutes", "Offline meetings"),
    meeting_line=NC_("minutes", "{form}: {time}, {place}; called by {who}"),
    meeting_rsvp=NC_("minutes", "Said they will come: {n} ({names}); cannot come: {no}"),
    meeting_attendance=NC_("minutes", "Came: {n} people (recorded by {who})"),
    meeting_note=NC_("minutes", "Minutes ({who}, {time}): {text}"),
    meeting_photo=NC_("minutes", "Photo ({who}, {time}), kept as a Telegram file"),
    meeting_tally=NC_(
        "minutes", "Show of hands on draft {draft}, recorded by {who} at the meeting: {tally}"
    ),
    proxies_heading=NC_("minutes", "Ballots entered by proxy"),
    proxy_line=NC_("minutes", "{name}: {choice} (entered by {who}, {time}, draft {draft})"),
    proxy_secret=NC_("minutes", "secret"),
)


async def _forms(tx: Tx, chat_id: int, topics: Sequence[ExportTopic]) -> dict[int, Any]:
    return await form_repo.forms_of(tx, [t.row_id for t in topics])


async def _meetings(tx: Tx, chat_id: int, topics: Sequence[ExportTopic]) -> dict[int, Any]:
    found = await meeting_repo.for_export(tx, chat_id)
    in_person = await hands_repo.for_export(tx, chat_id)
    for topic_id, meetings in found.items():
        hands = in_person.get(topic_id, {}).get("hands", [])
        for meeting in meetings:
            meeting_id = meeting.pop("id")
            meeting["tallies"] = [
                {k: v for k, v in h.items() if k != "meeting_id"}
                for h in hands
                if h.get("meeting_id") == meeting_id
            ]
    return found


async def _proxies(tx: Tx, chat_id: int, topics: Sequence[ExportTopic]) -> dict[int, Any]:
    in_person = await hands_repo.for_export(tx, chat_id)
    return {t: v["proxies"] for t, v in in_person.items() if v["proxies"]}


async def _escalations(tx: Tx, chat_id: int, topics: Sequence[ExportTopic]) -> dict[int, Any]:
    return await escalation_repo.for_export(tx, chat_id)


def meeting_lines(meetings: list[Mapping[str, Any]], m: Minutes) -> list[tuple[str, int]]:
    """The meetings as (line, depth): depth 0 a meeting, 1 what belongs to it."""
    lst = m.label("list_sep")
    out: list[tuple[str, int]] = []
    for meeting in meetings:
        form = meeting.get("form") or "online"
        shown_form = m.lookup("forms", form) if form != "online" else m.label("meetings_heading")
        out.append(
            (
                m.label(
                    "meeting_line",
                    form=shown_form,
                    time=m.when(meeting.get("starts_at")),
                    place=m.inline(str(meeting.get("place") or "")),
                    who=m.who(meeting.get("called_by")),
                ),
                0,
            )
        )
        rsvp = meeting.get("rsvp") or {}
        yes, no = rsvp.get("yes") or [], rsvp.get("no") or []
        out.append(
            (
                m.label(
                    "meeting_rsvp",
                    n=len(yes),
                    names=lst.join(m.who(u) for u in yes) or m.label("none"),
                    no=len(no),
                ),
                1,
            )
        )
        if meeting.get("attendance") is not None:
            out.append(
                (
                    m.label(
                        "meeting_attendance",
                        n=meeting["attendance"],
                        who=m.who(meeting.get("attendance_by")),
                    ),
                    1,
                )
            )
        for note in meeting.get("minutes") or ():
            who, time = m.who(note.get("author_id")), m.when(note.get("at"))
            if note.get("text"):
                out.append(
                    (m.label("meeting_note", who=who, time=time, text=m.inline(note["text"])), 1)
                )
            if note.get("photo_file_id"):
                out.append((m.label("meeting_photo", who=who, time=time), 1))
        for tally in meeting.get("tallies") or ():
            counts = lst.join(
                f"{m.lookup('choices', c)} {tally['tally'].get(c, 0)}" for c in CHOICES
            )
            out.append(
                (
                    m.label(
                        "meeting_tally",
                        draft=tally.get("draft_id"),
                        who=m.who(tally.get("recorded_by")),
                        tally=counts,
                    ),
                    1,
                )
            )
    return out


def proxy_lines(proxies: list[Mapping[str, Any]], m: Minutes) -> list[str]:
    return [
        m.label(
            "proxy_line",
            name=m.inline(str(p.get("name") or "")),
            choice=m.lookup("choices", p["choice"]) if p.get("choice") else m.label("proxy_secret"),
            who=m.who(p.get("entered_by")),
            time=m.when(p.get("at")),
            draft=p.get("draft_id"),
        )
        for p in proxies
    ]


def _meetings_markdown(meetings: list[Mapping[str, Any]], m: Minutes) -> list[str]:
    if not meetings:
        return []
    lines = [f"{'  ' * depth}- {line}" for line, depth in meeting_lines(meetings, m)]
    return [f"### {m.label('meetings_heading')}", "", *lines, ""]


def _proxies_markdown(proxies: list[Mapping[str, Any]], m: Minutes) -> list[str]:
    if not proxies:
        return []
    return [
        f"### {m.label('proxies_heading')}",
        "",
        *(f"- {p}" for p in proxy_lines(proxies, m)),
        "",
    ]


def docx_sections(doc: Any, topic: Mapping[str, Any], m: Minutes) -> None:
    """The meetings and proxy ballots in the Word minutes (bot/export/word.py)."""
    meetings = topic.get("meetings") or []
    if meetings:
        doc.add_heading(m.label("meetings_heading"), 1)
        for line, depth in meeting_lines(meetings, m):
            doc.add_paragraph(line, style="List Bullet" if depth == 0 else "List Bullet 2")
    proxies = topic.get("proxy_ballots") or []
    if proxies:
        doc.add_heading(m.label("proxies_heading"), 1)
        for line in proxy_lines(proxies, m):
            doc.add_paragraph(line, style="List Bullet")


EXTENDERS = [
    TopicExtender("form", _forms, lambda: "online"),
    TopicExtender("meetings", _meetings, list, _meetings_markdown),
    TopicExtender("proxy_ballots", _proxies, list, _proxies_markdown),
    TopicExtender("escalations", _escalations, list),
]
