"""The error handler: log the update id and the traceback, apologise once, never stop the loop."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import TelegramError

from bot.i18n import N_, translator
from bot.runtime import runtime_of
from bot.services.threads import Place
from handlers.common import Context, post, thread_of_update

log = logging.getLogger(__name__)


async def on_error(update: object, context: Context) -> None:
    update_id = update.update_id if isinstance(update, Update) else None
    log.error("error while handling update %s", update_id, exc_info=context.error)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    rt = runtime_of(context.application)
    chat = rt.chats.get(update.effective_chat.id)
    _ = translator(chat.language if chat else rt.settings.defaults.language)
    text = _(N_("Sorry, something went wrong on our side. Please try again."))
    try:
        if update.callback_query is not None:
            await update.callback_query.answer(text, show_alert=True)
        else:
            place = Place(update.effective_chat.id, thread_of_update(update))
            await post(context.bot, place, text)
    except TelegramError:
        log.warning("could not apologise in chat %s", update.effective_chat.id)
