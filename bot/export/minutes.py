"""The export as minutes (协商纪要) in Markdown, rendered from the JSON document in the chat's
language; user text is kept from turning into Markdown structure."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.durations import clock_length
from bot.export.record import CHOICES, STANCES, TOPIC_EXTENDERS, VIEW_EVENTS, Export
from bot.i18n import DEFAULT_LANGUAGE, LANGUAGES, NC_, translations
from bot.phase_words import phase_word
from bot.times import zone_name

# The minutes' wording, as English msgids translated through the gettext catalogs
# (bot/locales; the Chinese is in the zh catalog). Every label has a msgctxt beginning
# "minutes": the minutes are a document to print and file, and the same English may read
# differently in Chinese by use ("declined" a status, "declined" an event).
# Keys name a label for `Minutes.label`; a nested dict is a table for `Minutes.lookup`.
LABELS: dict[str, Any] = {
    "minutes": NC_("minutes", "Minutes: {title}"),
    "untitled": NC_("minutes", "Group {chat_id}"),
    "generated": NC_("minutes", "Exported {time} (all times {zone})"),
    "chat_id": NC_("minutes", "Group id: {chat_id}"),
    "no_topics": NC_("minutes", "No topics yet."),
    "topic": NC_("minutes", "Topic #{id}: {title}"),
    "status": NC_("minutes", "Status"),
    "proposer": NC_("minutes", "Proposed by"),
    "proposed_at": NC_("minutes", "Proposed on"),
    "supporters": NC_("minutes", "Seconded by"),
    "details": NC_("minutes", "Details"),
    # TRANSLATORS: between a label and its value ("Status: adopted").
    "sep": NC_("minutes", ": "),
    # TRANSLATORS: between the items of a list ("agree 2, abstain 0").
    "list_sep": NC_("minutes: list separator", ", "),
    # TRANSLATORS: between the parts of one item ("Alice, 2026-03-02 10:00").
    "comma": NC_("minutes", ", "),
    "count": NC_("minutes", "{what} ({n})"),
    "views": NC_("minutes", "Views"),
    "views_summary": NC_("minutes", "{n} in all"),
    "retracted": NC_("minutes", "{n} more views were retracted."),
    "none": NC_("minutes", "None."),
    "anonymous": NC_("minutes", "anonymous"),
    "drafts": NC_("minutes", "Consensus drafts"),
    "draft": NC_("minutes", "Draft {id} (version {version}{parent}; {author}; {time})"),
    "draft_parent": NC_("minutes", ", amending draft {parent}"),
    "votes": NC_("minutes", "Votes"),
    "vote": NC_("minutes", "Vote {n}: draft {draft}"),
    "vote_time": NC_("minutes", "Time"),
    "vote_period": NC_("minutes", "{opened} to {closes}"),
    "vote_closed": NC_("minutes", ", closed {closed}"),
    "rule": NC_("minutes", "Rule"),
    "rule_text": NC_(
        "minutes",
        "{eligible} eligible, at least {quorum} must vote; agree must reach {threshold} "
        "of the ballots taking a side (abstentions not counted); {blocks} blocks allowed",
    ),
    "tally": NC_("minutes", "Tally"),
    "result": NC_("minutes", "Result"),
    "secret": NC_("minutes", "Secret ballot: who voted is recorded, not what anyone chose."),
    "voters": NC_("minutes", "Voted"),
    "ballots": NC_("minutes", "Ballots"),
    "reason": NC_("minutes", "reason"),
    "adopted_text": NC_("minutes", "Adopted text"),
    "history": NC_("minutes", "Record"),
    "nobody": NC_("minutes", "system"),
    # The details of the record's rows, in words.
    "detail_view": NC_("minutes", "view {n} ({stance})"),
    "detail_view_anonymous": NC_("minutes", "view {n} ({stance}, anonymous)"),
    "detail_view_no": NC_("minutes", "view {n}"),
    "detail_view_voice": NC_("minutes", "view {n} ({stance}, voice note {length})"),
    "detail_view_edited": NC_("minutes", "view {n}: “{old}” → “{new}”"),
    "detail_view_restanced": NC_("minutes", "view {n}: {old_stance} → {stance}; “{old}” → “{new}”"),
    "detail_draft_edited": NC_("minutes", "draft {n}: “{old}” → “{new}”"),
    "detail_title": NC_("minutes", "title “{old}” → “{new}”"),
    "detail_details": NC_("minutes", "details “{old}” → “{new}”"),
    # A view given as a voice note: the bot cannot transcribe it, so the minutes say what it is.
    "voice_note": NC_("minutes", "🎤 voice note, {length} (not transcribed)"),
    "voice_link": NC_("minutes", "listen: {link}"),
    "voice_no_link": NC_("minutes", "no link: a basic group's messages have none"),
    "detail_draft": NC_("minutes", "draft {n}"),
    "detail_amended": NC_("minutes", "draft {a} → draft {b}"),
    "detail_merged": NC_("minutes", "topic #{n}"),
    "detail_merged_in": NC_("minutes", "topic #{n} ({views} views)"),
    "rounds": {
        "views": NC_("minutes: round", "views again"),
        "drafts": NC_("minutes: round", "drafting again"),
    },
    "results": {
        "adopted": NC_("minutes: vote result", "adopted"),
        "not_adopted": NC_("minutes: vote result", "not adopted"),
        None: NC_("minutes: vote result", "vote in progress"),
    },
    "stances": {
        "support": NC_("minutes: stance", "Support"),
        "oppose": NC_("minutes: stance", "Oppose"),
        "concern": NC_("minutes: stance", "Concern"),
        "suggestion": NC_("minutes: stance", "Suggestion"),
    },
    "choices": {
        "agree": NC_("minutes: choice", "agree"),
        "abstain": NC_("minutes: choice", "abstain"),
        "disagree": NC_("minutes: choice", "disagree"),
        "block": NC_("minutes: choice", "block"),
    },
    "events": {
        "proposed": NC_("minutes: event", "proposed the topic"),
        "supported": NC_("minutes: event", "seconded"),
        "accepted": NC_("minutes: event", "accepted; views close"),
        "declined": NC_("minutes: event", "declined"),
        "withdrawn": NC_("minutes: event", "withdrew the topic"),
        "closed": NC_("minutes: event", "closed the topic"),
        "merged": NC_("minutes: event", "merged"),
        "merged_in": NC_("minutes: event", "merged in"),
        "new_round": NC_("minutes: event", "started a new round"),
        "view": NC_("minutes: event", "gave a view"),
        "view_edited": NC_("minutes: event", "edited a view"),
        "topic_edited": NC_("minutes: event", "edited the topic"),
        "draft_edited": NC_("minutes: event", "edited a draft"),
        "view_retracted": NC_("minutes: event", "retracted a view"),
        "draft": NC_("minutes: event", "drafted"),
        "amended": NC_("minutes: event", "amended a draft"),
        "vote_opened": NC_("minutes: event", "opened a vote"),
        "ballot": NC_("minutes: event", "voted"),
        "adopted": NC_("minutes: event", "vote carried"),
        "not_adopted": NC_("minutes: event", "vote not carried"),
        "action_added": NC_("minutes: event", "added an action item"),
        "progress": NC_("minutes: event", "reported progress"),
        "done": NC_("minutes: event", "every action done"),
        "reopened": NC_("minutes: event", "reopened"),
        "extended": NC_("minutes: event", "extended the deadline to"),
    },
}

# The outline the minutes share with the Word document (bot/export/word.py): the head (form and
# place, dates, convenor, participants), the conclusion, minority views, escalation, the recorder.
LABELS.update(
    doc_form=NC_("minutes: document", "Form and place"),
    doc_form_text=NC_("minutes: document", "Online deliberation, in the group “{group}”"),
    doc_form_offline=NC_("minutes: document", "{form}; online in the group “{group}”"),
    doc_form_meeting=NC_(
        "minutes: document", "{form}, at {place}, {time}; online in the group “{group}”"
    ),
    forms={
        "online": NC_("minutes: form", "Online deliberation"),
        "roundtable": NC_("minutes: form", "Roundtable talk"),
        "under_tree": NC_("minutes: form", "Chat under the tree"),
        "open_door": NC_("minutes: form", "Open-door consultation"),
    },
    doc_group=NC_("minutes: document", "this group"),
    doc_dates=NC_("minutes: document", "Dates"),
    doc_convenors=NC_("minutes: document", "Convenor"),
    doc_participants=NC_("minutes: document", "Participants"),
    doc_anonymous_too=NC_("minutes: document", "and members who gave views anonymously"),
    doc_expected=NC_("minutes: document", "Expected"),
    doc_present=NC_("minutes: document", "Took part"),
    doc_people=NC_("minutes: document", "{n} people"),
    doc_present_both=NC_(
        "minutes: document", "online {online} people, at the meeting {meeting} people"
    ),
    doc_unknown=NC_("minutes: document", "not known"),
    doc_member=NC_("minutes: document", "a member"),
    doc_conclusion=NC_("minutes: document", "Conclusion"),
    doc_adopted=NC_("minutes: document", "Adopted wording (draft {id}):"),
    doc_outcome=NC_("minutes: document", "Outcome"),
    doc_minority=NC_("minutes: document", "Minority views"),
    doc_minority_count=NC_("minutes: document", "Vote {n}: disagree {disagree}, block {block}"),
    doc_minority_secret=NC_("minutes: document", "Secret ballot: who chose what is not kept."),
    doc_reason=NC_("minutes: document", "{choice}: {reason}"),
    doc_escalation=NC_("minutes: document", "Escalation"),
    doc_escalated=NC_("minutes: document", "{time}: sent to mediation; reason: {reason}"),
    doc_recorder=NC_("minutes: document", "Recorded by: Shangliang bot"),
    # English the record's rows used to carry, in words ("A1 due 2026-03-31", "round 3").
    detail_action=NC_("minutes", "A{n}, due {due}"),
    detail_progress=NC_("minutes", "A{n}: {percent}%"),
    detail_round=NC_("minutes", "round {n}"),
)
LABELS["events"].update(
    escalated=NC_("minutes: event", "sent to mediation"),
    dropped=NC_("minutes: event", "dropped an action item"),
    # Issue 13: the form, offline meetings, votes counted in person, the law as the backstop.
    form_set=NC_("minutes: event", "set the form"),
    meeting_called=NC_("minutes: event", "called a meeting"),
    attendance=NC_("minutes: event", "recorded attendance"),
    meeting_minutes=NC_("minutes: event", "recorded meeting minutes"),
    show_of_hands=NC_("minutes: event", "recorded a show of hands at the meeting"),
    proxy_ballot=NC_("minutes: event", "entered a ballot by proxy"),
    resolved=NC_("minutes: event", "recorded how it was settled"),
    escalation_corrected=NC_("minutes: event", "corrected where it went"),
    resolution_corrected=NC_("minutes: event", "corrected how it was settled"),
)
LABELS.update(
    doc_escalated_to=NC_("minutes: document", "{time}: sent to {venue}; reason: {reason}"),
    doc_resolved=NC_("minutes: document", "{time}: settled: {outcome}"),
    doc_corrected=NC_("minutes: document", "{time}: corrected; before: {before}"),
    venues={
        "mediation": NC_("minutes: venue", "civil mediation"),
        "court": NC_("minutes: venue", "the shared court"),
    },
    detail_people=NC_("minutes", "{n} people"),
    detail_for=NC_("minutes", "for {name}: {choice}"),
    detail_for_secret=NC_("minutes", "for {name}"),
    detail_meeting=NC_("minutes", "{time}, {place}"),
    detail_corrected=NC_("minutes", "{now} (before: {before})"),
    detail_minutes=NC_("minutes", "text"),
    detail_minutes_photo=NC_("minutes", "photo"),
)

# The acts that are a convenor's: whoever did one convened the topic.
CONVENOR_EVENTS = (
    "accepted",
    "vote_opened",
    "new_round",
    "escalated",
    "closed",
    "reopened",
    "declined",
    "merged",
)


def participants(topic: Mapping[str, Any]) -> list[int]:
    """Who took part: proposer, seconders, named view givers, drafters, voters; in that order.
    The author of an anonymous view is not known to the record, and is not counted."""
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


def convenors(topic: Mapping[str, Any]) -> list[int]:
    found: list[int] = []
    for row in topic["history"]:
        actor = row["actor_id"]
        if row["event"] in CONVENOR_EVENTS and isinstance(actor, int) and actor not in found:
            found.append(actor)
    return found


def head(chat: Mapping[str, Any], topic: Mapping[str, Any], m: Minutes) -> list[tuple[str, str]]:
    """The minutes' first lines, (label, value): form and place, dates, convenor, participants,
    expected (the members at the last vote) and present (who took part)."""
    lst = m.label("list_sep")
    group = m.inline(chat["title"]) if chat.get("title") else m.label("doc_group")
    history = topic["history"]
    end = history[-1]["at"] if history else topic["created_at"]
    people = participants(topic)
    names = lst.join(m.who(p) for p in people) or m.label("none")
    if any(v["author_id"] is None and not v["retracted"] for v in topic["views"]):
        names += m.label("comma") + m.label("doc_anonymous_too")
    eligible = topic["votes"][-1]["eligible"] if topic["votes"] else None
    return [
        (m.label("doc_form"), form_and_place(topic, m, group)),
        (
            m.label("doc_dates"),
            m.label("vote_period", opened=m.when(topic["created_at"]), closes=m.when(end)),
        ),
        (
            m.label("doc_convenors"),
            lst.join(m.who(c) for c in convenors(topic)) or m.label("none"),
        ),
        (m.label("doc_participants"), names),
        (
            m.label("doc_expected"),
            m.label("doc_people", n=eligible) if eligible else m.label("doc_unknown"),
        ),
        (m.label("doc_present"), present(topic, len(people), m)),
    ]


def present(topic: Mapping[str, Any], online: int, m: Minutes) -> str:
    """Who took part: `online` people in the group; where an offline meeting recorded its
    attendance (/attendance), both are shown, the meeting's as the largest attendance recorded
    (the same people may be in both, so they are not added up)."""
    counts = [
        x["attendance"]
        for x in topic.get("meetings") or ()
        if isinstance(x, Mapping) and isinstance(x.get("attendance"), int)
    ]
    if not counts:
        return m.label("doc_people", n=online)
    return m.label("doc_present_both", online=online, meeting=max(counts))


def form_and_place(topic: Mapping[str, Any], m: Minutes, group: str) -> str:
    """The form the convenor chose (online unless set: bot/services/forms.py) and where it took
    place: the group, and for an offline form the place and time of its last meeting."""
    form = str(topic.get("form") or "online")
    if form == "online" or form not in LABELS["forms"]:
        return m.label("doc_form_text", group=group)
    held = [x for x in topic.get("meetings") or () if isinstance(x, Mapping)]
    if held:
        return m.label(
            "doc_form_meeting",
            form=m.lookup("forms", form),
            place=m.inline(str(held[-1].get("place") or "")),
            time=m.when(held[-1].get("starts_at")),
            group=group,
        )
    return m.label("doc_form_offline", form=m.lookup("forms", form), group=group)


def adopted_draft(topic: Mapping[str, Any]) -> Mapping[str, Any] | None:
    drafts = {d["id"]: d for d in topic["drafts"]}
    adopted = [v for v in topic["votes"] if v["result"] == "adopted" and v["draft_id"] in drafts]
    return drafts[adopted[-1]["draft_id"]] if adopted else None


def minority(topic: Mapping[str, Any], m: Minutes) -> list[tuple[str, bool]]:
    """The minority views as (line, is_item): oppose and concern views, then each vote's
    disagree and block ballots with their reasons (no names, no reasons under secret ballot)."""
    sep, comma = m.label("sep"), m.label("comma")
    lines: list[tuple[str, bool]] = []
    for stance in ("oppose", "concern"):
        for view in topic["views"]:
            if view["stance"] == stance and not view["retracted"] and view["text"]:
                text = " ".join(str(view["text"]).split())
                who = m.who(view["author_id"])
                lines.append((f"{m.lookup('stances', stance)}{sep}{who}{comma}{text}", True))
    for n, vote in enumerate(topic["votes"], start=1):
        disagree, block = vote["tally"].get("disagree", 0), vote["tally"].get("block", 0)
        if not disagree and not block:
            continue
        lines.append((m.label("doc_minority_count", n=n, disagree=disagree, block=block), False))
        if "ballots" not in vote:
            lines.append((m.label("doc_minority_secret"), False))
            continue
        for ballot in vote["ballots"]:
            if ballot["choice"] in ("disagree", "block") and ballot["reason"]:
                reason = m.label(
                    "doc_reason",
                    choice=m.lookup("choices", ballot["choice"]),
                    reason=" ".join(str(ballot["reason"]).split()),
                )
                lines.append((f"{m.who(ballot['user_id'])}{sep}{reason}", True))
    return lines


def escalations(topic: Mapping[str, Any], m: Minutes) -> list[str]:
    """Where the matter went (civil mediation, the shared court), why, and how it was settled:
    from the record's "escalations" (issue 13), else from the history of an older record."""
    rows = [e for e in topic.get("escalations") or () if isinstance(e, Mapping)]
    if rows:
        found = []
        for e in rows:
            found.append(
                m.label(
                    "doc_escalated_to",
                    time=m.when(e.get("escalated_at")),
                    venue=m.lookup("venues", e.get("venue")),
                    reason=m.inline(str(e.get("reason") or "")),
                )
            )
            if e.get("outcome"):
                found.append(
                    m.label(
                        "doc_resolved",
                        time=m.when(e.get("resolved_at")),
                        outcome=m.inline(str(e["outcome"])),
                    )
                )
        found.extend(_corrections(topic, m))
        return found
    found = []
    for row in topic["history"]:
        if row["event"] == "escalated":
            data = row.get("data") if isinstance(row.get("data"), Mapping) else {}
            reason = str(data.get("reason") or row["detail"] or "")
            found.append(m.label("doc_escalated", time=m.when(row["at"]), reason=m.inline(reason)))
    return found


