"""Follow-up in the group and in private, by concern as bot/services/followup/ is:

- actions: /action, /actions, /progress, /done, /drop, the 📈 button and its question's answer,
  the owner's "Report here" link;
- ratings: the rating buttons, and the private comment on one's rating;
- subscriptions: 🔔 Notify me, /subscribe, /unsubscribe, /mysubscriptions, and send_private
  (every private copy);
- cards: what the schedule posts (the living follow-up card at each offset, one-line notices,
  reopen questions, private copies), the final round, and the living card edited in place;
- reopening: /reopen and the convenors' answer to the reopen question.
"""

from __future__ import annotations

from handlers.followup import actions, ratings, reopening, subscriptions
from handlers.followup.actions import PROGRESS_PROMPT, finish_progress
from handlers.followup.cards import refresh_living_card, register_jobs
from handlers.followup.ratings import COMMENT_PROMPT, finish_comment
from handlers.followup.subscriptions import send_private

# What the private /start tries on a deep link's payload (handlers/basics.py).
DEEP_LINKS = (
    subscriptions.open_subscribe_link,
    ratings.open_comment_link,
    actions.open_report_link,
    actions.open_reminders_link,
)


def register(app) -> None:
    for concern in (actions, ratings, subscriptions, reopening):
        concern.register(app)


__all__ = [
    "COMMENT_PROMPT",
    "DEEP_LINKS",
    "PROGRESS_PROMPT",
    "finish_comment",
    "finish_progress",
    "refresh_living_card",
    "register",
    "register_jobs",
    "send_private",
]
