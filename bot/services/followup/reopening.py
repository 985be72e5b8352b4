"""Reopening a topic whose outcome is not delivered: back to deliberation, with its history."""

from __future__ import annotations

from bot.events import FollowupChanged
from bot.rules.permissions import Action
from bot.rules.phases import Status
from bot.runtime import Runtime
from bot.services import threads, turnout
from bot.services.chats import ChatContext
from bot.services.common import (
    Actor,
    authorize,
    load_topic,
    run_unit,
)
from bot.services.kinds import (
    ACTION_KINDS,
    FOLLOWUP_TOPIC_KINDS,
    VIEWS_CLOSE,
    VIEWS_REMIND,
)
from storage import Tx, schedule
from storage import followup as repo
from storage import topics as topic_repo
from storage.topics import TopicRow


async def check_can_reopen(rt: Runtime, chat_id: int, actor: Actor, number: int) -> TopicRow:
    topic = await rt.db.view(lambda tx: load_topic(tx, chat_id, number))
    authorize(Action.REOPEN, topic, actor)
    return topic


async def reopen(rt: Runtime, chat: ChatContext, actor: Actor, number: int) -> TopicRow:
    now = rt.clock.now()
    deadline = now + chat.settings.views_duration

    async def work(tx: Tx) -> TopicRow:
        topic = await load_topic(tx, chat.chat_id, number)
        authorize(Action.REOPEN, topic, actor)
        actions = await repo.actions_of(tx, topic.id)
        await schedule.cancel_for_topic(
            tx, topic.id, [a.id for a in actions], FOLLOWUP_TOPIC_KINDS, ACTION_KINDS, now
        )
        await repo.close_rounds(tx, topic.id, now)
        rt.events.publish(tx, FollowupChanged(chat.chat_id, topic.id))
        await topic_repo.set_status(
            tx, topic.id, Status.DELIBERATING, deadline, round=topic.round + 1
        )
        await topic_repo.record(
            tx, topic.id, now, actor.user_id, "reopened", {"round": topic.round + 1}
        )
        await schedule.add(
            tx, chat.chat_id, VIEWS_CLOSE, topic.id, deadline, {"round": topic.round + 1}
        )
        await turnout.schedule_reminder(
            tx, rt, chat.chat_id, VIEWS_REMIND, topic.id, deadline, now, topic.round + 1
        )
        await threads.follow_status(tx, topic, now)
        return await topic_repo.get_topic_by_id(tx, topic.id)

    return await run_unit(rt, actor, work)
