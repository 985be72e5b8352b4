"""What the card of a finished topic says about how it ended (/topic N after the vote).

A villager who asked for the card of an adopted topic saw only its title and "已落实": the card
now adds the adopted wording, the actions in one short block (number, owners by name, status),
and, for a topic not adopted or declined, one line with the outcome (an escalated one has
its own lines, bot/services/escalations.py). Read in
the card's transaction (bot/services/topics.py CARD_LINES).
"""

from __future__ import annotations

from collections.abc import Callable

from bot.i18n import N_
from bot.rules.phases import Status
from bot.services import topics
from bot.services.common import ACTION_STATUS_TEXT
from bot.text import clip, esc, fill
from storage import Tx
from storage import chats as chat_repo
from storage import followup as followup_repo
from storage import topics as topic_repo
from storage import votes as vote_repo
from storage.topics import TopicRow

Translate = Callable[[str], str]

ADOPTED_PHASES = frozenset({Status.ADOPTED, Status.FOLLOWING_UP, Status.DONE})
# How much of the adopted wording and of each action the card shows (the whole in /minutes).
WORDING_ROOM = 600
ACTION_ROOM = 120
MOST_ACTIONS = 8


async def outcome_card_lines(tx: Tx, topic: TopicRow, _: Translate) -> list[str]:
    """The lines a finished topic's card adds: adopted wording and actions, or the outcome."""
    t = lambda msgid, **kw: fill(_(msgid), kw, _)  # noqa: E731
    status = Status(topic.status)
    if status in ADOPTED_PHASES:
        return await _adopted(tx, topic, _, t)
    if status == Status.NOT_ADOPTED:
        votes = [v for v in await vote_repo.list_votes(tx, topic.id) if v.result]
        if votes:
            return [
                t(
                    N_("Outcome: draft {draft} was not adopted in the vote."),
                    draft=votes[-1].draft_no,
                )
            ]
        return [_("Outcome: not adopted.")]
    if status == Status.DECLINED:
        reason = await _last_reason(tx, topic, "declined")
        if reason:
            return [t(N_("Outcome: declined by a convenor: {reason}"), reason=clip(reason, 300))]
        return [_("Outcome: declined by a convenor.")]
    # A topic sent to mediation or court: bot/services/escalations.py says where, why and how
    # it was settled.
    return []


async def _last_reason(tx: Tx, topic: TopicRow, event: str) -> str:
    for row in reversed(await topic_repo.history(tx, topic.id)):
        if row.event == event:
            detail = row.detail
            return (
                str(detail.get("reason") or "") if isinstance(detail, dict) else str(detail or "")
            )
    return ""


async def _adopted(tx: Tx, topic: TopicRow, _: Translate, t: Callable[..., str]) -> list[str]:
    lines = []
    wording = await vote_repo.adopted_text(tx, topic.id)
    if wording:
        lines.append(_("Adopted wording:"))
        lines.append(f"<blockquote>{esc(clip(wording, WORDING_ROOM))}</blockquote>")
    actions = await followup_repo.actions_of(tx, topic.id)
    if not actions:
        return lines
    owners = sorted({o for a in actions for o in a.owners})
    users = await chat_repo.get_users(tx, owners)
    lines.append(_("Actions:"))
    for action in actions[:MOST_ACTIONS]:
        shown = action.status  # as stored: the card is not redrawn as days pass
        names = _(", ").join(users[o].first_name if o in users else "?" for o in action.owners)
        status = _(ACTION_STATUS_TEXT.get(shown, shown))
        if shown == "in_progress":
            status += f" {action.percent}%"
        lines.append(
            t(
                N_("A{action} {text} — {owners} — {status}"),
                action=action.number,
                text=clip(action.text, ACTION_ROOM),
                owners=names or _("no owner yet"),
                status=status,
            )
        )
    if len(actions) > MOST_ACTIONS:
        lines.append(
            t(
                N_("… and {count} more: /actions {number}"),
                count=len(actions) - MOST_ACTIONS,
                number=topic.number,
            )
        )
    return lines


topics.CARD_LINES.append(outcome_card_lines)
