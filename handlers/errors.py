"""The error handler: log the update id and the traceback, apologise once, never stop the loop."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import TelegramError

from bot.i18n import N_, translator
from bot.runtime import Runtime, runtime_of
from bot.services.chats import ChatContext, load_chat_context
from bot.services.threads import Place
from handlers.common import Context, post, thread_of_update
from handlers.rights import chat_refusal

log = logging.getLogger(__name__)


async def on_error(update: object, context: Context) -> None:
    update_id = update.update_id if isinstance(update, Update) else None
    log.error("error while handling update %s", update_id, exc_info=context.error)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    rt = runtime_of(context.application)
    chat = await _known_chat(rt, update.effective_chat.id)
    _ = translator(chat.language if chat else rt.settings.defaults.language)
    text = _(N_("Sorry, something went wrong on our side. Please try again."))
    # Never into a chat that cannot take it: a paused group, or one that just refused us.
    group = update.effective_chat.type != "private"
    closed = (chat is not None and not chat.active) or chat_refusal(context.error) is not None
    try:
        if update.callback_query is not None:
            # Answering a press is no message in the chat: a paused group's member still
            # gets the toast.
            await update.callback_query.answer(text, show_alert=True)
        elif not (group and closed):
            place = Place(update.effective_chat.id, thread_of_update(update))
            await post(context.bot, place, text)
    except TelegramError:
        log.warning("could not apologise in chat %s", update.effective_chat.id)


async def _known_chat(rt: Runtime, chat_id: int) -> ChatContext | None:
    """The chat as stored (its language, whether it is paused); None if that cannot be read
    (the error may be the database's)."""
    try:
        return await load_chat_context(rt, chat_id)
    except Exception:
        return rt.chats.get(chat_id)
