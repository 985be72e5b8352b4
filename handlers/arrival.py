"""Flood control at arrival: a member's commands and presses are counted when they arrive,
before they queue behind their chat, so that a burst is seen even while the chat waits for
its send budget. The excess is dropped (stored and marked handled, never queued). The member
is told once, by name, in the chat's lane after the answers already queued; every dropped
press gets its toast at once so that the spinner stops."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from telegram import ReplyParameters, Update
from telegram.error import TelegramError
from telegram.ext import Application, CallbackContext, TypeHandler

from bot.flood import FloodVerdict
from bot.i18n import N_, translator
from bot.runtime import Runtime, runtime_of
from bot.services.chats import load_chat_context
from bot.text import fill, mention
from handlers.common import answer_query

log = logging.getLogger(__name__)

SLOW_DOWN = N_("Please slow down a little; try again in a few seconds.")
SLOW_DOWN_NAMED = N_("{name}, please slow down a little; try again in a few seconds.")


@dataclass(frozen=True)
class FloodNotice:
    """Queued in the place of the command that tripped the guard: handled in the chat's lane,
    after what was queued before it."""

    chat_id: int
    user_id: int
    name: str
    message_id: int


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
        query = update.callback_query
        if query is not None:
            # Every press is answered (a spinner that never stops reads as a broken bot);
            # the first one as an alert, the rest as a toast.
            text = translator(await chat_language(self.rt, chat_id))(SLOW_DOWN)
            self.app.create_task(answer_query(query, text, alert=verdict is FloodVerdict.WARN))
        elif verdict is FloodVerdict.WARN and update.message is not None:
            notice = FloodNotice(chat_id, user.id, user.first_name, update.message.message_id)
            await self.rt.inbox.queue.put(notice)
        if verdict is FloodVerdict.WARN:
            log.info("flood: user %s in chat %s asked to slow down", user.id, chat_id)
        return False


async def chat_language(rt: Runtime, chat_id: int) -> str:
    """A group's language (from its stored settings), or the default."""
    known = await load_chat_context(rt, chat_id) if chat_id < 0 else None
    return known.language if known is not None else rt.settings.defaults.language


async def send_flood_notice(notice: FloodNotice, context: CallbackContext) -> None:
    """Ask the member, by name and as a reply to the command that tripped the guard."""
    language = await chat_language(runtime_of(context.application), notice.chat_id)
    text = fill(
        translator(language)(SLOW_DOWN_NAMED), {"name": mention(notice.user_id, notice.name)}
    )
    try:
        await context.bot.send_message(
            notice.chat_id,
            text,
            reply_parameters=ReplyParameters(notice.message_id, allow_sending_without_reply=True),
        )
    except TelegramError as exc:
        log.info("could not ask chat %s to slow down: %s", notice.chat_id, exc)


def register(app: Application) -> None:
    app.add_handler(TypeHandler(FloodNotice, send_flood_notice))
