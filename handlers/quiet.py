"""Quiet refusals (bot/services/quiet.py): the row that deletes, a minute later, a refusal the
bot answered a command with in a group, and the command (handlers/common.py Ctx.tidy_refusal
adds it, where the bot may delete members' messages)."""

from __future__ import annotations

import logging

from telegram.error import BadRequest
from telegram.ext import Application

from bot.retry import until_stored
from bot.runtime import runtime_of
from bot.services import kinds, quiet
from handlers.common import scheduled
from storage.schedule import Job

log = logging.getLogger(__name__)


async def tidy(app: Application, job: Job, late: bool) -> None:
    """Delete the refusal and its command; one already gone (or that can no longer be deleted:
    too old, the right taken meanwhile) is left as it is."""
    rt = runtime_of(app)
    for message_id in (job.ref_id, job.payload.get("command")):
        if message_id is None:
            continue
        try:
            await app.bot.delete_message(job.chat_id, message_id)
        except BadRequest as exc:
            log.info("message %s in chat %s not deleted: %s", message_id, job.chat_id, exc)
    await until_stored(rt, lambda: quiet.tidied(rt, job.id, late), "a tidied refusal")


def register_jobs(scheduler) -> None:
    scheduler.register(kinds.TIDY_REFUSAL, scheduled(tidy))
