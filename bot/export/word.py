"""The minutes (协商纪要) as a Word document, the form a county office edits, prints and files:
rendered from the export's JSON document in the group's language, conclusion first, with
names and never a Telegram id."""

from __future__ import annotations

import io
from collections.abc import Mapping
from typing import Any

from docx import Document

from bot.durations import clock_length
from bot.export.minutes import LABELS, Minutes, _zone
from bot.export.record import CHOICES, STANCES, Export
from bot.i18n import NC_

LABELS.update(
    doc_title=NC_("minutes: document", "Minutes: topic #{id} {title}"),
    doc_form=NC_("minutes: document", "Form and place"),
    doc_form_text=NC_("minutes: document", "Online deliberation, in the group “{group}”"),
    doc_group=NC_("minutes: document", "this group"),
    doc_dates=NC_("minutes: document", "Dates"),
    doc_convenors=NC_("minutes: document", "Convenor"),
    doc_participants=NC_("minutes: document", "Participants"),
    doc_anonymous_too=NC_("minutes: document", "and members who gave views anonymously"),
    doc_expected=NC_("minutes: document", "Expected"),
    doc_present=NC_("minutes: document", "Took part"),
    doc_people=NC_("minutes: document", "{n} people"),
    doc_unknown=NC_("minutes: document", "not known"),
    doc_member=NC_("minutes: document", "a member"),
    doc_conclusion=NC_("minutes: document", "Conclusion"),
    doc_adopted=NC_("minutes: document", "Adopted wording (draft {id}):"),
    doc_outcome=NC_("minutes: document", "Outcome"),
    doc_views=NC_("minutes: document", "Views by stance"),
    doc_voice=NC_("minutes: document", "voice note {length}"),
    doc_wording=NC_("minutes: document", "The wording and its versions"),
    doc_draft=NC_("minutes: document", "Draft {id} ({author}, {time}{parent})"),
    doc_minority=NC_("minutes: document", "Minority views"),
    doc_minority_count=NC_("minutes: document", "Vote {n}: disagree {disagree}, block {block}"),
    doc_minority_secret=NC_("minutes: document", "Secret ballot: who chose what is not kept."),
    doc_reason=NC_("minutes: document", "{choice}: {reason}"),
    doc_followup=NC_("minutes: document", "Actions and follow-up"),
    doc_action=NC_("minutes: document", "A{id} {text}"),
    doc_action_owners=NC_("minutes: document", "Owners: {owners}; due {due}; {status}, {percent}%"),
    doc_comments=NC_("minutes: document", "Comments (unsigned)"),
    doc_escalation=NC_("minutes: document", "Escalation"),
    doc_escalated=NC_("minutes: document", "{time}: sent to mediation; reason: {reason}"),
    doc_recorder=NC_("minutes: document", "Recorded by: Shangliang bot"),
)

# The acts that are a convenor's: whoever did one convened the topic.
_CONVENOR_EVENTS = (
    "accepted",
    "vote_opened",
    "new_round",
    "escalated",
    "closed",
    "reopened",
    "declined",
    "merged",
)


class _Names(Minutes):
    """Names only: a Telegram id is no name, and never shows."""

    def __init__(self, chat: Mapping[str, Any], export: Export) -> None:
        super().__init__(str(chat.get("language")), _zone(chat.get("timezone")), export.people)

    def who(self, user_id: int | None) -> str:
        if user_id is None:
            return self.label("anonymous")
        return self.names.get(user_id) or self.label("doc_member")


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
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def participants(topic: Mapping[str, Any]) -> list[int]:
    """Who took part: proposer, seconders, named view givers, drafters, voters; in that order."""
    found: list[int] = []
    ids: list[Any] = [topic["proposer_id"], *topic["supporters"]]
    ids += [v["author_id"] for v in topic["views"]]
    ids += [d["author_id"] for d in topic["drafts"]]
    for vote in topic["votes"]:
        ids += vote["voters"]
    for user_id in ids:
        if isinstance(user_id, int) and user_id not in found:
            found.append(user_id)
    return found


def _line(doc: Any, m: Minutes, label: str, value: str) -> None:
    paragraph = doc.add_paragraph()
    paragraph.add_run(label + m.label("sep")).bold = True
    paragraph.add_run(value)


