"""The Telegram edge: turns updates into calls with plain values, and results into replies."""

from __future__ import annotations

from telegram.ext import Application

from bot.app import runtime_of
from bot.services import followup as followup_service
from handlers import (
    arrival,
    basics,
    drafts,
    errors,
    followup,
    jobs,
    middleware,
    replies,
    topics,
    views,
    votes,
)
from handlers.render import CardRefresher


def register_handlers(app: Application) -> None:
    rt = runtime_of(app)
    scheduler = rt.services["scheduler"]
    jobs.register(scheduler)
    followup.register_jobs(scheduler)
    refresher = CardRefresher(rt)
    refresher.renderers["round"] = lambda bot, rt_, _chat, ref: followup.refresh_round_card(
        bot, rt_, ref
    )
    rt.services.update(refresher=refresher)
    rt.inbox.screen = arrival.FloodScreen(rt, app)

    async def stop_schedule(application: Application) -> None:
        await refresher.flush(application)
        await scheduler.stop()

    async def tick(application: Application) -> None:
        # The schedule is not woken here: it wakes at the time it is armed for.
        await refresher.flush(application)
        await rt.inbox.flush()

    async def chat_active(application: Application, chat_id: int, present: bool) -> None:
        if present:
            await scheduler.run_due(application)

    rt.services.setdefault("on_stop", []).append(stop_schedule)
    rt.services.setdefault("tick", []).append(tick)
    rt.services.setdefault("on_chat_active", []).append(chat_active)
    rt.services.setdefault("deep_links", []).extend(
        [views.start_anonymous, votes.start_private_ballot, followup.deep_link]
    )
    rt.services.setdefault("on_adopted", []).append(followup_service.on_adopted)
    rt.services["topic_job_kinds"] = followup_service.TOPIC_KINDS

    middleware.register(app)
    arrival.register(app)
    basics.register(app)
    topics.register(app)
    views.register(app)
    drafts.register(app)
    votes.register(app)
    followup.register(app)
    replies.register(app)
    basics.register_fallbacks(app)  # last in its group: only what nothing else took
    app.add_error_handler(errors.on_error)
