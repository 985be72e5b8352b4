"""The bot's own rights in a group, as Telegram shows them, and what follows when it may not post.

Telegram says "you may not post here" in several ways: 403 (removed, kicked), and 400 "not
enough rights to send text messages to the chat", "have no rights to send a message",
"CHAT_WRITE_FORBIDDEN" (restricted, or a group where members may not write), or "chat not
found" (the group was deleted). `chat_refusal` is the one place that reads them; the edge
(handlers.common: `edge`, `scheduled`, the error handler, the card edits) pauses the chat on
any of them, as it does on 403: its schedule rows wait rather than use up their tries, and a
card it could not post waits as a row of its own (bot/services/waiting.py).

A paused group resumes when Telegram says the bot may post again: a `my_chat_member` update
(handlers/middleware.py), or, since a group's default permissions change without one, a look at
the bot's own member status when the group next speaks to it (`resume_if_writable`).
"""

from __future__ import annotations

import enum
import logging
from datetime import timedelta

from telegram import Bot, ChatMember, Update
from telegram.constants import ChatMemberStatus
from telegram.error import BadRequest, Forbidden, TelegramError
from telegram.ext import Application, TypeHandler

from bot.runtime import Runtime, runtime_of
from bot.services import chats
from bot.services.chats import load_chat_context

log = logging.getLogger(__name__)

# Before the handlers that answer (group 0), after the chat's own events (migration, the bot's
# membership, group -80).
RIGHTS_GROUP = -70

# A paused group's rights are looked at again at most this often (when it speaks to the bot);
# when each chat was last looked at is kept in the application's bot_data under PROBED_KEY.
PROBE_EVERY = timedelta(minutes=1)
PROBED_KEY = "rights-probed"

# 400s that mean "the bot may not post in this chat" (as opposed to a bad request of ours).
_MAY_NOT_POST = (
    "not enough rights to send",
    "have no rights to send",
    "chat_write_forbidden",
    "need administrator rights in the channel chat",
)
# 403s about a person's private chat, not about the group.
_ABOUT_A_PERSON = ("user", "bots can't send messages to bots", "bot can't send messages to bots")


class Refusal(enum.Enum):
    CLOSED = "closed"  # removed, kicked, restricted, writing forbidden: may come back
    GONE = "gone"  # "chat not found": the group was deleted


def chat_refusal(exc: BaseException) -> Refusal | None:
    """Does this error say the chat will not take the bot's messages? None for anything else
    (a bad request of ours, a network error, a private chat of someone who never started the
    bot: those are not the group's doing)."""
    if not isinstance(exc, TelegramError):
        return None
    text = str(exc).lower()
    if isinstance(exc, Forbidden):
        return None if any(word in text for word in _ABOUT_A_PERSON) else Refusal.CLOSED
    if isinstance(exc, BadRequest):
        if "chat not found" in text:
            return Refusal.GONE
        if any(word in text for word in _MAY_NOT_POST):
            return Refusal.CLOSED
    return None


def may_post(member: ChatMember) -> bool:
    """May the bot, as this member of the group, post text there? (A plain member is bound by
    the group's default permissions too: `may_post_in`.)"""
    status = member.status
    if status in (ChatMemberStatus.OWNER, ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.MEMBER):
        return True
    if status == ChatMemberStatus.RESTRICTED:
        return bool(getattr(member, "is_member", True)) and bool(
            getattr(member, "can_send_messages", False)
        )
    return False


def may_delete(member: ChatMember, chat_type: str) -> bool:
    """May the bot delete other people's messages here? An administrator with
    can_delete_messages; in a basic group every administrator may."""
    if member.status == ChatMemberStatus.OWNER:
        return True
    if member.status != ChatMemberStatus.ADMINISTRATOR:
        return False
    return chat_type == "group" or bool(getattr(member, "can_delete_messages", False))


async def bot_member(app: Application, chat_id: int) -> ChatMember | None:
    """The bot itself in that chat (getChatMember); None when Telegram does not say."""
    try:
        return await app.bot.get_chat_member(chat_id, app.bot.id)
    except TelegramError as exc:
        log.info("could not look up the bot's own rights in chat %s: %s", chat_id, exc)
        return None


async def can_delete_in(app: Application, chat_id: int, chat_type: str) -> bool:
    """May the bot delete a member's message in that chat now? Unknown counts as no."""
    member = await bot_member(app, chat_id)
    return member is not None and may_delete(member, chat_type)


# The bot's own right to delete members' messages, per chat, kept briefly in the admin cache
# (set afresh by a my_chat_member update: handlers/middleware.py).
DELETES_KEY = "bot-may-delete"