def _corrections(topic: Mapping[str, Any], m: Minutes) -> list[str]:
    """The lines above show where the matter went and how it was settled as last recorded;
    each correction (a second /escalate or /resolve) is noted with what it was before."""
    found = []
    for row in topic.get("history") or ():
        data = row.get("data") if isinstance(row.get("data"), Mapping) else {}
        if row.get("event") == "escalation_corrected":
            before = str(data.get("old_reason") or "")
            if data.get("old_venue") in LABELS["venues"]:
                before = m.lookup("venues", data["old_venue"]) + m.label("sep") + before
        elif row.get("event") == "resolution_corrected":
            before = str(data.get("old_outcome") or "")
        else:
            continue
        found.append(m.label("doc_corrected", time=m.when(row.get("at")), before=m.inline(before)))
    return found


# A line of user text starting with one of these would turn into a heading, quote, list,
# rule, table or code block: a backslash in front keeps it text.
_BLOCK_START = re.compile(r"^([#>*+=_|~`-]|\d+[.)])")


class Minutes:
    """What a section renderer needs: labels in the chat's language, names, local times."""

    def __init__(self, language: str, zone: tzinfo, names: Mapping[int, str]) -> None:
        self.language = language if language in LANGUAGES else DEFAULT_LANGUAGE
        self._pgettext = translations(self.language).pgettext
        self._gettext = translations(self.language).gettext
        self.zone = zone
        self.names = names

    def label(self, key: str, **values: Any) -> str:
        text = self._pgettext(*LABELS[key])
        return text.format(**values) if values else text

    def lookup(self, table: str, key: Any) -> str:
        """`key`'s entry in the table LABELS[table], translated; `key` itself if it has none.
        "statuses" is the one table of phase words (bot/phase_words.py), as on the cards."""
        if table == "statuses":
            return self._gettext(phase_word(str(key)))
        marked = LABELS[table].get(key)
        return self._pgettext(*marked) if marked is not None else str(key)

    def who(self, user_id: int | None) -> str:
        """A member by name (a Telegram id is no name, and never shows)."""
        if user_id is None:
            return self.label("anonymous")
        return self.names.get(user_id) or self.label("doc_member")

    def when(self, stamp: str | None) -> str:
        if not stamp:
            return ""
        try:
            moment = datetime.fromisoformat(stamp)
        except ValueError:
            return stamp
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return moment.astimezone(self.zone).strftime("%Y-%m-%d %H:%M")

    @staticmethod
    def inline(text: str) -> str:
        """User text on one line (a heading, a list item): whitespace runs become one space."""
        flat = " ".join(str(text).split())
        if _BLOCK_START.match(flat):
            flat = _escape_start(flat)
        # A heading's closing #s would be dropped: keep a trailing # visible.
        return flat[:-1] + "\\#" if flat.endswith("#") else flat

    @staticmethod
    def text(text: str, prefix: str = "") -> list[str]:
        """User text as lines under `prefix` ("> " for a quote, "  " inside a list item)."""
        lines = []
        for raw in str(text).splitlines() or [""]:
            line = raw.strip()
            if _BLOCK_START.match(line):
                line = _escape_start(line)
            lines.append((prefix + line).rstrip())
        return lines


