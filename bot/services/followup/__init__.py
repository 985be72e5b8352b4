"""Tracking and feedback (跟踪反馈改进), by concern: actions, ratings, subscriptions, the
follow-up schedule (delivery) and reopening. Callers import from here."""

from __future__ import annotations

from bot.services.followup.actions import (
    DUE_TEXT,
    Progress,
    add_action,
    check_can_report,
    list_actions,
    parse_action_number,
    report,
)
from bot.services.followup.delivery import card_posted, schedule_followups, take_job
from bot.services.followup.ratings import comment, rate, round_state
from bot.services.followup.reopening import check_can_reopen, reopen
from bot.services.followup.shared import FOLLOWING, Card
from bot.services.followup.subscriptions import (
    mark_private_ok,
    mark_undeliverable,
    subscribe,
    subscribers_of,
    subscriptions,
)

__all__ = [
    "Card",
    "DUE_TEXT",
    "FOLLOWING",
    "Progress",
    "add_action",
    "card_posted",
    "check_can_reopen",
    "check_can_report",
    "comment",
    "list_actions",
    "mark_private_ok",
    "mark_undeliverable",
    "parse_action_number",
    "rate",
    "reopen",
    "report",
    "round_state",
    "schedule_followups",
    "subscribe",
    "subscribers_of",
    "subscriptions",
    "take_job",
]
