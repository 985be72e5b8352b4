"""Messages written on behalf of a channel, or of the group: not a person speaking.

A member may write in a group as a channel (their own, or the channel linked to the group):
Telegram then names the channel, never the person, so such a message can neither count as a
voice nor be refused to one person. Whatever it asks of the bot, nothing is stored; the first
time in a while (per channel and group) it is asked politely, in the group's language, to write
as the person behind it. Posts that the linked channel forwards into the group by itself are
nobody speaking to the bot: left alone.

The group's anonymous administrators may do what a convenor does, and the rules refuse them
what counts one person, one voice (bot.rules.permissions). One more case is caught here: an
answer, written as the group, to a question the bot asked one person (who pressed a button as
themselves): it cannot count as that person's, and they are told how to answer in person.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, ApplicationHandlerStop, MessageHandler, filters

from bot.i18n import N_
from bot.rules.speakers import Speaker
from bot.services import prompts
from bot.services.common import IN_PERSON_TEXT
from handlers.arrival import addressed_to_us
from handlers.common import Ctx, edge

# After the chat's own events (handlers/middleware.py) and rights (handlers/rights.py), before
# edits (handlers/edits.py) and any handler that acts.
SPEAKERS_GROUP = -60

ANSWER_IN_PERSON = N_(
    "You are writing as the group (an anonymous administrator), so this cannot count as the answer of the person I asked. Please answer as yourself: turn off “Remain anonymous” in your administrator rights, then reply to my question again."
)


def asks_the_bot(update: Update, bot_username: str, bot_id: int) -> bool:
    """A command for us, or a reply to a message of ours (not to the service message opening a
    forum topic, which every message in that topic replies to)."""
    if addressed_to_us(update, bot_username):
        return True
    return _replied_to_us(update, bot_id) is not None


def _replied_to_us(update: Update, bot_id: int) -> int | None:
    """The id of the message of ours this message replies to, if it does."""
    message = update.message or update.edited_message
    replied = message.reply_to_message if message is not None else None
    if (
        replied is not None
        and replied.from_user is not None
        and replied.from_user.id == bot_id
        and replied.forum_topic_created is None
    ):
        return replied.message_id
    return None


@edge
async def on_behalf_of_a_chat(ctx: Ctx) -> None:
    if ctx.speaker is Speaker.GROUP:
        await _answer_as_the_group(ctx)
        return
    if ctx.speaker is Speaker.CHANNEL and asks_the_bot(
        ctx.update, ctx.rt.bot_username, ctx.context.bot.id
    ):
        sender = ctx.message.sender_chat if ctx.message is not None else None
        key = (ctx.chat_id, sender.id if sender is not None else 0)
        if ctx.rt.asked_in_person.get(key) is None:
            ctx.rt.asked_in_person.put(key, True)
            await ctx.reply(ctx._(IN_PERSON_TEXT[Speaker.CHANNEL]))
    raise ApplicationHandlerStop


async def _answer_as_the_group(ctx: Ctx) -> None:
    """An anonymous administrator replying to a question the bot asked a person (not one it
    asked the group itself, e.g. the title after a bare /propose): told why it does not count;
    the question stays open for its person. Anything else goes on to the other handlers."""
    if ctx.update.message is None:
        return
    replied = _replied_to_us(ctx.update, ctx.context.bot.id)
    if replied is None:
        return
    question = await prompts.asked_by(ctx.rt, ctx.chat_id, replied)
    if question is None or question.user_id == ctx.user_id:
        return
    await ctx.reply(ctx._(ANSWER_IN_PERSON))
    raise ApplicationHandlerStop


def register(app: Application) -> None:
    app.add_handler(
        MessageHandler(
            filters.ChatType.GROUPS & (filters.SenderChat.ALL | filters.IS_AUTOMATIC_FORWARD),
            on_behalf_of_a_chat,
        ),
        group=SPEAKERS_GROUP,
    )
