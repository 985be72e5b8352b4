"""The follow-up keys of the export (actions, followups, ratings, comments, subscribers) and
their minutes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from bot.export.minutes import DETAIL_WORDS, LABELS, Minutes
from bot.export.record import EXPORT_NOW, TopicExtender
from bot.i18n import NC_
from bot.rules.followup import display_status
from storage import export_followup as repo
from storage.db import Tx
from storage.export import ExportTopic

LABELS.update(
    actions_heading=NC_("minutes", "Action items"),
    action_line=NC_("minutes", "A{id}: {text} (owners: {owners}; due {due}; {status})"),
    progress_line=NC_("minutes", "{time} · {who} · {percent}%{note}"),
    ratings_heading=NC_("minutes", "Satisfaction"),
    rating_line=NC_(
        "minutes",
        "Round {round}: satisfied {satisfied}, partly {partly}, not satisfied {not_satisfied}",
    ),
    rating_none=NC_("minutes", "Round {round}: nobody rated"),
    # Follows a round's result directly (English puts a space before it, Chinese does not).
    rating_final=NC_("minutes", " (after every action was done)"),
    comments_heading=NC_("minutes", "Comments (unsigned)"),
    comment_line=NC_("minutes", "Round {round}, {rating}: {text}"),
    ratings={
        "satisfied": NC_("minutes: rating", "satisfied"),
        "partly": NC_("minutes: rating", "partly satisfied"),
        "not_satisfied": NC_("minutes: rating", "not satisfied"),
    },
    action_statuses={
        "open": NC_("minutes: action status", "open"),
        "in_progress": NC_("minutes: action status", "in progress"),
        "done": NC_("minutes: action status", "done"),
        "overdue": NC_("minutes: action status", "overdue"),
        "dropped": NC_("minutes: action status", "dropped"),
    },
    subscribers_line=NC_("minutes", "Subscribers: {n}"),
)


# "every action done" is the event's own label: its row needs no detail in the minutes.
DETAIL_WORDS["done"] = lambda d, m: ""


async def _actions(tx: Tx, chat_id: int, topics: Sequence[ExportTopic]) -> dict[int, Any]:
    now = EXPORT_NOW.get() or datetime.now(UTC)
    found = await repo.actions(tx, chat_id)
    for items in found.values():
        for item in items:
            due_at = datetime.fromisoformat(item.pop("due_at"))
            item["status"] = display_status(item["status"], due_at, now)
    return found


async def _followups(tx: Tx, chat_id: int, topics: Sequence[ExportTopic]) -> dict[int, Any]:
    return await repo.followups(tx, chat_id)


async def _ratings(tx: Tx, chat_id: int, topics: Sequence[ExportTopic]) -> dict[int, Any]:
    return await repo.ratings(tx, chat_id)


async def _comments(tx: Tx, chat_id: int, topics: Sequence[ExportTopic]) -> dict[int, Any]:
    return await repo.comments(tx, chat_id)


async def _subscribers(tx: Tx, chat_id: int, topics: Sequence[ExportTopic]) -> dict[int, Any]:
    return await repo.subscriber_counts(tx, chat_id)


def _actions_minutes(actions: list[dict[str, Any]], m: Minutes) -> list[str]:
    if not actions:
        return []
    sep = m.label("list_sep")
    out = [f"### {m.label('actions_heading')}", ""]
    for action in actions:
        owners = sep.join(m.who(o) for o in action["owner_ids"]) or m.label("none")
        out.append(
            "- "
            + m.label(
                "action_line",
                id=action["id"],
                text=m.inline(action["text"]),
                owners=owners,
                due=action["due"],
                status=m.lookup("action_statuses", action["status"]),
            )
        )
        for report in action["progress"]:
            note = f" · {m.inline(report['note'])}" if report["note"] else ""
            out.append(
                "  - "
                + m.label(
                    "progress_line",
                    time=m.when(report["at"]),
                    who=m.who(report["by"]),
                    percent=report["percent"],
                    note=note,
                )
            )
    return [*out, ""]


def rating_text(rating: dict[str, Any], m: Minutes) -> str:
    """One round's result in the minutes: its counts, or that nobody rated; the final round
    (every action done) says so."""
    keys = ("satisfied", "partly", "not_satisfied")
    if not any(rating[k] for k in keys):
        text = m.label("rating_none", round=rating["round"])
    else:
        text = m.label("rating_line", round=rating["round"], **{k: rating[k] for k in keys})
    if rating.get("kind") == "final":
        text += m.label("rating_final")
    return text


def comment_text(comment: dict[str, Any], m: Minutes) -> str:
    """A private comment in the minutes, unsigned: its round, the rating it came with, the text
    on one line."""
    return m.label(
        "comment_line",
        round=comment["round"],
        rating=m.lookup("ratings", comment["rating"]),
        text=m.inline(comment["text"]),
    )


def _ratings_minutes(ratings: list[dict[str, Any]], m: Minutes) -> list[str]:
    if not ratings:
        return []
    lines = [f"### {m.label('ratings_heading')}", ""]
    lines += ["- " + rating_text(r, m) for r in ratings]
    return [*lines, ""]


def _comments_minutes(comments: list[dict[str, Any]], m: Minutes) -> list[str]:
    if not comments:
        return []
    lines = [f"### {m.label('comments_heading')}", ""]
    lines += ["- " + comment_text(c, m) for c in comments]
    return [*lines, ""]


def _subscribers_minutes(count: int, m: Minutes) -> list[str]:
    return [m.label("subscribers_line", n=count), ""] if count else []


# The per-topic keys this part adds to the record (registered by bot/export/__init__.py).
EXTENDERS = [
    TopicExtender("actions", _actions, list, _actions_minutes),
    TopicExtender("followups", _followups, list),
    TopicExtender("ratings", _ratings, list, _ratings_minutes),
    TopicExtender("comments", _comments, list, _comments_minutes),
    TopicExtender("subscribers", _subscribers, int, _subscribers_minutes),
]