async def may_delete_here(app: Application, chat_id: int, chat_type: str) -> bool:
    """can_delete_in, asked of Telegram at most once in a while per chat."""
    cache = runtime_of(app).admin_cache
    known = cache.get((DELETES_KEY, chat_id))
    if known is not None:
        return known
    member = await bot_member(app, chat_id)
    if member is None:
        return False  # no answer is kept: asked again next time
    verdict = may_delete(member, chat_type)
    cache.put((DELETES_KEY, chat_id), verdict)
    return verdict


# The bot's own right to pin messages, per chat, kept briefly in the admin cache (dropped by a
# my_chat_member update: handlers/middleware.py).
PINS_KEY = "bot-may-pin"


def may_pin(member: ChatMember, chat_type: str, members_may_pin: bool | None) -> bool:
    """May the bot, as this member of the group, pin messages there? In a supergroup it takes an
    administrator with can_pin_messages (or the owner); in a basic group any administrator may,
    and so may a plain member unless the group's permissions say members may not
    (`members_may_pin` False; None: not known, taken as allowed, as is Telegram's default)."""
    status = member.status
    if status == ChatMemberStatus.OWNER:
        return True
    if status == ChatMemberStatus.ADMINISTRATOR:
        return chat_type == "group" or bool(getattr(member, "can_pin_messages", False))
    return (
        status == ChatMemberStatus.MEMBER and chat_type == "group" and members_may_pin is not False
    )


async def may_pin_here(bot: Bot, rt: Runtime, chat_id: int) -> bool:
    """may_pin, asked of Telegram (getChatMember of itself, getChat for the kind of group and
    its permissions) at most once in a while per chat. No answer counts as no, and is not
    kept."""
    known = rt.admin_cache.get((PINS_KEY, chat_id))
    if known is not None:
        return known
    try:
        member = await bot.get_chat_member(chat_id, bot.id)
        chat = await bot.get_chat(chat_id)
    except TelegramError as exc:
        log.info("could not look up the bot's right to pin in chat %s: %s", chat_id, exc)
        return False
    permissions = chat.permissions
    verdict = may_pin(
        member, chat.type, None if permissions is None else permissions.can_pin_messages
    )
    rt.admin_cache.put((PINS_KEY, chat_id), verdict)
    return verdict


async def may_post_in(app: Application, chat_id: int, chat_type: str) -> bool:
    """Would a text message of the bot's be taken in that chat now, as far as its status and
    the group's default permissions say? (Telegram may still refuse: CHAT_WRITE_FORBIDDEN.)"""
    member = await bot_member(app, chat_id)
    if member is None or not may_post(member):
        return False
    if member.status != ChatMemberStatus.MEMBER:
        return True
    try:
        chat = await app.bot.get_chat(chat_id)
    except TelegramError as exc:
        log.info("could not look up the permissions of chat %s: %s", chat_id, exc)
        return False
    permissions = chat.permissions
    return permissions is None or permissions.can_send_messages is not False


async def pause(rt: Runtime, chat_id: int, exc: BaseException) -> None:
    """The chat refused a message: its schedule waits until it takes messages again."""
    if await chats.set_active(rt, chat_id, False):
        log.info("chat %s refuses the bot's messages (%s); paused", chat_id, exc)


async def resume(app: Application, chat_id: int) -> bool:
    """The chat takes messages again: what waits (its schedule, cards it could not post) runs
    now. False if it was not paused."""
    rt = runtime_of(app)
    app.bot_data.get(PROBED_KEY, {}).pop(chat_id, None)
    if not await chats.set_active(rt, chat_id, True):
        return False
    log.info("chat %s takes the bot's messages again; resumed", chat_id)
    await rt.scheduler.run_due(app)
    if rt.card_edits is not None:
        # What changed while it was paused shows on its notice board (handlers/board.py).
        rt.card_edits.request(app, "board", chat_id, chat_id)
    return True


async def resume_if_writable(update: object, context) -> None:
    """A paused group speaks to the bot: look at the bot's own rights (a group's default
    permissions change without any update to the bot), and resume the chat if it may post.
    At most once a minute per paused group (PROBE_EVERY): a group whose rights look right but
    whose sends are still refused (CHAT_WRITE_FORBIDDEN) costs one try a minute, not one per
    message."""
    if not isinstance(update, Update) or update.my_chat_member is not None:
        return
    chat = update.effective_chat
    if chat is None or chat.type not in ("group", "supergroup"):
        return
    rt = runtime_of(context.application)
    known = await load_chat_context(rt, chat.id)
    if known is None or known.active:
        return
    probed = context.application.bot_data.setdefault(PROBED_KEY, {})
    now = rt.clock.now()
    last = probed.get(chat.id)
    if last is not None and now - last < PROBE_EVERY:
        return
    probed[chat.id] = now
    if await may_post_in(context.application, chat.id, chat.type):
        await resume(context.application, chat.id)


def register(app: Application) -> None:
    app.add_handler(TypeHandler(Update, resume_if_writable), group=RIGHTS_GROUP)
