"""Flood control at arrival: a member's commands and presses are counted when they arrive,
before they queue behind their chat, so that a burst is seen even while the chat waits for
its send budget. The excess is dropped (stored and marked handled, never queued); the member
is told once, and every dropped press gets its toast so that the spinner stops."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import Application

from bot.flood import FloodVerdict
from bot.i18n import N_, translator
from bot.runtime import Runtime
from bot.services.chats import load_chat_context
from handlers.common import answer_query

log = logging.getLogger(__name__)

SLOW_DOWN = N_("Please slow down a little; try again in a few seconds.")


def addressed_to_us(update: Update, bot_username: str) -> bool:
    """A press of one of our buttons, or a command for us (`/cmd`, or `/cmd@us` but not
    `/cmd@OtherBot`); edits count as well, since a command handler could act on them."""
    if update.callback_query is not None:
        return True
    message = update.message or update.edited_message
    text = message.text if message is not None else None
    if not text or not text.startswith("/"):
        return False
    word = text.split(maxsplit=1)[0]
    _, at, target = word.partition("@")
    return not at or target.lower() == bot_username.lower()


class FloodScreen:
    def __init__(self, rt: Runtime, app: Application) -> None:
        self.rt = rt
        self.app = app

    async def __call__(self, update: Update) -> bool:
        """True to queue the update; False when it is dropped (the answer is on its way)."""
        user = update.effective_user
        if user is None or not addressed_to_us(update, self.rt.bot_username):
            return True
        chat = update.effective_chat
        chat_id = chat.id if chat is not None else user.id
        verdict = self.rt.flood.check(chat_id, user.id)
        if verdict is FloodVerdict.ALLOW:
            return True
        known = await load_chat_context(self.rt, chat_id) if chat_id < 0 else None
        language = known.language if known is not None else self.rt.settings.defaults.language
        text = translator(language)(SLOW_DOWN)
        query = update.callback_query
        if query is not None:
            # Every press is answered (a spinner that never stops reads as a broken bot);
            # the first one as an alert, the rest as a toast.
            self.app.create_task(answer_query(query, text, alert=verdict is FloodVerdict.WARN))
        elif verdict is FloodVerdict.WARN and update.message is not None:
            # Not awaited: the chat may be waiting for its budget, the poller must not.
            self.app.create_task(self._warn(chat_id, text))
        if verdict is FloodVerdict.WARN:
            log.info("flood: user %s in chat %s asked to slow down", user.id, chat_id)
        return False

    async def _warn(self, chat_id: int, text: str) -> None:
        try:
            await self.app.bot.send_message(chat_id, text)
        except TelegramError as exc:
            log.info("could not ask chat %s to slow down: %s", chat_id, exc)