def _escape_start(line: str) -> str:
    number = re.match(r"^(\d+)([.)])", line)
    if number:
        return number.group(1) + "\\" + line[number.end(1) :]
    return "\\" + line


def _zone(name: Any) -> tzinfo:
    try:
        return ZoneInfo(str(name))
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


def render_markdown(export: Export) -> str:
    document = export.document
    out: list[str] = []
    for chat in document["chats"]:
        m = Minutes(str(chat.get("language")), _zone(chat.get("timezone")), export.people)
        if out:
            out.append("")
        title = chat["title"] or m.label("doc_group")
        out += [f"# {m.label('minutes', title=m.inline(title))}", ""]
        out += [
            m.label(
                "generated",
                time=m.when(document["generated_at"]),
                zone=zone_name(str(chat["timezone"]), m.language),
            ),
            "",
        ]
        if not chat["topics"]:
            out += [m.label("no_topics"), ""]
        for topic in chat["topics"]:
            out += _topic_minutes(topic, m, chat)
        out += [m.label("doc_recorder")]
    return "\n".join(out).rstrip("\n") + "\n"


def _topic_minutes(
    topic: Mapping[str, Any], m: Minutes, chat: Mapping[str, Any] | None = None
) -> list[str]:
    sep = m.label("sep")
    out = [f"## {m.label('topic', id=topic['id'], title=m.inline(topic['title']))}", ""]
    out += [f"- {label}{sep}{value}" for label, value in head(chat or {}, topic, m)]
    out += [
        f"- {m.label('status')}{sep}{m.lookup('statuses', topic['status'])}",
        f"- {m.label('proposer')}{sep}{m.who(topic['proposer_id'])}",
        f"- {m.label('proposed_at')}{sep}{m.when(topic['created_at'])}",
        f"- {m.label('supporters')}{sep}{len(topic['supporters'])}",
        "",
    ]
    # The conclusion first.
    out += [f"### {m.label('doc_conclusion')}", ""]
    out += [f"- {m.label('doc_outcome')}{sep}{m.lookup('statuses', topic['status'])}", ""]
    draft = adopted_draft(topic)
    if draft is not None:
        out += [m.label("doc_adopted", id=draft["id"]), "", *m.text(draft["text"], "> "), ""]
    if topic["details"].strip():
        out += [f"### {m.label('details')}", "", *m.text(topic["details"]), ""]
    out += _views_minutes(topic["views"], m)
    out += _drafts_minutes(topic["drafts"], m)
    out += _votes_minutes(topic, m)
    out += [f"### {m.label('doc_minority')}", ""]
    lines = minority(topic, m)
    out += [f"- {m.inline(line)}" if item else f"{m.inline(line)}  " for line, item in lines]
    out += [m.label("none")] if not lines else []
    out.append("")
    for ext in TOPIC_EXTENDERS:
        if ext.markdown is not None and ext.key in topic:
            out += ext.markdown(topic[ext.key], m)
    escalated = escalations(topic, m)
    if escalated:
        out += [f"### {m.label('doc_escalation')}", "", *(f"- {e}" for e in escalated), ""]
    out += [f"### {m.label('history')}", ""]
    for row in topic["history"]:
        if row["actor_id"] is not None:
            actor = m.who(row["actor_id"])
        elif row["event"] in (*VIEW_EVENTS, "ballot"):
            actor = m.label("anonymous")
        else:
            actor = m.label("nobody")
        event = m.lookup("events", row["event"])
        detail = _history_detail(row, m)
        line = f"- {m.when(row['at'])} · {actor} · {event}"
        out.append(f"{line} · {detail}" if detail else line)
    if not topic["history"]:
        out.append(m.label("none"))
    out.append("")
    return out


