"""The follow-up keys of the export (actions, followups, ratings, subscribers) and their minutes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from bot.export.minutes import LABELS, Minutes
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
    action_statuses={
        "open": NC_("minutes: action status", "open"),
        "in_progress": NC_("minutes: action status", "in progress"),
        "done": NC_("minutes: action status", "done"),
        "overdue": NC_("minutes: action status", "overdue"),
        "dropped": NC_("minutes: action status", "dropped"),
    },
    subscribers_line=NC_("minutes", "Subscribers: {n}"),
)


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


def _ratings_minutes(ratings: list[dict[str, Any]], m: Minutes) -> list[str]:
    if not ratings:
        return []
    lines = [f"### {m.label('ratings_heading')}", ""]
    lines += [
        "- "
        + m.label(
            "rating_line", **{k: r[k] for k in ("round", "satisfied", "partly", "not_satisfied")}
        )
        for r in ratings
    ]
    return [*lines, ""]


def _subscribers_minutes(count: int, m: Minutes) -> list[str]:
    return [m.label("subscribers_line", n=count), ""] if count else []


# The per-topic keys this part adds to the record (registered by bot/export/__init__.py).
EXTENDERS = [
    TopicExtender("actions", _actions, list, _actions_minutes),
    TopicExtender("followups", _followups, list),
    TopicExtender("ratings", _ratings, list, _ratings_minutes),
    TopicExtender("subscribers", _subscribers, int, _subscribers_minutes),
]
