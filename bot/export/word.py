"""The minutes (协商纪要) as a Word document, the form a county office edits, prints and files:
rendered from the export's JSON document in the group's language, conclusion first, with
names and never a Telegram id."""

from __future__ import annotations

import io
from collections.abc import Mapping
from typing import Any

from docx import Document
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm

from bot.durations import clock_length
from bot.export.followup import comment_text, rating_text
from bot.export.links import document_outline
from bot.export.meetings import docx_sections
from bot.export.minutes import (
    LABELS,
    Minutes,
    _zone,
    adopted_draft,
    escalations,
    head,
    minority,
)
from bot.export.record import CHOICES, STANCES, Export
from bot.i18n import NC_

LABELS.update(
    doc_title=NC_("minutes: document", "Minutes: topic #{id} {title}"),
    doc_views=NC_("minutes: document", "Views by stance"),
    doc_voice=NC_("minutes: document", "voice note {length}"),
    doc_wording=NC_("minutes: document", "The wording and its versions"),
    doc_draft=NC_("minutes: document", "Draft {id} ({author}, {time}{parent})"),
    doc_followup=NC_("minutes: document", "Actions and follow-up"),
    doc_action=NC_("minutes: document", "A{id} {text}"),
    doc_action_owners=NC_("minutes: document", "Owners: {owners}; due {due}; {status}, {percent}%"),
    doc_comments=NC_("minutes: document", "Comments (unsigned)"),
)


class _Names(Minutes):
    """Names only: a Telegram id is no name, and never shows."""

    def __init__(self, chat: Mapping[str, Any], export: Export) -> None:
        super().__init__(str(chat.get("language")), _zone(chat.get("timezone")), export.people)

    def who(self, user_id: int | None) -> str:
        if user_id is None:
            return self.label("anonymous")
        return self.names.get(user_id) or self.label("doc_member")


# A county office prints on A4 (python-docx's template is US Letter): 210 x 297 mm, 25 mm margins.
A4 = (Mm(210), Mm(297))
MARGIN = Mm(25)
# Who wrote the file, as Word's File > Info shows it (not "python-docx").
AUTHOR = {"zh": "商量机器人", "en": "Shangliang"}
# The document's language as Word reads it (spelling, fonts for Chinese text).
DOC_LANGUAGE = {"zh": "zh-CN", "en": "en-GB"}


def _page_and_properties(doc: Any, export: Export, topic_number: int | None) -> None:
    """A4 pages; author, last editor, title and language in the core properties; the styles'
    language (w:lang, with w:eastAsia for Chinese) so Word checks the text as the group's."""
    chats = export.document["chats"]
    chat = chats[0] if chats else {}
    language = "zh" if str(chat.get("language")) == "zh" else "en"
    m = _Names(chat, export)
    for section in doc.sections:
        section.page_width, section.page_height = A4
        section.left_margin = section.right_margin = MARGIN
        section.top_margin = section.bottom_margin = MARGIN
    title = m.label("minutes", title=str(chat.get("title") or ""))
    if topic_number is not None:
        for topic in chat.get("topics", []):
            if topic["id"] == topic_number:
                title = m.label("doc_title", id=topic_number, title=topic.get("title", ""))
    props = doc.core_properties
    props.author = props.last_modified_by = AUTHOR[language]
    props.title = title
    props.language = DOC_LANGUAGE[language]
    props.comments = ""
    tag = DOC_LANGUAGE[language]
    for style in (doc.styles["Normal"],):
        rpr = style.element.get_or_add_rPr()
        lang = rpr.find(qn("w:lang"))
        if lang is None:
            lang = OxmlElement("w:lang")
            rpr.append(lang)
        lang.set(qn("w:val"), tag)
        if language == "zh":
            lang.set(qn("w:eastAsia"), tag)


def render_docx(export: Export, topic_number: int | None = None) -> bytes:
    """The minutes of every topic (or of topic `topic_number` only) as a .docx file's bytes."""
    doc = Document()
    first = True
    for chat in export.document["chats"]:
        m = _Names(chat, export)
        for topic in chat["topics"]:
            if topic_number is not None and topic["id"] != topic_number:
                continue
            if not first:
                doc.add_page_break()
            first = False
            _topic(doc, chat, topic, m)
    if first:
        doc.add_paragraph("—")
    _page_and_properties(doc, export, topic_number)
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def _line(doc: Any, m: Minutes, label: str, value: str) -> None:
    paragraph = doc.add_paragraph()
    paragraph.add_run(label + m.label("sep")).bold = True
    paragraph.add_run(value)


