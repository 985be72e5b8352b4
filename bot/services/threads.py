"""Forum groups: where a topic's messages go, the thread a topic gets on acceptance, and that
thread following the topic's status. The rules are in bot/rules/threads.py; Telegram's side
(sending, opening and closing threads) is the edge's (handlers/common.py `post`,
handlers/threads.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.rules import threads as rules
from bot.runtime import Runtime
from bot.services.chats import ChatContext, load_chat
from bot.services.kinds import TOPIC_THREAD
from storage import Tx, schedule
from storage import topics as repo
from storage.topics import TopicRow


@dataclass(frozen=True)
class Place:
    """Where a message goes: a chat and, in a forum, a thread (None: General, or a group
    without threads). `topic_id` names the topic whose thread it is, so that a thread found
    gone is forgotten."""

    chat_id: int
    thread_id: int | None = None
    topic_id: int | None = None


def place_of(chat: ChatContext, topic: TopicRow) -> Place:
    """Where every message about `topic` goes (a reply to a command goes where the command
    came from instead)."""
    return Place(topic.chat_id, rules.topic_thread(chat.is_forum, topic.thread_id), topic.id)


@dataclass(frozen=True)
class ThreadChange:
    """A topic's own thread to close (open=False) or reopen (open=True)."""

    chat_id: int
    thread_id: int
    open: bool


async def move_to_own_thread(rt: Runtime, topic_id: int, thread_id: int) -> TopicRow:
    """The bot opened a thread for the topic: it lives there from now on."""

    async def work(tx: Tx) -> TopicRow:
        await repo.set_thread(tx, topic_id, thread_id, own=True)
        topic = await repo.get_topic_by_id(tx, topic_id)
        assert topic is not None
        return topic

    return await rt.db.run(work)


async def forget_thread(rt: Runtime, topic_id: int) -> None:
    """The topic's thread is gone (deleted by an administrator): it lives in General now."""
    await rt.db.run(lambda tx: repo.set_thread(tx, topic_id, None, own=False))


async def follow_status(tx: Tx, topic: TopicRow, now: datetime) -> None:
    """Inside the unit of work that ends or reopens `topic`: its own thread (if the bot opened
    one) is closed or reopened to match, by a schedule row due now. The row runs in the chat's
    lane after the command's answer, survives a restart, and is retried if Telegram fails."""
    if topic.own_thread and topic.thread_id:
        await schedule.add(tx, topic.chat_id, TOPIC_THREAD, topic.id, now)


async def take_thread_job(rt: Runtime, topic_id: int) -> ThreadChange | None:
    """What a TOPIC_THREAD row asks now: the thread opened or closed as the topic's status
    says, read when the row runs (the topic may have moved on since). None: nothing to do."""

    async def work(tx: Tx) -> ThreadChange | None:
        topic = await repo.get_topic_by_id(tx, topic_id)
        if topic is None or not topic.own_thread or not topic.thread_id:
            return None
        chat = await load_chat(tx, rt, topic.chat_id)
        if chat is None or not chat.is_forum:
            return None
        return ThreadChange(topic.chat_id, topic.thread_id, rules.thread_open(topic.status))

    return await rt.db.view(work)


async def finish_job(rt: Runtime, job_id: int, late: bool, outcome: str = "done") -> bool:
    now = rt.clock.now()
    return await rt.db.run(lambda tx: schedule.finish(tx, job_id, now, late, outcome=outcome))
