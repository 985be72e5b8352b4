"""What runs before every handler: follow the chat (a migration, the bot added or removed).

Redelivered updates are recognised by the inbox and flooders slowed down at arrival
(handlers/arrival.py), before an update queues behind its chat."""

from __future__ import annotations

import logging

from telegram import ChatMemberUpdated, Update
from telegram.constants import ChatMemberStatus
from telegram.ext import (
    ApplicationHandlerStop,
    ChatMemberHandler,
    MessageHandler,
    filters,
)

from bot.runtime import runtime_of
from bot.services import chats
from handlers import threads
from handlers.common import Context

log = logging.getLogger(__name__)

EVENTS_GROUP = -80


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
    await chats.chat_context(rt, chat.id, chat.type, chat.title or "", is_forum=bool(chat.is_forum))
    # May it manage forum topics now? Asked again when next needed (handlers/threads.py).
    threads.rights_changed(rt, chat.id)
    if await chats.set_active(rt, chat.id, present):
        log.info("bot %s chat %s", "added to" if present else "removed from", chat.id)
        if present:
            # Its rows, paused while the bot was away, run now (marked late).
            await rt.scheduler.run_due(context.application)


def register(app) -> None:
    app.add_handler(
        MessageHandler(filters.StatusUpdate.MIGRATE, follow_migration), group=EVENTS_GROUP
    )
    app.add_handler(
        ChatMemberHandler(follow_membership, ChatMemberHandler.MY_CHAT_MEMBER), group=EVENTS_GROUP
    )
