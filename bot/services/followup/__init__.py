"""Tracking and feedback (跟踪反馈改进), by concern: actions, ratings, subscriptions, the
follow-up schedule (delivery) and reopening. Callers import from here."""

from __future__ import annotations

from bot.services.followup.actions import (
    DONE_WORDS,
    DUE_TEXT,
    Progress,
    ProgressReport,
    ReportKind,
    add_action,
    check_can_report,
    find_owners,
    list_actions,
    open_actions_of,
    read_progress_answer,
    read_report,
    report,
)
from bot.services.followup.delivery import (
    card_posted,
    living_card,
    notice_posted,
    round_card,
    schedule_followups,
    take_job,
)
from bot.services.followup.digest import Digest, reachable, take_digest
from bot.services.followup.owners import OwnerReminder, own_open_actions, take_reminder
from bot.services.followup.ratings import comment, rate
from bot.services.followup.reopening import check_can_reopen, reopen
from bot.services.followup.shared import FOLLOWING, Card, Notice
from bot.services.followup.subscriptions import (
    mark_private_ok,
    mark_undeliverable,
    subscribe,
    subscribers_of,
    subscriptions,
)

__all__ = [
    "Card",
    "DONE_WORDS",
    "DUE_TEXT",
    "Digest",
    "FOLLOWING",
    "OwnerReminder",
    "Progress",
    "ProgressReport",
    "Notice",
    "ReportKind",
    "add_action",
    "card_posted",
    "check_can_reopen",
    "check_can_report",
    "comment",
    "find_owners",
    "list_actions",
    "living_card",
    "mark_private_ok",
    "mark_undeliverable",
    "notice_posted",
    "open_actions_of",
    "own_open_actions",
    "rate",
    "reachable",
    "read_progress_answer",
    "read_report",
    "reopen",
    "report",
    "round_card",
    "schedule_followups",
    "subscribe",
    "subscribers_of",
    "subscriptions",
    "take_digest",
    "take_job",
    "take_reminder",
]
