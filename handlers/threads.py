"""Forum threads at the edge: the bot's right to manage topics (getChatMember), a thread of its
own for an accepted topic (createForumTopic), and that thread closed and reopened with the
topic (closeForumTopic, reopenForumTopic; a schedule row, bot/services/threads.py). Where each
message goes is decided in bot/ and applied by handlers.common.post."""

from __future__ import annotations

import logging

from telegram import Bot
from telegram.error import BadRequest, TelegramError
from telegram.ext import Application

from bot.retry import until_stored
from bot.rules import threads as rules
from bot.runtime import Runtime, runtime_of
from bot.services import kinds, threads
from bot.services.chats import ChatContext
from handlers.common import scheduled
from storage.schedule import Job
from storage.topics import TopicRow

log = logging.getLogger(__name__)


def _right_key(chat_id: int) -> tuple[str, int]:
    return ("manage_topics", chat_id)


async def may_manage_topics(bot: Bot, rt: Runtime, chat_id: int) -> bool:
    """May the bot open and close threads here? Telegram's getChatMember of the bot; a yes is
    trusted for a short while, a no (or no answer) is asked again next time: the right may be
    granted at any moment."""
    key = _right_key(chat_id)
    if rt.admin_cache.get(key):
        return True
    try:
        member = await bot.get_chat_member(chat_id, bot.id)
    except TelegramError as exc:
        log.warning("getChatMember of the bot failed in chat %s: %s", chat_id, exc)
        return False
    verdict = rules.may_manage_topics(member.status, getattr(member, "can_manage_topics", None))
    if verdict:
        rt.admin_cache.put(key, True)
    return verdict


def rights_changed(rt: Runtime, chat_id: int) -> None:
    """The bot's status or rights changed in the chat (my_chat_member): ask Telegram again."""
    rt.admin_cache.drop(_right_key(chat_id))


async def open_own_thread(bot: Bot, rt: Runtime, chat: ChatContext, topic: TopicRow) -> TopicRow:
    """After acceptance: in a forum whose `topic_threads` setting is on and where the bot may
    manage topics, the topic gets its own thread, "#N title", and lives there from now on.
    Otherwise, or if Telegram refuses (the right lost meanwhile), it stays where it was
    proposed: the acceptance stands either way."""
    if not rules.wants_own_thread(chat.is_forum, chat.settings.topic_threads, topic.own_thread):
        return topic
    if not await may_manage_topics(bot, rt, chat.chat_id):
        return topic
    try:
        created = await bot.create_forum_topic(
            chat.chat_id, rules.thread_name(topic.number, topic.title)
        )
    except TelegramError as exc:
        # Refused, or no answer (the network): either way the acceptance stands.
        log.warning("no thread of its own for topic %s in chat %s: %s", topic.id, chat.chat_id, exc)
        rights_changed(rt, chat.chat_id)
        return topic
    return await threads.move_to_own_thread(rt, topic.id, created.message_thread_id)


async def follow_status(bot: Bot, rt: Runtime, topic_id: int) -> str:
    """The topic's own thread closed or reopened as its status says now; the outcome to
    record. Telegram's "already so" is success; a thread deleted or a right lost is not
    retried (the messages go to General meanwhile: handlers.common.post)."""
    change = await threads.take_thread_job(rt, topic_id)
    if change is None:
        return "done"
    try:
        if change.open:
            await bot.reopen_forum_topic(change.chat_id, change.thread_id)
        else:
            await bot.close_forum_topic(change.chat_id, change.thread_id)
    except BadRequest as exc:
        lowered = str(exc).lower()
        if "not_modified" in lowered or "not modified" in lowered:
            return "done"
        log.warning(
            "thread %s of chat %s not %s: %s",
            change.thread_id,
            change.chat_id,
            "reopened" if change.open else "closed",
            exc,
        )
        if "topic_id_invalid" in lowered or "thread not found" in lowered:
            await threads.forget_thread(rt, topic_id)
        return "refused"
    return "done"


async def follow_topic(app: Application, job: Job, late: bool) -> None:
    """A TOPIC_THREAD row (added by the unit of work that ended or reopened the topic)."""
    rt = runtime_of(app)
    outcome = await follow_status(app.bot, rt, job.ref_id)
    await until_stored(
        rt, lambda: threads.finish_job(rt, job.id, late, outcome), "a thread's status"
    )


def register_jobs(scheduler) -> None:
    scheduler.register(kinds.TOPIC_THREAD, scheduled(follow_topic))
