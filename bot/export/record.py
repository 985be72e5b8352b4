"""The export's JSON document ("shangliang.export/1", a public contract: keys may be added,
never renamed or removed), built from one read transaction; and its extension point, by which a
later feature adds a per-topic key (`TopicExtender`, `TOPIC_EXTENDERS`)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from bot.rules.phases import Choice, Stance
from storage import Tx
from storage import export as repo
from storage import links as link_repo
from storage.export import ExportChat, ExportHistory, ExportTopic, ExportView, ExportVote

if TYPE_CHECKING:
    from bot.export.minutes import Minutes

SCHEMA = "shangliang.export/1"
FORMATS = ("json", "csv", "md", "docx")
CHOICES = tuple(c.value for c in Choice)  # agree, abstain, disagree, block
STANCES = tuple(s.value for s in Stance)  # support, oppose, concern, suggestion


# ----- extension point -------------------------------------------------------------------------
@dataclass(frozen=True)
class TopicExtender:
    """One more key on every topic record, e.g. "actions", "followups", "ratings", "subscribers".

    `load(tx, chat_id, topics)` runs inside the export's read transaction (put its SQL in
    storage/) and returns {topic.row_id: JSON-ready value}; topics it leaves out get `empty()`.
    `markdown(value, minutes)`, if given, returns the lines of the topic's section in the
    minutes (use `minutes.label`, `minutes.who`, `minutes.when`, `minutes.text`); it is placed
    after the votes and before the record. Add the section's wording to `minutes.LABELS` as
    `NC_("minutes", "English")` and its Chinese to the zh catalog (scripts/catalogs.py).
    """

    key: str
    load: Callable[[Tx, int, Sequence[ExportTopic]], Awaitable[Mapping[int, Any]]]
    empty: Callable[[], Any] = list
    markdown: Callable[[Any, Minutes], list[str]] | None = None


TOPIC_EXTENDERS: list[TopicExtender] = []
# The moment the export is made, for an extender that judges time (an action overdue by then).
EXPORT_NOW: ContextVar[datetime | None] = ContextVar("EXPORT_NOW", default=None)

_CORE_TOPIC_KEYS = (
    "id",
    "title",
    "details",
    "status",
    "proposer_id",
    "created_at",
    "supporters",
    "views",
    "drafts",
    "votes",
    "history",
)


# ----- the document ----------------------------------------------------------------------------
@dataclass
class Export:
    document: dict[str, Any]
    # user id -> "Alice (5003)", for the minutes only; never for anonymous views' authors.
    names: dict[int, str] = field(default_factory=dict)
    # user id -> "Alice": names without ids, for the Word minutes a county office files.
    people: dict[int, str] = field(default_factory=dict)


async def build_export(
    tx: Tx, defaults: Mapping[str, Any], chat_id: int | None, now: datetime
) -> Export:
    names: dict[int, str] = {}
    people: dict[int, str] = {}
    chats = []
    EXPORT_NOW.set(now)
    for chat in await repo.chats(tx, chat_id):
        chats.append(await _chat_record(tx, chat, defaults))
        for user in (await repo.users(tx, chat.chat_id)).values():
            names[user.user_id] = _display_name(user.user_id, user.first_name, user.username)
            person = " ".join((user.first_name or "").split())
            if not person and user.username:
                person = f"@{user.username}"
            if person:
                people[user.user_id] = person
    document = {
        "schema": SCHEMA,
        "generated_at": now.astimezone(UTC).isoformat(timespec="seconds"),
        "chats": chats,
    }
    return Export(document, names, people)


def _display_name(user_id: int, first_name: str, username: str | None) -> str:
    name = " ".join((first_name or "").split())
    if not name and username:
        name = f"@{username}"
    return f"{name} ({user_id})" if name else str(user_id)


async def _chat_record(tx: Tx, chat: ExportChat, defaults: Mapping[str, Any]) -> dict[str, Any]:
    merged = {**defaults, **chat.settings}
    topics = await repo.topics(tx, chat.chat_id)
    supporters = await repo.supporters(tx, chat.chat_id)
    views = await repo.views(tx, chat.chat_id)
    drafts = await repo.drafts(tx, chat.chat_id)
    votes = await repo.votes(tx, chat.chat_id)
    history = await repo.history(tx, chat.chat_id)
    extra = {ext.key: await ext.load(tx, chat.chat_id, topics) for ext in TOPIC_EXTENDERS}
    records = []
    for topic in topics:
        record = _topic_record(
            topic,
            supporters.get(topic.row_id, []),
            views.get(topic.row_id, []),
            drafts.get(topic.row_id, []),
            votes.get(topic.row_id, []),
            history.get(topic.row_id, []),
        )
        for ext in TOPIC_EXTENDERS:
            if ext.key in record:
                raise RuntimeError(f"export extender {ext.key!r} would replace a key")
            values = extra[ext.key]
            record[ext.key] = values[topic.row_id] if topic.row_id in values else ext.empty()
        records.append(record)
    return {
        "chat_id": chat.chat_id,
        "title": chat.title,
        "language": merged.get("language"),
        "timezone": merged.get("timezone"),
        "settings": merged,
        "topics": records,
        # 两商衔接: the group's links (both ends, ended ones too) and its contact members.
        "links": await link_repo.export_links(tx, chat.chat_id),
        "contacts": await link_repo.export_contacts(tx, chat.chat_id),
    }


def _topic_record(
    topic: ExportTopic,
    supporters: list[int],
    views: list[ExportView],
    drafts: list[repo.ExportDraft],
    votes: list[ExportVote],
    history: list[ExportHistory],
) -> dict[str, Any]:
    return {
        "id": topic.number,
        "title": topic.title,
        "details": topic.details,
        "status": topic.status,
        "proposer_id": topic.proposer_id,
        "created_at": topic.created_at,
        "supporters": list(supporters),
        "views": [
            {
                "id": v.number,
                "author_id": None if v.anonymous else v.author_id,
                "stance": v.stance,
                "text": v.text,
                "created_at": v.created_at,
                "retracted": v.retracted,
                # A voice note (issue 11): its length in seconds and the link to the member's
                # message (null in a basic group); null for a view given as text.
                "voice": (
                    {"duration": v.voice_duration, "link": v.voice_link}
                    if v.voice_duration is not None
                    else None
                ),
            }
            for v in views
        ],
        "drafts": [
            {
                "id": d.number,
                "version": d.version,
                "parent_id": d.parent_no,
                "author_id": d.author_id,
                "text": d.text,
                "created_at": d.created_at,
            }
            for d in drafts
        ],
        "votes": [_vote_record(v) for v in votes],
        "history": _history_records(history, views, votes),
    }


def _vote_record(vote: ExportVote) -> dict[str, Any]:
    record: dict[str, Any] = {
        "draft_id": vote.draft_no,
        "opened_at": vote.opened_at,
        "closes_at": vote.closes_at,
        "closed_at": vote.closed_at,
        "eligible": vote.eligible,
        "quorum": vote.quorum,
        "threshold": vote.threshold,
        "blocks_allowed": vote.blocks_allowed,
        "tally": {c: vote.tally.get(c, 0) for c in CHOICES},
        # Sorted by user id (storage does it): the order of casting could hint at choices.
        "voters": sorted(vote.voters),
    }
    if not vote.secret and vote.ballots is not None:
        record["ballots"] = [
            {"user_id": b.user_id, "choice": b.choice, "reason": b.reason} for b in vote.ballots
        ]
    record["result"] = vote.result
    return record


VIEW_EVENTS = ("view", "view_edited", "view_retracted")


def _history_records(
    rows: list[ExportHistory], views: list[ExportView], votes: list[ExportVote]
) -> list[dict[str, Any]]:
    """The record: each row's "detail" as text (as it always read) and "data", its structure
    (the object the services wrote; null for a row from before details were structured).

    Two guards on top of what the services already write:
    - a row about an anonymous view never names its author;
    - under a secret ballot a "ballot" row loses its actor: "voters" says who voted, and a
      name with the time of casting could be matched against the live tally on the vote card.
    """
    anonymous = {v.number for v in views if v.anonymous}
    by_opening = sorted(votes, key=lambda v: v.opened_at)
    records = []
    for row in rows:
        data = row.detail if isinstance(row.detail, dict) else None
        text = detail_text(row.event, data) if data is not None else str(row.detail)
        actor = row.actor_id
        if row.event in VIEW_EVENTS and _about_anonymous_view(data, text, anonymous):
            actor = None
        if row.event == "ballot" and actor is not None:
            vote = _vote_at(by_opening, row.at)
            if vote is None or vote.secret:
                actor = None
        records.append(
            {"at": row.at, "actor_id": actor, "event": row.event, "detail": text, "data": data}
        )
    return records


def _about_anonymous_view(data: Mapping[str, Any] | None, text: str, anonymous: set[int]) -> bool:
    if data is not None:
        view = data.get("view")
        return data.get("anonymous") is True or (isinstance(view, int) and view in anonymous)
    # A row from before details were structured: "2 oppose anonymous", "2".
    head = text.split(" ", 1)[0]
    return text.endswith(" anonymous") or (head.isdigit() and int(head) in anonymous)


# ----- a history row's detail as text ----------------------------------------------------------
# The services write structured details (storage.topics.record); the export's "detail" keeps the
# text each event's detail has always had, for consumers that read it: "2 oppose anonymous",
# "1 -> 2", "agree=2 abstain=0 disagree=1 block=0". Its "data" is the structure itself.
def _view_text(d: Mapping[str, Any]) -> str:
    return f"{d['view']} {d['stance']}" + (" anonymous" if d.get("anonymous") else "")


def _tally_text(d: Mapping[str, Any]) -> str:
    return " ".join(f"{choice}={count}" for choice, count in d["tally"].items())


_DETAIL_TEXT: dict[str, Callable[[Mapping[str, Any]], str]] = {
    "proposed": lambda d: str(d["title"]),
    "accepted": lambda d: str(d["views_close"]),
    "declined": lambda d: str(d["reason"]),
    "escalated": lambda d: str(d["reason"]),
    "merged": lambda d: f"into #{d['into']}",
    "merged_in": lambda d: f"#{d['from']}: {d['views']} views",
    "new_round": lambda d: str(d["mode"]),
    "view": _view_text,
    "view_edited": lambda d: str(d["view"]),
    "topic_edited": lambda d: str(d["title"]),
    "draft_edited": lambda d: str(d["draft"]),
    "view_retracted": lambda d: str(d["view"]),
    "draft": lambda d: str(d["draft"]),
    "amended": lambda d: f"{d['parent']} -> {d['draft']}",
    "vote_opened": lambda d: f"draft {d['draft']}",
    "adopted": _tally_text,
    "not_adopted": _tally_text,
    "action_added": lambda d: f"A{d['action']} due {d['due']}",
    "progress": lambda d: f"A{d['action']} {d['percent']}%",
    "dropped": lambda d: f"A{d['action']} {d['percent']}%",
    "done": lambda d: "every action done",
    "reopened": lambda d: f"round {d['round']}",
    "form_set": lambda d: str(d["form"]),
    "meeting_called": lambda d: f"{d['at']} {d['place']}",
    "attendance": lambda d: str(d["count"]),
    "show_of_hands": _tally_text,
    "proxy_ballot": lambda d: str(d["name"]),
    "resolved": lambda d: str(d["outcome"]),
    "resolution_corrected": lambda d: str(d["outcome"]),
    "escalation_corrected": lambda d: f"{d['venue']} {d['reason']}",
    "meeting_minutes": lambda d: "photo" if d.get("photo") else "text",
}


def detail_text(event: str, data: Mapping[str, Any]) -> str:
    """A structured detail as the one line of text the export's "detail" carries."""
    if not data and event != "done":
        return ""
    try:
        return _DETAIL_TEXT[event](data)
    except (KeyError, TypeError, AttributeError):
        # An event this table does not know, or a detail without the keys it expects.
        return " ".join(f"{key}={value}" for key, value in data.items())


def _vote_at(votes_by_opening: list[ExportVote], at: str) -> ExportVote | None:
    """The vote a ballot cast at `at` belonged to: the last one opened by then."""
    found = None
    for vote in votes_by_opening:
        if vote.opened_at <= at:
            found = vote
    return found