def _topic(doc: Any, chat: Mapping[str, Any], topic: Mapping[str, Any], m: _Names) -> None:
    doc.add_heading(m.label("doc_title", id=topic["id"], title=m.inline(topic["title"])), 0)
    for label, value in head(chat, topic, m):
        _line(doc, m, label, value)

    # The conclusion first.
    doc.add_heading(m.label("doc_conclusion"), 1)
    _line(doc, m, m.label("doc_outcome"), m.lookup("statuses", topic["status"]))
    draft = adopted_draft(topic)
    if draft is not None:
        doc.add_paragraph(m.label("doc_adopted", id=draft["id"]))
        doc.add_paragraph(draft["text"], style="Intense Quote")

    _views(doc, topic, m)

    doc.add_heading(m.label("doc_wording"), 1)
    for draft in topic["drafts"]:
        parent = (
            m.label("draft_parent", parent=draft["parent_id"])
            if draft["parent_id"] is not None
            else ""
        )
        doc.add_paragraph(
            m.label(
                "doc_draft",
                id=draft["id"],
                author=m.who(draft["author_id"]),
                time=m.when(draft["created_at"]),
                parent=parent,
            ),
            style="List Bullet",
        )
        doc.add_paragraph(draft["text"], style="Quote")
    if not topic["drafts"]:
        doc.add_paragraph(m.label("none"))

    _votes(doc, topic, m)
    docx_sections(doc, topic, m)  # offline meetings and proxy ballots (issue 13)
    _minority(doc, topic, m)
    _followup(doc, topic, m)
    _outline(doc, document_outline(topic, m))

    escalated = escalations(topic, m)
    if escalated:
        doc.add_heading(m.label("doc_escalation"), 1)
        for line in escalated:
            doc.add_paragraph(line)
    doc.add_paragraph()
    doc.add_paragraph(m.label("doc_recorder"))


def _outline(doc: Any, outline: list[tuple[int, str]]) -> None:
    """Sections another part gives as (level, text): 0 a heading, 1 an item, 2 an item in it."""
    for level, text in outline:
        if level == 0:
            doc.add_heading(text, 1)
        else:
            doc.add_paragraph(text, style="List Bullet" if level == 1 else "List Bullet 2")


def _views(doc: Any, topic: Mapping[str, Any], m: Minutes) -> None:
    doc.add_heading(m.label("doc_views"), 1)
    current = [v for v in topic["views"] if not v["retracted"]]
    if not current:
        doc.add_paragraph(m.label("none"))
    for stance in STANCES:
        items = [v for v in current if v["stance"] == stance]
        if not items:
            continue
        doc.add_heading(m.label("count", what=m.lookup("stances", stance), n=len(items)), 2)
        for view in items:
            parts = []
            if view.get("voice"):
                length = clock_length(view["voice"].get("duration") or 0)
                parts.append(m.label("doc_voice", length=length))
            if view["text"]:
                parts.append(" ".join(str(view["text"]).split()))
            doc.add_paragraph(
                f"{m.who(view['author_id'])}{m.label('sep')}{m.label('comma').join(parts)}",
                style="List Bullet",
            )


def _votes(doc: Any, topic: Mapping[str, Any], m: Minutes) -> None:
    lst = m.label("list_sep")
    doc.add_heading(m.label("votes"), 1)
    if not topic["votes"]:
        doc.add_paragraph(m.label("none"))
    for n, vote in enumerate(topic["votes"], start=1):
        doc.add_heading(m.label("vote", n=n, draft=vote["draft_id"]), 2)
        period = m.label(
            "vote_period", opened=m.when(vote["opened_at"]), closes=m.when(vote["closes_at"])
        )
        rule = m.label(
            "rule_text",
            eligible=vote["eligible"],
            quorum=vote["quorum"],
            threshold=vote["threshold"],
            blocks=vote["blocks_allowed"],
        )
        tally = lst.join(f"{m.lookup('choices', c)} {vote['tally'].get(c, 0)}" for c in CHOICES)
        _line(doc, m, m.label("vote_time"), period)
        _line(doc, m, m.label("rule"), rule)
        _line(doc, m, m.label("tally"), tally)
        _line(doc, m, m.label("result"), m.lookup("results", vote["result"]))
        if "ballots" not in vote:
            doc.add_paragraph(m.label("secret"))


def _minority(doc: Any, topic: Mapping[str, Any], m: Minutes) -> None:
    doc.add_heading(m.label("doc_minority"), 1)
    lines = minority(topic, m)
    for line, item in lines:
        doc.add_paragraph(line, style="List Bullet" if item else None)
    if not lines:
        doc.add_paragraph(m.label("none"))


def _followup(doc: Any, topic: Mapping[str, Any], m: Minutes) -> None:
    actions = topic.get("actions") or []
    ratings = topic.get("ratings") or []
    comments = topic.get("comments") or []
    if not actions and not ratings and not comments:
        return
    lst = m.label("list_sep")
    doc.add_heading(m.label("doc_followup"), 1)
    for action in actions:
        doc.add_paragraph(
            m.label("doc_action", id=action["id"], text=" ".join(str(action["text"]).split())),
            style="List Bullet",
        )
        percent = action["progress"][-1]["percent"] if action["progress"] else 0
        owners = lst.join(m.who(o) for o in action["owner_ids"]) or m.label("none")
        doc.add_paragraph(
            m.label(
                "doc_action_owners",
                owners=owners,
                due=action["due"],
                status=m.lookup("action_statuses", action["status"]),
                percent=percent,
            )
        )
        for report in action["progress"]:
            note = f" · {' '.join(str(report['note']).split())}" if report["note"] else ""
            doc.add_paragraph(
                m.label(
                    "progress_line",
                    time=m.when(report["at"]),
                    who=m.who(report["by"]),
                    percent=report["percent"],
                    note=note,
                ),
                style="List Bullet 2",
            )
    if ratings:
        doc.add_heading(m.label("ratings_heading"), 2)
        for rating in ratings:
            doc.add_paragraph(rating_text(rating, m), style="List Bullet")
    if comments:
        # Unsigned: the round, the rating it came with, the text; never who wrote it.
        doc.add_heading(m.label("doc_comments"), 2)
        for comment in comments:
            doc.add_paragraph(comment_text(comment, m), style="List Bullet")