def _topic(doc: Any, chat: Mapping[str, Any], topic: Mapping[str, Any], m: _Names) -> None:
    lst = m.label("list_sep")
    history = topic["history"]
    doc.add_heading(m.label("doc_title", id=topic["id"], title=m.inline(topic["title"])), 0)
    group = m.inline(chat["title"]) if chat.get("title") else m.label("doc_group")
    _line(doc, m, m.label("doc_form"), m.label("doc_form_text", group=group))
    end = history[-1]["at"] if history else topic["created_at"]
    _line(
        doc,
        m,
        m.label("doc_dates"),
        m.label("vote_period", opened=m.when(topic["created_at"]), closes=m.when(end)),
    )
    convenors: list[int] = []
    for row in history:
        actor = row["actor_id"]
        if row["event"] in _CONVENOR_EVENTS and isinstance(actor, int) and actor not in convenors:
            convenors.append(actor)
    _line(
        doc, m, m.label("doc_convenors"), lst.join(m.who(c) for c in convenors) or m.label("none")
    )
    people = participants(topic)
    names = lst.join(m.who(p) for p in people) or m.label("none")
    if any(v["author_id"] is None and not v["retracted"] for v in topic["views"]):
        names += lst + m.label("doc_anonymous_too")
    _line(doc, m, m.label("doc_participants"), names)
    eligible = topic["votes"][-1]["eligible"] if topic["votes"] else None
    _line(
        doc,
        m,
        m.label("doc_expected"),
        m.label("doc_people", n=eligible) if eligible else m.label("doc_unknown"),
    )
    _line(doc, m, m.label("doc_present"), m.label("doc_people", n=len(people)))

    # The conclusion first.
    doc.add_heading(m.label("doc_conclusion"), 1)
    _line(doc, m, m.label("doc_outcome"), m.lookup("statuses", topic["status"]))
    drafts = {d["id"]: d for d in topic["drafts"]}
    adopted = [v for v in topic["votes"] if v["result"] == "adopted" and v["draft_id"] in drafts]
    if adopted:
        draft = drafts[adopted[-1]["draft_id"]]
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
    _minority(doc, topic, m)
    _followup(doc, topic, m)

    escalations = [row for row in history if row["event"] == "escalated"]
    if escalations:
        doc.add_heading(m.label("doc_escalation"), 1)
        for row in escalations:
            data = row.get("data") if isinstance(row.get("data"), Mapping) else {}
            reason = str(data.get("reason") or row["detail"] or "")
            doc.add_paragraph(
                m.label("doc_escalated", time=m.when(row["at"]), reason=m.inline(reason))
            )
    doc.add_paragraph()
    doc.add_paragraph(m.label("doc_recorder"))


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
    found = False
    for stance in ("oppose", "concern"):
        for view in topic["views"]:
            if view["stance"] == stance and not view["retracted"] and view["text"]:
                found = True
                text = " ".join(str(view["text"]).split())
                doc.add_paragraph(
                    f"{m.lookup('stances', stance)}{m.label('sep')}{m.who(view['author_id'])}"
                    f"{m.label('comma')}{text}",
                    style="List Bullet",
                )
    for n, vote in enumerate(topic["votes"], start=1):
        disagree, block = vote["tally"].get("disagree", 0), vote["tally"].get("block", 0)
        if not disagree and not block:
            continue
        found = True
        doc.add_paragraph(m.label("doc_minority_count", n=n, disagree=disagree, block=block))
        if "ballots" not in vote:
            doc.add_paragraph(m.label("doc_minority_secret"))
            continue
        for ballot in vote["ballots"]:
            if ballot["choice"] in ("disagree", "block") and ballot["reason"]:
                reason = m.label(
                    "doc_reason",
                    choice=m.lookup("choices", ballot["choice"]),
                    reason=" ".join(str(ballot["reason"]).split()),
                )
                doc.add_paragraph(
                    f"{m.who(ballot['user_id'])}{m.label('sep')}{reason}", style="List Bullet"
                )
    if not found:
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
            keys = ("round", "satisfied", "partly", "not_satisfied")
            doc.add_paragraph(
                m.label("rating_line", **{k: rating[k] for k in keys}), style="List Bullet"
            )
    if comments:
        doc.add_heading(m.label("doc_comments"), 2)
        for comment in comments:
            doc.add_paragraph(" ".join(str(comment).split()), style="List Bullet")
