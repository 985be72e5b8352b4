"""Messages written on behalf of a channel: nothing of deliberation is done for them.

A member may write in a group as a channel (their own, or the channel linked to the group):
Telegram then names the channel, never the person, so such a message can neither count as a
voice nor be refused to one person. Whatever it asks of the bot, nothing is stored; the first
time in a while (per channel and group) it is asked politely, in the group's language, to write
as the person behind it. Posts that the linked channel forwards into the group by itself are
nobody speaking to the bot: left alone. The group's anonymous administrators are not handled
here: they may do what a convenor does (bot.rules.permissions).
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, ApplicationHandlerStop, MessageHandler, filters

from bot.rules.speakers import Speaker
from bot.services.common import IN_PERSON_TEXT
from handlers.arrival import addressed_to_us
from handlers.common import Ctx, edge

# After the chat's own events (handlers/middleware.py) and rights (handlers/rights.py), before
# edits (handlers/edits.py) and any handler that acts.
SPEAKERS_GROUP = -60


def asks_the_bot(update: Update, bot_username: str, bot_id: int) -> bool:
    """A command for us, or a reply to a message of ours (not to the service message opening a
    forum topic, which every message in that topic replies to)."""
    if addressed_to_us(update, bot_username):
        return True
    message = update.message or update.edited_message
    replied = message.reply_to_message if message is not None else None
    return (
        replied is not None
        and replied.from_user is not None
        and replied.from_user.id == bot_id
        and replied.forum_topic_created is None
    )


@edge
async def on_behalf_of_a_channel(ctx: Ctx) -> None:
    if ctx.speaker is Speaker.CHANNEL and asks_the_bot(
        ctx.update, ctx.rt.bot_username, ctx.context.bot.id
    ):
        sender = ctx.message.sender_chat if ctx.message is not None else None
        key = (ctx.chat_id, sender.id if sender is not None else 0)
        if ctx.rt.asked_in_person.get(key) is None:
            ctx.rt.asked_in_person.put(key, True)
            await ctx.reply(ctx._(IN_PERSON_TEXT[Speaker.CHANNEL]))
    raise ApplicationHandlerStop


def register(app: Application) -> None:
    app.add_handler(
        MessageHandler(
            filters.ChatType.GROUPS & (filters.SenderChat.CHANNEL | filters.IS_AUTOMATIC_FORWARD),
            on_behalf_of_a_channel,
        ),
        group=SPEAKERS_GROUP,
    )
