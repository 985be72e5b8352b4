"""The Telegram edge: turns updates into calls with plain values, and results into replies."""

from __future__ import annotations

from telegram.ext import Application

from bot.runtime import runtime_of
from handlers import (
    arrival,
    basics,
    board,
    consultations,
    drafts,
    edits,
    errors,
    followup,
    forms,
    jobs,
    links,
    meetings,
    middleware,
    minutes,
    quiet,
    referrals,
    replies,
    speakers,
    threads,
    topic_choice,
    topics,
    view_stance,
    views,
    votes,
)
from handlers.render import CardRefresher


def register_handlers(app: Application) -> None:
    rt = runtime_of(app)
    scheduler = rt.scheduler
    jobs.register(scheduler)
    followup.register_jobs(scheduler)
    threads.register_jobs(scheduler)
    quiet.register_jobs(scheduler)
    links.register_jobs(scheduler)
    referrals.register_jobs(scheduler)
    consultations.register_jobs(scheduler)
    meetings.register_jobs(scheduler)
    refresher = CardRefresher(rt)
    refresher.renderers["followup"] = lambda bot, rt_, _chat, ref: followup.refresh_living_card(
        bot, rt_, ref
    )
    refresher.renderers["draft"] = drafts.refresh_draft_post
    refresher.renderers[board.KIND] = board.refresh_board
    refresher.renderers["meeting"] = meetings.refresh_card
    rt.card_edits = refresher
    rt.inbox.screen = arrival.FloodScreen(rt, app)

    middleware.register(app)
    speakers.register(app)
    arrival.register(app)
    edits.register(app)  # before every command: an edited message changes, never creates
    basics.register(
        app,
        (
            views.start_anonymous,
            votes.start_private_ballot,
            *followup.DEEP_LINKS,
            links.open_contact_link,
            minutes.open_minutes_link,
        ),
    )
    topics.register(app)
    topic_choice.register(app)
    view_stance.register(app)
    views.register(app)
    drafts.register(app)
    votes.register(app)
    followup.register(app)
    minutes.register(app)
    forms.register(app)
    links.register(app)
    referrals.register(app)
    board.register(app)
    consultations.register(app)
    meetings.register(app)
    replies.register(app)
    basics.register_fallbacks(app)  # last in its group: only what nothing else took
    app.add_error_handler(errors.on_error)
