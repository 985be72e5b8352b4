"""Consensus wording in the group: /draft, /amend (as a reply to a draft), /drafts."""

from __future__ import annotations

from telegram.ext import CommandHandler

from bot import cards
from bot.errors import UserError
from bot.i18n import N_, translator
from bot.services import drafts as service
from bot.services import prompts
from bot.services.chats import load_chat_context
from bot.services.common import parse_number
from bot.usage import USAGE
from handlers.common import Ctx, edge
from handlers.render import answer_about, edit, send_pages
from handlers.topic_choice import about_a_topic
from handlers.topics import group_only, need_args


async def post_draft(ctx: Ctx, topic, draft) -> None:
    text = cards.draft_posted(ctx._, topic, draft, ctx.person.first_name if ctx.person else "")
    message = await answer_about(ctx, topic, text)
    if message is not None:
        await service.set_message(ctx.rt, draft.id, message.message_id)


async def refresh_draft_post(bot, rt, chat_id: int, draft_id: int) -> None:
    """The bot's post of a draft, brought up to date after its author edited the message that
    made it (DraftChanged)."""
    posted = await service.posted(rt, draft_id)
    chat = await load_chat_context(rt, chat_id)
    if posted is None or chat is None or posted[1].message_id is None:
        return
    topic, saved, name = posted
    await edit(
        bot,
        chat_id,
        saved.message_id,
        cards.draft_posted(translator(chat.language), topic, saved, name),
        None,
    )


@edge
@about_a_topic("draft")
async def draft(ctx: Ctx) -> None:
    group_only(ctx)
    parts = ctx.command_text().split(maxsplit=1)
    if len(parts) < 2:
        raise UserError(USAGE["draft"])
    topic, saved = await service.add_draft(
        ctx.rt, ctx.chat_id, ctx.actor_given(), parse_number(parts[0]), parts[1]
    )
    await post_draft(ctx, topic, saved)


@edge
async def amend(ctx: Ctx) -> None:
    group_only(ctx)
    replied = ctx.message.reply_to_message if ctx.message else None
    text = ctx.command_text()
    if not text:
        raise UserError(N_("Reply to a draft's message with /amend and the new wording."))
    topic, _parent, saved = await service.amend(
        ctx.rt, ctx.chat_id, ctx.actor_given(), replied.message_id if replied else None, text
    )
    await post_draft(ctx, topic, saved)


@edge
@about_a_topic("drafts")
async def drafts(ctx: Ctx) -> None:
    group_only(ctx)
    number = parse_number(need_args(ctx, 1, USAGE["drafts"], most=1)[0])
    topic, rows = await service.list_drafts(ctx.rt, ctx.chat_id, number)
    names = await prompts.names(ctx.rt, [d.author_id for d in rows])
    header, items = cards.drafts_list(ctx._, topic, rows, names, ctx.chat.settings)
    await send_pages(ctx.context.bot, ctx.place, header, items)


def register(app) -> None:
    app.add_handler(CommandHandler("draft", draft))
    app.add_handler(CommandHandler("amend", amend))
    app.add_handler(CommandHandler("drafts", drafts))
