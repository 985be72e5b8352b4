"""Private chats act on a group: deep links name it, and later commands follow the last one."""

from __future__ import annotations

import re

from telegram.error import TelegramError

from bot.errors import UserError
from bot.i18n import N_
from bot.services import prompts
from bot.services.chats import ChatContext, load_chat_context
from handlers.common import Ctx

_LINK = re.compile(r"^([a-z]{2,3})_(-?\d{1,16})_(\d{1,9})$")


async def is_member(ctx: Ctx, chat_id: int) -> bool:
    """Still in that group? Asked of Telegram, trusted for a short while."""
    key = ("member", chat_id, ctx.user_id)
    cached = ctx.rt.admin_cache.get(key)
    if cached is not None:
        return cached
    try:
        member = await ctx.context.bot.get_chat_member(chat_id, ctx.user_id)
    except TelegramError:
        return False
    verdict = member.status in ("creator", "administrator", "member", "restricted")
    ctx.rt.admin_cache.put(key, verdict)
    return verdict


async def linked_group(ctx: Ctx, payload: str, prefix: str) -> tuple[ChatContext, int] | None:
    """The group and topic number a deep link names, once we know the user belongs there.

    None when the payload is another kind of link. Becomes the user's focus: private commands
    such as /ballot then act on that group.
    """
    if not payload.startswith(prefix + "_"):
        return None
    match = _LINK.match(payload)
    if match is None:
        raise UserError(N_("This link is not valid."))
    chat_id, number = int(match.group(2)), int(match.group(3))
    group = await load_chat_context(ctx.rt, chat_id)
    if group is None or not await is_member(ctx, chat_id):
        raise UserError(N_("This link is for members of that group only."))
    await prompts.set_focus(ctx.rt, ctx.user_id, chat_id)
    return group, number


async def target_chat(ctx: Ctx) -> int:
    """The group a command acts on: this one, or in private the group last opened by a link."""
    if not ctx.chat.is_private:
        return ctx.chat_id
    chat_id = await prompts.focus(ctx.rt, ctx.user_id)
    if chat_id is None:
        raise UserError(N_("Use this command in the group, or open the group's card link first."))
    # Someone who has left (or was removed from) the group since the link keeps no say in it.
    if not await is_member(ctx, chat_id):
        raise UserError(N_("This link is for members of that group only."))
    return chat_id


async def is_convenor_of(ctx: Ctx, chat_id: int) -> bool:
    """Convenor status in a group, asked from anywhere (a private chat included)."""
    if not ctx.chat.is_private:
        return await ctx.is_convenor()
    from bot.services.chats import is_named_convenor

    if await is_named_convenor(ctx.rt, chat_id, ctx.user_id):
        return True
    try:
        member = await ctx.context.bot.get_chat_member(chat_id, ctx.user_id)
    except TelegramError:
        return False
    return member.status in ("creator", "administrator")
