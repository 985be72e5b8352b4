"""Action items (落实事项): added with owners and a due date, progress reported, done or dropped."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot import numbers
from bot.errors import Msg, UserError
from bot.i18n import N_
from bot.rules.followup import DueError, parse_due
from bot.rules.permissions import Action
from bot.rules.phases import Status
from bot.runtime import Runtime
from bot.services.chats import ChatContext
from bot.services.common import (
    ACTION_STATUS_TEXT,
    REASON_MAX,
    TEXT_MAX,
    Actor,
    authorize,
    bounded,
    load_topic,
    run_unit,
)
from bot.services.kinds import (
    ACTION_KINDS,
    DUE_SOON,
    FOLLOWUP_TOPIC_KINDS,
    OVERDUE,
    OVERDUE_REOPEN,
)
from storage import Tx, schedule
from storage import followup as repo
from storage import topics as topic_repo
from storage.followup import ActionRow, RoundRow
from storage.topics import TopicRow

DUE_TEXT = {
    "invalid_date": N_("“{text}” is not a real date: write it as YYYY-MM-DD, e.g. 2026-05-31."),
    "past_date": N_(
        "{text} is already past: give a date from today on, or a duration such as 14d."
    ),
    "not_a_due": N_("“{text}” is neither a date (YYYY-MM-DD) nor a duration (14d)."),
    "too_far": N_("A due date can be at most ten years away."),
}


@dataclass(frozen=True)
class Progress:
    action: ActionRow
    topic: TopicRow
    topic_done: bool
    final_round: RoundRow | None


def parse_action_number(text: str) -> int:
    """An action number as typed (``A3``, ``#A3``, ``Ａ３``); the rule is in bot.numbers."""
    return numbers.action_number(text)


async def add_action(
    rt: Runtime,
    chat: ChatContext,
    actor: Actor,
    number: int,
    due_text: str,
    text: str,
    owners: list[int],
) -> tuple[TopicRow, ActionRow]:
    text = bounded(text, TEXT_MAX, N_("action"))
    now = rt.clock.now()
    settings = chat.settings
    try:
        due_date, due_at = parse_due(due_text, now, settings.zone())
    except DueError as err:
        raise UserError(DUE_TEXT[err.kind], text=due_text[:20]) from None

    async def work(tx: Tx) -> tuple[TopicRow, ActionRow]:
        topic = await load_topic(tx, chat.chat_id, number)
        authorize(Action.ADD_ACTION, topic, actor)
        action = await repo.add_action(
            tx, chat.chat_id, topic.id, text, due_date, due_at, owners, actor.user_id, now
        )
        if topic.status == Status.ADOPTED:
            await topic_repo.set_status(tx, topic.id, Status.FOLLOWING_UP)
        await topic_repo.record(
            tx, topic.id, now, actor.user_id, "action_added", f"A{action.number} due {due_date}"
        )
        reminder = due_at - settings.due_reminder
        if reminder > now:
            await schedule.add(tx, chat.chat_id, DUE_SOON, action.id, reminder)
        await schedule.add(tx, chat.chat_id, OVERDUE, action.id, due_at)
        await schedule.add(
            tx, chat.chat_id, OVERDUE_REOPEN, action.id, due_at + settings.overdue_reopen_after
        )
        topic = await topic_repo.get_topic_by_id(tx, topic.id)
        return topic, action

    return await run_unit(rt, actor, work)


async def report(
    rt: Runtime,
    chat_id: int,
    actor: Actor,
    action_no: int,
    percent: int | None,
    note: str,
    done: bool = False,
    drop: bool = False,
) -> Progress:
    """A progress report by an owner or a convenor; `drop` (convenors only) gives up the action,
    `note` being the reason."""
    if drop:
        note = bounded(note, REASON_MAX, N_("reason"))
    if percent is not None and not 0 <= percent <= 100:
        raise UserError(N_("Progress is a percentage from 0 to 100."))
    note = note.strip()
    if len(note) > REASON_MAX:
        bounded(note, REASON_MAX, N_("note"))
    now = rt.clock.now()

    async def work(tx: Tx) -> Progress:
        action = await repo.get_action(tx, chat_id, action_no)
        if action is None:
            raise UserError(N_("There is no action A{action} in this group."), action=action_no)
        topic = await topic_repo.get_topic_by_id(tx, action.topic_id)
        if drop:
            # Giving an action up changes what was agreed: that is a convenor's call.
            authorize(Action.ADD_ACTION, topic, actor)
        else:
            authorize(Action.REPORT_PROGRESS, topic, actor, owner=actor.user_id in action.owners)
        if action.status in ("done", "dropped"):
            raise UserError(
                N_("Action A{action} is already {status}."),
                action=action_no,
                status=Msg(ACTION_STATUS_TEXT[action.status]),
            )
        if drop:
            value, status = action.percent, "dropped"
        else:
            value = 100 if done else int(percent or 0)
            status = "done" if value == 100 else ("in_progress" if value > 0 else "open")
        await repo.report(
            tx, action.id, actor.user_id, value, note, status, now, reason=note if drop else None
        )
        await topic_repo.record(
            tx,
            topic.id,
            now,
            actor.user_id,
            "dropped" if drop else "progress",
            f"A{action_no} {value}%",
        )
        if status in ("done", "dropped"):
            for kind in ACTION_KINDS:
                await schedule.cancel(tx, kind, action.id, now)
        topic_done, final_round = await _maybe_done(tx, topic, now)
        action = await repo.get_action_by_id(tx, action.id)
        topic = await topic_repo.get_topic_by_id(tx, topic.id)
        return Progress(action, topic, topic_done, final_round)

    return await run_unit(rt, actor, work)


async def check_can_report(rt: Runtime, chat_id: int, actor: Actor, action_no: int) -> ActionRow:
    """Before asking for a figure: would the report be taken?"""

    async def work(tx: Tx) -> tuple[ActionRow, TopicRow]:
        action = await repo.get_action(tx, chat_id, action_no)
        if action is None:
            raise UserError(N_("There is no action A{action} in this group."), action=action_no)
        return action, await topic_repo.get_topic_by_id(tx, action.topic_id)

    action, topic = await rt.db.view(work)
    authorize(Action.REPORT_PROGRESS, topic, actor, owner=actor.user_id in action.owners)
    return action


async def _maybe_done(tx: Tx, topic: TopicRow, now: datetime) -> tuple[bool, RoundRow | None]:
    actions = await repo.actions_of(tx, topic.id)
    live = [a for a in actions if a.status != "dropped"]
    if not live or any(a.status != "done" for a in live):
        return False, None
    await topic_repo.set_status(tx, topic.id, Status.DONE)
    await topic_repo.record(tx, topic.id, now, None, "done", "every action done")
    await schedule.cancel_for_topic(
        tx, topic.id, [a.id for a in actions], FOLLOWUP_TOPIC_KINDS, ACTION_KINDS, now
    )
    return True, await repo.open_round(tx, topic.id, "final", now)


async def list_actions(rt: Runtime, chat_id: int, number: int) -> tuple[TopicRow, list[ActionRow]]:
    async def work(tx: Tx) -> tuple[TopicRow, list[ActionRow]]:
        topic = await load_topic(tx, chat_id, number)
        return topic, await repo.actions_of(tx, topic.id)

    return await rt.db.view(work)