def _history_detail(row: Mapping[str, Any], m: Minutes) -> str:
    """A row's detail in words, read from its structure ("data"); a detail with no words here,
    or a row from before details were structured (no "data"), as its text, kept text."""
    data = row.get("data")
    if isinstance(data, Mapping):
        words = _detail_words(row["event"], data, m)
        if words is not None:
            return words
    return m.inline(row["detail"]) if row["detail"] else ""


# A feature's own events' details in words (bot/export/links.py, …): event -> (data, minutes) ->
# the words, or None for the row's kept text.
DETAIL_WORDS: dict[str, Callable[[Mapping[str, Any], Minutes], str | None]] = {}


def _detail_words(event: str, data: Mapping[str, Any], m: Minutes) -> str | None:
    hook = DETAIL_WORDS.get(event)
    if hook is not None:
        return hook(data, m)

    def number(key: str) -> int | None:
        value = data.get(key)
        return value if isinstance(value, int) and not isinstance(value, bool) else None

    def text(key: str) -> str | None:
        value = data.get(key)
        return m.inline(value) if isinstance(value, str) else None

    if event == "view" and number("view") is not None and data.get("stance") in STANCES:
        stance = m.lookup("stances", data["stance"])
        if number("voice") is not None and data.get("anonymous") is not True:
            length = clock_length(number("voice"))
            return m.label("detail_view_voice", n=number("view"), stance=stance, length=length)
        key = "detail_view_anonymous" if data.get("anonymous") is True else "detail_view"
        return m.label(key, n=number("view"), stance=stance)
    if event == "view_edited" and number("view") is not None and text("new") is not None:
        old, new = text("old") or "", text("new")
        if data.get("stance") in STANCES and data.get("old_stance") in STANCES:
            return m.label(
                "detail_view_restanced",
                n=number("view"),
                old_stance=m.lookup("stances", data["old_stance"]),
                stance=m.lookup("stances", data["stance"]),
                old=old,
                new=new,
            )
        return m.label("detail_view_edited", n=number("view"), old=old, new=new)
    if event == "draft_edited" and number("draft") is not None and text("new") is not None:
        return m.label(
            "detail_draft_edited", n=number("draft"), old=text("old") or "", new=text("new")
        )
    if event == "topic_edited" and text("title") is not None:
        parts = []
        if text("old_title") != text("title"):
            parts.append(m.label("detail_title", old=text("old_title") or "", new=text("title")))
        if text("old_details") != text("details"):
            parts.append(
                m.label("detail_details", old=text("old_details") or "", new=text("details") or "")
            )
        return m.label("list_sep").join(parts)
    if event in ("view_edited", "view_retracted") and number("view") is not None:
        return m.label("detail_view_no", n=number("view"))
    if event in ("draft", "vote_opened") and number("draft") is not None:
        return m.label("detail_draft", n=number("draft"))
    if event == "amended" and number("parent") is not None and number("draft") is not None:
        return m.label("detail_amended", a=number("parent"), b=number("draft"))
    if event == "extended" and isinstance(data.get("to"), str):
        return m.inline(m.when(data["to"]))
    if event == "accepted" and isinstance(data.get("views_close"), str):
        return m.inline(m.when(data["views_close"]))
    if event == "merged" and number("into") is not None:
        return m.label("detail_merged", n=number("into"))
    if event == "merged_in" and number("from") is not None and number("views") is not None:
        return m.label("detail_merged_in", n=number("from"), views=number("views"))
    if event in ("action_added", "dropped") and number("action") is not None:
        if event == "action_added" and isinstance(data.get("due"), str):
            return m.label("detail_action", n=number("action"), due=m.inline(data["due"]))
        if number("percent") is not None:
            return m.label("detail_progress", n=number("action"), percent=number("percent"))
    if event == "progress" and number("action") is not None and number("percent") is not None:
        return m.label("detail_progress", n=number("action"), percent=number("percent"))
    if event == "reopened" and number("round") is not None:
        return m.label("detail_round", n=number("round"))
    if event == "escalated" and text("reason") is not None:
        if data.get("venue") in LABELS["venues"]:
            return m.lookup("venues", data["venue"]) + m.label("sep") + text("reason")
        return text("reason")
    if event == "escalation_corrected" and text("reason") is not None:
        venues = LABELS["venues"]
        now = text("reason") or ""
        before = text("old_reason") or ""
        if data.get("venue") in venues:
            now = m.lookup("venues", data["venue"]) + m.label("sep") + now
        if data.get("old_venue") in venues:
            before = m.lookup("venues", data["old_venue"]) + m.label("sep") + before
        return m.label("detail_corrected", now=now, before=before)
    if event == "resolution_corrected" and text("outcome") is not None:
        return m.label("detail_corrected", now=text("outcome"), before=text("old_outcome") or "")
    if event == "meeting_minutes" and "photo" in data:
        return m.label("detail_minutes_photo" if data.get("photo") else "detail_minutes")
    if event == "form_set" and data.get("form") in LABELS["forms"]:
        return m.lookup("forms", data["form"])
    if event == "meeting_called" and isinstance(data.get("at"), str) and text("place"):
        return m.label("detail_meeting", time=m.when(data["at"]), place=text("place"))
    if event == "attendance" and number("count") is not None:
        return m.label("detail_people", n=number("count"))
    if event == "proxy_ballot" and text("name") is not None:
        if data.get("choice") in CHOICES:
            return m.label(
                "detail_for", name=text("name"), choice=m.lookup("choices", data["choice"])
            )
        return m.label("detail_for_secret", name=text("name"))
    if event == "resolved" and text("outcome") is not None:
        return text("outcome")
    tally = data.get("tally")
    if event == "show_of_hands" and isinstance(tally, Mapping):
        return m.label("list_sep").join(
            f"{m.lookup('choices', c)} {tally[c]}" for c in CHOICES if isinstance(tally.get(c), int)
        )
    if event == "new_round" and data.get("mode") in LABELS["rounds"]:
        return m.lookup("rounds", data["mode"])
    tally = data.get("tally")
    if event in ("adopted", "not_adopted") and isinstance(tally, Mapping):
        return m.label("list_sep").join(
            f"{m.lookup('choices', c)} {tally[c]}" for c in CHOICES if isinstance(tally.get(c), int)
        )
    return None


