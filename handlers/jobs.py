"""What the schedule does when a row falls due: close phases and post what must be posted."""

from __future__ import annotations

import logging

from telegram.ext import Application

from bot import cards
from bot.buttons import Button, keyboard
from bot.callbacks import Link, start_link
from bot.i18n import N_, translator
from bot.retry import until_stored
from bot.runtime import runtime_of
from bot.services import kinds, prompts, topics, turnout, votes, waiting
from bot.services.chats import load_chat_context
from bot.text import Html, fill, mention
from handlers.common import scheduled
from handlers.forms import suggestion_line
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
        text = fill(
            _(
                N_(
                    "Views on topic #{number} are closed. Propose or amend the wording with /draft; a convenor puts a draft to the vote with /vote {number} draft-number."
                )
            ),
            {"number": topic.number},
        )
        # The form that fits what the views showed (bot/rules/forms.py); the convenor decides.
        suggested = await suggestion_line(app.bot, rt, chat, topic, _)
        # Sent, then marked: a failed send is retried by the schedule.
        await post_about(app.bot, rt, chat, topic, f"{text}\n{suggested}" if suggested else text)
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


REMIND_GROUP = {
    kinds.VIEWS_REMIND: N_(
        "⏰ Views on topic #{number} ({title}) close {when}. Not given a view yet: {names}. Give yours with the buttons on the topic card, or write it, for example: /view {number} concern the cost is too high"
    ),
    kinds.VOTE_REMIND: N_(
        "⏰ The vote on topic #{number} ({title}) closes {when}. Not voted yet: {names}. Press a button on the ballot card. {turnout}"
    ),
}
REMIND_PRIVATE = {
    kinds.VIEWS_REMIND: N_(
        "⏰ {group}: views on topic #{number} ({title}) close {when}, and you have not given yours yet. Give it in the group with the buttons on the topic card, or write it there, for example: /view {number} concern the cost is too high"
    ),
    kinds.VOTE_REMIND: N_(
        "⏰ {group}: the vote on topic #{number} ({title}) closes {when}, and you have not voted yet. Press a button on the ballot card in the group, or vote here:"
    ),
}


async def turnout_reminder(app: Application, job: Job, late: bool) -> None:
    """Before the views or the vote close, once: those who took part and have not yet given a
    view or voted (bot/services/turnout.py). The group line first (a failed send is retried by
    the schedule), then the mark, then the private reminders, best effort."""
    from handlers.followup.subscriptions import send_private

    rt = runtime_of(app)
    reminder = await turnout.due(rt, job)
    if reminder is None:
        await until_stored(rt, lambda: turnout.skipped(rt, job.id, late), "a row")
        return
    chat, topic = reminder.chat, reminder.topic
    _ = translator(chat.language)
    now = rt.clock.now()
    base = {
        "number": topic.number,
        "title": topic.title,
        "when": cards.when(reminder.closes_at, chat.settings, now),
    }
    if reminder.in_group:
        names = await prompts.names(rt, reminder.in_group)
        shown = reminder.in_group[: turnout.MOST_NAMED]
        listed = Html(
            ("、" if chat.language == "zh" else ", ").join(
                mention(u, names.get(u, "?")) for u in shown
            )
        )
        if len(reminder.in_group) > len(shown):
            listed = Html(
                fill(
                    _(N_("{names} and {more} more")),
                    {"names": listed, "more": len(reminder.in_group) - len(shown)},
                )
            )
        turnout_text = fill(
            _(N_("{count} voted so far; at least {quorum} needed."))
            if reminder.cast < reminder.quorum
            else _(N_("{count} voted so far; the quorum of {quorum} is reached.")),
            {"count": reminder.cast, "quorum": reminder.quorum},
        )
        text = fill(
            _(REMIND_GROUP[reminder.kind]),
            {**base, "names": listed, "turnout": Html(turnout_text)},
        )
        await post_about(app.bot, rt, chat, topic, text)
    if not await until_stored(rt, lambda: votes.finish_job(rt, job.id, late), "a row"):
        return
    private = fill(_(REMIND_PRIVATE[reminder.kind]), {**base, "group": chat.title})
    markup = None
    if reminder.kind == kinds.VOTE_REMIND and rt.bot_username:
        link = start_link(rt.bot_username, Link.PRIVATE_BALLOT, chat.chat_id, topic.number)
        markup = keyboard([[Button(_("🗳 Vote in private"), url=link)]])
    for user_id in reminder.privately:
        await send_private(app, rt, user_id, private, reminder.kind, topic.id, markup)


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
    scheduler.register(kinds.VIEWS_REMIND, scheduled(turnout_reminder))
    scheduler.register(kinds.VOTE_REMIND, scheduled(turnout_reminder))
