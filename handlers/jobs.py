"""What the schedule does when a row falls due: close phases and post what must be posted."""

from __future__ import annotations

import logging

from telegram.ext import Application

from bot.i18n import N_, translator
from bot.retry import until_stored
from bot.runtime import runtime_of
from bot.services import kinds, topics, votes, waiting
from bot.services.chats import load_chat_context
from bot.text import fill
from handlers.common import scheduled
from handlers.render import post_about, post_topic_card, refresh_topic_card
from handlers.votes import post_ballot_card, post_result
from storage.schedule import Job

log = logging.getLogger(__name__)


async def views_close(app: Application, job: Job, late: bool) -> None:
    rt = runtime_of(app)
    topic = await topics.get_by_id(rt, job.ref_id)
    chat = await load_chat_context(rt, job.chat_id)
    if chat is not None and topics.announces_views_closed(topic):
        _ = translator(chat.language)
        # Sent, then marked: a failed send is retried by the schedule.
        await post_about(
            app.bot,
            rt,
            chat,
            topic,
            fill(
                _(
                    N_(
                        "Views on topic #{number} are closed. Propose or amend the wording with /draft; a convenor puts a draft to the vote with /vote {number} draft-number."
                    )
                ),
                {"number": topic.number},
            ),
        )
    if (
        await until_stored(rt, lambda: votes.finish_job(rt, job.id, late), "a row")
        and topic
        and chat
    ):
        await refresh_topic_card(app.bot, rt, chat.chat_id, topic.id)


async def vote_close(app: Application, job: Job, late: bool) -> None:
    rt = runtime_of(app)
    # The result card is its own row, due now: the same run of the schedule posts it.
    await votes.close_vote(rt, None, None, vote_id=job.ref_id, job_id=job.id, late=late)


async def result(app: Application, job: Job, late: bool) -> None:
    rt = runtime_of(app)
    # The group's result card, then the mark: a failed send is retried by the schedule, and
    # nothing after the card (edits, private copies) can make it post twice.
    await post_result(
        app,
        rt,
        job.ref_id,
        lambda: until_stored(rt, lambda: votes.finish_job(rt, job.id, late), "a result card"),
    )


async def topic_card_waiting(app: Application, job: Job, late: bool) -> None:
    """A topic card the group could not take (bot/services/waiting.py), posted as the topic is
    now, unless another card of the topic has been posted meanwhile (/topic N)."""
    rt = runtime_of(app)
    topic = await topics.get_by_id(rt, job.ref_id)
    chat = await load_chat_context(rt, job.chat_id)
    if chat is not None and topic is not None and topic.card_message_id == job.payload.get("was"):
        # A refusal goes through (waits=False): the row keeps waiting, paused with its chat.
        await post_topic_card(app.bot, rt, chat, topic, waits=False)
    await until_stored(rt, lambda: waiting.card_posted(rt, job.id, late), "a waiting card")


async def ballot_card_waiting(app: Application, job: Job, late: bool) -> None:
    """A ballot card the group could not take, posted if its vote is still open and cardless
    (once closed, the result card says it all)."""
    rt = runtime_of(app)
    state = await votes.state(rt, job.ref_id)
    chat = await load_chat_context(rt, job.chat_id)
    if chat is not None and state.vote.is_open and state.vote.card_message_id is None:
        await post_ballot_card(app.bot, rt, chat, state, waits=False)
    await until_stored(rt, lambda: waiting.card_posted(rt, job.id, late), "a waiting card")


def register(scheduler) -> None:
    scheduler.register(kinds.TOPIC_CARD, scheduled(topic_card_waiting))
    scheduler.register(kinds.BALLOT_CARD, scheduled(ballot_card_waiting))
    scheduler.register(kinds.VIEWS_CLOSE, scheduled(views_close))
    scheduler.register(kinds.VOTE_CLOSE, scheduled(vote_close))
    scheduler.register(kinds.POST_RESULT, scheduled(result))
