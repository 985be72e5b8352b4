"""What runs before every handler: follow the chat (a migration, the bot added or removed).

Redelivered updates are recognised by the inbox and flooders slowed down at arrival
(handlers/arrival.py), before an update queues behind its chat."""

from __future__ import annotations

import logging

from telegram import ChatMemberUpdated, Update
from telegram.ext import (
    ApplicationHandlerStop,
    ChatMemberHandler,
    MessageHandler,
    filters,
)

from bot.runtime import runtime_of
from bot.services import chats, votes
from handlers import rights, threads
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
    chat = change.chat
    if chat.type == "private":
        return
    # Present and allowed to post: a member, an administrator, or restricted with the right to
    # send messages (handlers/rights.py); removed, kicked or muted pauses the chat.
    present = rights.may_post(change.new_chat_member)
    await chats.chat_context(rt, chat.id, chat.type, chat.title or "", is_forum=bool(chat.is_forum))
    # May it manage forum topics now? Asked again when next needed (handlers/threads.py).
    threads.rights_changed(rt, chat.id)
    if present:
        # Its rows, paused while the bot was away or muted, run now (marked late), the cards it
        # could not post among them.
        await rights.resume(context.application, chat.id)
    elif await chats.set_active(rt, chat.id, False):
        log.info("bot removed from (or may not post in) chat %s; paused", chat.id)
    # Whether a member's typed ballot can be taken back under secret ballot follows the bot's
    # right to delete messages.
    may_delete = rights.may_delete(change.new_chat_member, chat.type)
    rt.admin_cache.put((rights.DELETES_KEY, chat.id), may_delete)
    # Its right to pin is asked again, and the notice board follows (posted once it may pin).
    rt.admin_cache.drop((rights.PINS_KEY, chat.id))
    if rt.card_edits is not None:
        rt.card_edits.request(None, "board", chat.id, chat.id)
    await votes.note_bot_can_delete(rt, chat.id, may_delete)


def register(app) -> None:
    app.add_handler(
        MessageHandler(filters.StatusUpdate.MIGRATE, follow_migration), group=EVENTS_GROUP
    )
    app.add_handler(
        ChatMemberHandler(follow_membership, ChatMemberHandler.MY_CHAT_MEMBER), group=EVENTS_GROUP
    )
    # A paused group that speaks to the bot: may it post again? (handlers/rights.py)
    rights.register(app)