def _views_minutes(views: list[Mapping[str, Any]], m: Minutes) -> list[str]:
    sep = m.label("sep")
    current = [v for v in views if not v["retracted"]]
    groups: dict[str, list[Mapping[str, Any]]] = {s: [] for s in STANCES}
    for view in current:
        groups.setdefault(view["stance"], []).append(view)
    summary = m.label("list_sep").join(
        f"{m.lookup('stances', stance)} {len(items)}" for stance, items in groups.items()
    )
    out = [
        f"### {m.label('views')}",
        "",
        f"{m.label('views_summary', n=len(current))}{sep}{summary}",
        "",
    ]
    for stance, items in groups.items():
        if not items:
            continue
        heading = m.label("count", what=m.lookup("stances", stance), n=len(items))
        out += [f"#### {heading}", ""]
        for view in items:
            who = m.who(view["author_id"])  # None (anonymous) reads as 匿名 / anonymous
            lines = m.text(view["text"]) if view["text"] or not view.get("voice") else []
            if view.get("voice"):
                lines = [_voice_note(view["voice"], m), *lines]
            first, *rest = lines
            when = m.when(view["created_at"])
            out.append(f"- [{view['id']}] {who}{m.label('comma')}{when}{sep}{first}")
            out += [f"  {line}".rstrip() for line in rest]
        out.append("")
    retracted = len(views) - len(current)
    if retracted:
        out += [m.label("retracted", n=retracted), ""]
    return out


