"""`/minutes N`: a topic's minutes as a Word document, for a convenor to file; and the copy
`/escalate` sends its convenor privately."""

from __future__ import annotations

from telegram import Bot, Message
from telegram.error import Forbidden
from telegram.ext import CommandHandler

from bot.errors import UserError
from bot.i18n import N_
from bot.rules.permissions import Who
from bot.rules.speakers import Speaker
from bot.services import prompts
from bot.services.common import WHO_TEXT, parse_number
from bot.services.minutes import MinutesFile, minutes_file
from bot.usage import USAGE
from handlers.common import Ctx, edge
from handlers.private import is_convenor_of, target_chat, where
from handlers.topic_choice import about_a_topic

CAPTION = N_("The minutes of topic #{number}, a Word document to edit, print and file.")


@edge
@about_a_topic("minutes")
async def minutes(ctx: Ctx) -> None:
    """In the group: the document there. In private: to the convenor, for the group last
    opened by a link (handlers/private.py)."""
    if len(ctx.args) != 1:
        raise UserError(USAGE["minutes"])
    number = parse_number(ctx.args[0])
    chat_id = await target_chat(ctx, number)
    convenor = await is_convenor_of(ctx, chat_id)
    if not convenor:
        raise UserError(WHO_TEXT[Who.CONVENOR])
    found = await minutes_file(ctx.rt, chat_id, ctx.actor_given(True), number, checked=True)
    text = ctx.t(CAPTION, number=number)
    if ctx.about:  # in private: the group it is from, named first
        text = f"{ctx.about}\n{text}"
    await send_minutes(ctx.context.bot, ctx.chat_id, ctx.place.thread_id, found, text)


async def send_minutes(
    bot: Bot, chat_id: int, thread_id: int | None, found: MinutesFile, text: str
) -> Message:
    return await bot.send_document(
        chat_id,
        found.data,
        filename=found.name,
        caption=text,
        message_thread_id=thread_id,
    )


async def minutes_privately(ctx: Ctx, chat_id: int, number: int) -> bool:
    """The minutes to the convenor acting now, in their private chat with the bot; False when
    they never started it (or blocked it since, or act as the group)."""
    if ctx.speaker is not Speaker.PERSON or not await prompts.reachable_privately(
        ctx.rt, ctx.user_id
    ):
        return False
    found = await minutes_file(ctx.rt, chat_id, ctx.actor_given(True), number, checked=True)
    text = where(ctx._, ctx.chat.title or "") + "\n" + ctx.t(CAPTION, number=number)
    try:
        await send_minutes(ctx.context.bot, ctx.user_id, None, found, text)
    except Forbidden as exc:
        from bot.services.followup import mark_undeliverable

        await mark_undeliverable(ctx.rt, ctx.user_id, "minutes", None, str(exc))
        return False
    return True


def register(app) -> None:
    app.add_handler(CommandHandler("minutes", minutes))
