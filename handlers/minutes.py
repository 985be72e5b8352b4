"""`/minutes N`: a topic's minutes as a Word document, for a convenor to file; and the copy
`/escalate` sends its convenor privately.

The minutes hold the residents' private comments (told they go "only to the convenors"), so the
document never goes to a group: asked in a group, it goes to the convenor who asked, in their
private chat with the bot; one who never started that chat gets a "📄 Get the minutes" deep link
that starts it and then delivers the document (open_minutes_link)."""

from __future__ import annotations

from telegram import Bot, Message
from telegram.error import Forbidden
from telegram.ext import CommandHandler

from bot import callbacks
from bot.buttons import Button, Keyboard, keyboard
from bot.errors import UserError
from bot.i18n import N_
from bot.rules.permissions import Who
from bot.rules.speakers import Speaker
from bot.services import prompts
from bot.services.common import WHO_TEXT, parse_number
from bot.services.minutes import MinutesFile, minutes_file
from bot.usage import USAGE
from handlers.common import Ctx, edge
from handlers.private import is_convenor_of, linked_group, target_chat, where
from handlers.topic_choice import about_a_topic

CAPTION = N_("The minutes of topic #{number}, a Word document to edit, print and file.")
SENT_PRIVATELY = N_(
    "The minutes of topic #{number} went to you in our private chat: they hold private comments, so they are never posted in the group."
)
GET_PRIVATELY = N_(
    "The minutes of topic #{number} hold private comments, so they go to you privately: press the button to open our private chat and get them."
)
GET_PRIVATELY_NO_LINK = N_(
    "The minutes of topic #{number} hold private comments, so they go to you privately: start a private chat with me, then send /minutes {number} there."
)


@edge
@about_a_topic("minutes")
async def minutes(ctx: Ctx) -> None:
    """In private: the document to the convenor, for the group last opened by a link
    (handlers/private.py). In a group: the same, privately (minutes_privately), or a link
    that starts the private chat (get_minutes_offer); never the document in the group."""
    if len(ctx.args) != 1:
        raise UserError(USAGE["minutes"])
    number = parse_number(ctx.args[0])
    chat_id = await target_chat(ctx, number)
    convenor = await is_convenor_of(ctx, chat_id)
    if not convenor:
        raise UserError(WHO_TEXT[Who.CONVENOR])
    if not ctx.chat.is_private:
        # Never in the group: privately to the convenor who asked, or a link that starts the
        # private chat and delivers it there.
        if await minutes_privately(ctx, chat_id, number):
            sent = await ctx.reply(ctx.t(SENT_PRIVATELY, number=number))
            if sent is not None:
                await ctx.tidy_refusal(sent)  # a quiet reply: it goes with the command
            return
        await ctx.reply(*get_minutes_offer(ctx, chat_id, number))
        return
    found = await minutes_file(ctx.rt, chat_id, ctx.actor_given(True), number, checked=True)
    text = ctx.t(CAPTION, number=number)
    if ctx.about:  # in private: the group it is from, named first
        text = f"{ctx.about}\n{text}"
    await send_minutes(ctx.context.bot, ctx.chat_id, None, found, text)


def get_minutes_offer(ctx: Ctx, chat_id: int, number: int) -> tuple[str, Keyboard | None]:
    """What a group is told when a convenor's minutes cannot go to them privately yet: a
    deep link that starts the private chat and delivers them there (open_minutes_link)."""
    if not ctx.rt.bot_username:
        return ctx.t(GET_PRIVATELY_NO_LINK, number=number), None
    button = Button(
        ctx._("📄 Get the minutes"),
        url=callbacks.start_link(ctx.rt.bot_username, callbacks.Link.MINUTES, chat_id, number),
    )
    return ctx.t(GET_PRIVATELY, number=number), keyboard([[button]])


async def open_minutes_link(ctx: Ctx, payload: str) -> bool:
    """/start mn_<chat>_<number> (📄 Get the minutes): the document, here in private, to a
    convenor of that group; anyone else is refused as /minutes refuses them. True when the
    payload was this link."""
    linked = await linked_group(ctx, payload, callbacks.Link.MINUTES)
    if linked is None:
        return False
    group, number = linked
    if not await is_convenor_of(ctx, group.chat_id):
        raise UserError(WHO_TEXT[Who.CONVENOR])
    found = await minutes_file(ctx.rt, group.chat_id, ctx.actor_given(True), number, checked=True)
    text = ctx.t(CAPTION, number=number)
    if ctx.about:
        text = f"{ctx.about}\n{text}"
    await send_minutes(ctx.context.bot, ctx.chat_id, None, found, text)
    return True


async def send_minutes(
    bot: Bot, chat_id: int, thread_id: int | None, found: MinutesFile, text: str
) -> Message:
    """The document into a private chat `chat_id` (the only place it may go)."""
    if chat_id < 0:  # a group's id: the minutes hold private comments
        raise ValueError("the minutes go to private chats only")
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
