"""What runs before every handler: skip redelivered updates, slow down flooders, follow the chat."""

from __future__ import annotations

import logging

from telegram import ChatMemberUpdated, Update
from telegram.constants import ChatMemberStatus
from telegram.ext import (
    ApplicationHandlerStop,
    ChatMemberHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.app import runtime_of
from bot.flood import FloodVerdict
from bot.i18n import N_, translator
from bot.services import chats
from handlers.common import Context, answer_query, send
from storage.db import current_update_id

log = logging.getLogger(__name__)

DEDUPE_GROUP = -100
FLOOD_GROUP = -90
EVENTS_GROUP = -80


async def skip_redelivered(update: Update, context: Context) -> None:
    rt = runtime_of(context.application)
    if await chats.already_processed(rt, update.update_id):
        log.info("update %s was handled before a restart; skipped", update.update_id)
        raise ApplicationHandlerStop
    current_update_id.set(update.update_id)


def _is_command_or_press(update: Update) -> bool:
    if update.callback_query is not None:
        return True
    message = update.message
    return bool(message and message.text and message.text.startswith("/"))


async def slow_down_flooders(update: Update, context: Context) -> None:
    if not _is_command_or_press(update) or update.effective_user is None:
        return
    rt = runtime_of(context.application)
    chat_id = update.effective_chat.id if update.effective_chat else update.effective_user.id
    verdict = rt.flood.check(chat_id, update.effective_user.id)
    if verdict is FloodVerdict.ALLOW:
        return
    if verdict is FloodVerdict.WARN:
        chat = rt.chats.get(chat_id)
        language = chat.language if chat else rt.settings.defaults.language
        text = translator(language)(N_("Please slow down a little; try again in a few seconds."))
        if update.callback_query is not None:
            await answer_query(update.callback_query, text, alert=True)
        else:
            await send(context, chat_id, text)
        log.info("flood: user %s in chat %s asked to slow down", update.effective_user.id, chat_id)
    elif update.callback_query is not None:
        await answer_query(update.callback_query)
    raise ApplicationHandlerStop


async def follow_migration(update: Update, context: Context) -> None:
    message = update.effective_message
    if message is None:
        return
    rt = runtime_of(context.application)
    if message.migrate_to_chat_id:
        old, new = message.chat.id, message.migrate_to_chat_id
    elif message.migrate_from_chat_id:
        old, new = message.migrate_from_chat_id, message.chat.id
    else:
        return
    if await chats.migrate_chat(rt, old, new):
        log.info("chat %s became supergroup %s; its records moved", old, new)
    raise ApplicationHandlerStop


async def follow_membership(update: Update, context: Context) -> None:
    change: ChatMemberUpdated | None = update.my_chat_member
    if change is None:
        return
    rt = runtime_of(context.application)
    present = change.new_chat_member.status in (
        ChatMemberStatus.MEMBER,
        ChatMemberStatus.ADMINISTRATOR,
        ChatMemberStatus.OWNER,
    )
    chat = change.chat
    if chat.type == "private":
        return
    await chats.chat_context(rt, chat.id, chat.type, chat.title or "")
    if await chats.set_active(rt, chat.id, present):
        log.info("bot %s chat %s", "added to" if present else "removed from", chat.id)
        for hook in rt.services.get("on_chat_active", []):
            await hook(context.application, chat.id, present)


def register(app) -> None:
    app.add_handler(TypeHandler(Update, skip_redelivered), group=DEDUPE_GROUP)
    app.add_handler(TypeHandler(Update, slow_down_flooders), group=FLOOD_GROUP)
    app.add_handler(
        MessageHandler(filters.StatusUpdate.MIGRATE, follow_migration), group=EVENTS_GROUP
    )
    app.add_handler(
        ChatMemberHandler(follow_membership, ChatMemberHandler.MY_CHAT_MEMBER), group=EVENTS_GROUP
    )
