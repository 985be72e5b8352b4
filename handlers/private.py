"""Private chats act on a group: deep links name it, and later commands follow the last one.

Only the member's own press on a deep link chooses that group (their "focus"); nothing the bot
sends them moves it. Every private answer about a group starts with a line naming the group
and the topic ("Dongshan village · topic #2"), so that nobody acts on one group believing it
is another.
"""

from __future__ import annotations

import re

from telegram.error import TelegramError

from bot.errors import UserError
from bot.i18n import N_, Translate
from bot.rules.speakers import is_administrator
from bot.services import prompts
from bot.services.chats import ChatContext, load_chat_context
from bot.text import fill
from handlers.common import LOOKUP_FAILED, Ctx

_LINK = re.compile(r"([a-z]{2,3})_(-?[0-9]{1,16})_([0-9]{1,9})")


async def is_member(ctx: Ctx, chat_id: int) -> bool:
    """Still in that group? Asked of Telegram (a yes trusted for a short while); UserError (try
    again) when Telegram does not answer."""
    return await ctx.is_member_of(chat_id)


async def linked_group(ctx: Ctx, payload: str, prefix: str) -> tuple[ChatContext, int] | None:
    """The group and topic number a deep link names, once we know the user belongs there.

    None when the payload is another kind of link. Becomes the user's focus: private commands
    such as /ballot then act on that group; and the answers here name it.
    """
    if not payload.startswith(prefix + "_"):
        return None
    match = _LINK.fullmatch(payload)
    if match is None:
        raise UserError(N_("This link is not valid."))
    chat_id, number = int(match.group(2)), int(match.group(3))
    group = await load_chat_context(ctx.rt, chat_id)
    if group is None or not await is_member(ctx, chat_id):
        raise UserError(N_("This link is for members of that group only."))
    await prompts.set_focus(ctx.rt, ctx.user_id, chat_id)
    await about(ctx, group, number)
    return group, number


def where(_: Translate, group_title: str, number: int | None = None) -> str:
    """The line that names a group and topic: "东山村 · 议题 #2", "Dongshan village · topic #2".

    The title is the group's own text, so it is HTML-escaped (html.escape through fill).
    """
    if number is None:
        return fill("{group}", {"group": group_title})
    return fill(_(N_("{group} · topic #{number}")), {"group": group_title, "number": number})


async def about(ctx: Ctx, group: ChatContext | int, number: int | None = None) -> None:
    """In private, every answer from now on (refusals too) starts by naming this group and topic."""
    if not ctx.chat.is_private:
        return
    if isinstance(group, int):
        group = await load_chat_context(ctx.rt, group)
    ctx.about = where(ctx._, group.title if group is not None else "?", number)


async def target_chat(ctx: Ctx, number: int | None = None) -> int:
    """The group a command acts on: this one, or in private the group last opened by a link
    (and then the answers name that group, and topic `number` when given)."""
    if not ctx.chat.is_private:
        return ctx.chat_id
    chat_id = await prompts.focus(ctx.rt, ctx.user_id)
    if chat_id is None:
        raise UserError(N_("Use this command in the group, or open the group's card link first."))
    # Someone who has left (or was removed from) the group since the link keeps no say in it.
    if not await is_member(ctx, chat_id):
        raise UserError(N_("This link is for members of that group only."))
    await about(ctx, chat_id, number)
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
        # No answer is not "not a convenor": ask again.
        raise UserError(LOOKUP_FAILED) from None
    return is_administrator(member.status)