def _voice_note(voice: Mapping[str, Any], m: Minutes) -> str:
    """A voice view in the minutes: that it is a voice note, its length, where to hear it."""
    note = m.label("voice_note", length=clock_length(voice.get("duration") or 0))
    link = voice.get("link")
    where = m.label("voice_link", link=link) if link else m.label("voice_no_link")
    return f"{note}{m.label('comma')}{where}"


def _drafts_minutes(drafts: list[Mapping[str, Any]], m: Minutes) -> list[str]:
    out = [f"### {m.label('drafts')}", ""]
    if not drafts:
        return [*out, m.label("none"), ""]
    for draft in drafts:
        parent = (
            m.label("draft_parent", parent=draft["parent_id"])
            if draft["parent_id"] is not None
            else ""
        )
        heading = m.label(
            "draft",
            id=draft["id"],
            version=draft["version"],
            parent=parent,
            author=m.who(draft["author_id"]),
            time=m.when(draft["created_at"]),
        )
        out += [f"#### {heading}", "", *m.text(draft["text"], "> "), ""]
    return out


def _votes_minutes(topic: Mapping[str, Any], m: Minutes) -> list[str]:
    sep = m.label("sep")
    out = [f"### {m.label('votes')}", ""]
    if not topic["votes"]:
        return [*out, m.label("none"), ""]
    drafts = {d["id"]: d for d in topic["drafts"]}
    for n, vote in enumerate(topic["votes"], start=1):
        period = m.label(
            "vote_period", opened=m.when(vote["opened_at"]), closes=m.when(vote["closes_at"])
        )
        if vote["closed_at"]:
            period += m.label("vote_closed", closed=m.when(vote["closed_at"]))
        rule = m.label(
            "rule_text",
            eligible=vote["eligible"],
            quorum=vote["quorum"],
            threshold=vote["threshold"],
            blocks=vote["blocks_allowed"],
        )
        tally = m.label("list_sep").join(
            f"{m.lookup('choices', c)} {vote['tally'].get(c, 0)}" for c in CHOICES
        )
        voters = m.label("list_sep").join(m.who(u) for u in vote["voters"])
        out += [
            f"#### {m.label('vote', n=n, draft=vote['draft_id'])}",
            "",
            f"- {m.label('vote_time')}{sep}{period}",
            f"- {m.label('rule')}{sep}{rule}",
            f"- {m.label('tally')}{sep}{tally}",
            f"- {m.label('result')}{sep}{m.lookup('results', vote['result'])}",
            f"- {m.label('count', what=m.label('voters'), n=len(vote['voters']))}{sep}"
            + (voters or m.label("none")),
        ]
        if "ballots" in vote:
            out.append(f"- {m.label('ballots')}{sep}")
            for ballot in vote["ballots"]:
                line = f"  - {m.who(ballot['user_id'])}{sep}{m.lookup('choices', ballot['choice'])}"
                if ballot["reason"]:
                    reason = f"{m.label('reason')}{sep}{m.inline(ballot['reason'])}"
                    line += f"{m.label('comma')}{reason}"
                out.append(line)
        else:
            out.append(f"- {m.label('secret')}")
        out.append("")
        draft = drafts.get(vote["draft_id"])
        if vote["result"] == "adopted" and draft is not None:
            out += [f"{m.label('adopted_text')}{sep}", "", *m.text(draft["text"], "> "), ""]
    return out
