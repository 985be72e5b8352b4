"""Owners reached (落实事项的负责人): the private reminders an owner gets before an action is
due, and what the "Get reminders" link tells them. Owners who never started the bot are not
reached here: the group's notices mention them instead."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.rules.followup import is_finished
from bot.runtime import Runtime
from bot.services.chats import ChatContext, load_chat
from bot.services.common import load_topic
from bot.services.followup.shared import FOLLOWING
from bot.services.kinds import OWNER_REMINDER
from storage import Tx, schedule
from storage import followup as repo
from storage import topics as topic_repo
from storage.followup import ActionRow
from storage.schedule import Job
from storage.topics import TopicRow

# The hour (the group's local time) an owner's private reminder goes.
REMINDER_HOUR = time(9, 0)
EVE, DAY = "eve", "day"


def reminder_times(due_date: date, zone: ZoneInfo, now: datetime) -> list[tuple[str, datetime]]:
    """When an owner is reminded of an action due on `due_date`: at 09:00 (local) the day
    before, and at 09:00 on the day; only the times still ahead of `now` (UTC)."""
    times = [
        (EVE, datetime.combine(due_date - timedelta(days=1), REMINDER_HOUR, tzinfo=zone)),
        (DAY, datetime.combine(due_date, REMINDER_HOUR, tzinfo=zone)),
    ]
    return [(when, at.astimezone(UTC)) for when, at in times if at.astimezone(UTC) > now]


async def schedule_reminders(
    tx: Tx, chat_id: int, action: ActionRow, zone: ZoneInfo, now: datetime
) -> None:
    """The rows of an action's private reminders (in the transaction that adds it)."""
    if not action.owners:
        return
    for when, at in reminder_times(action.due_date, zone, now):
        await schedule.add(tx, chat_id, OWNER_REMINDER, action.id, at, {"when": when})


@dataclass(frozen=True)
class OwnerReminder:
    """A private reminder to send: the action, still open, and its owners who can be reached."""

    chat: ChatContext
    topic: TopicRow
    action: ActionRow
    when: str  # EVE or DAY
    owners: list[int]


async def take_reminder(rt: Runtime, job: Job, late: bool) -> OwnerReminder | None:
    """Run an owner-reminder row: marked done in the transaction that reads it, so that each
    reminder goes at most once; None when the action is finished, or nobody can be reached."""
    now = rt.clock.now()

    async def work(tx: Tx) -> OwnerReminder | None:
        if not await schedule.is_pending(tx, job.id):
            return None
        chat = await load_chat(tx, rt, job.chat_id)
        action = await repo.get_action_by_id(tx, job.ref_id)
        topic = await topic_repo.get_topic_by_id(tx, action.topic_id) if action else None
        if (
            chat is None
            or action is None
            or topic is None
            or topic.status not in FOLLOWING
            or is_finished(action.status)
        ):
            await schedule.finish(tx, job.id, now, late, outcome="obsolete")
            return None
        owners = await repo.reachable(tx, list(action.owners))
        await schedule.finish(tx, job.id, now, late, outcome="done" if owners else "nobody")
        if not owners:
            return None
        return OwnerReminder(chat, topic, action, job.payload.get("when", DAY), owners)

    return await rt.db.run(work)


async def own_open_actions(
    rt: Runtime, chat_id: int, number: int, user_id: int
) -> tuple[TopicRow, list[ActionRow]]:
    """Topic `number` and the actions of it that `user_id` owns and are still open."""

    async def work(tx: Tx) -> tuple[TopicRow, list[ActionRow]]:
        topic = await load_topic(tx, chat_id, number)
        actions = await repo.actions_of(tx, topic.id)
        return topic, [a for a in actions if user_id in a.owners and not is_finished(a.status)]

    return await rt.db.view(work)
