"""Answers to the questions the bot asked: a ForceReply in the group, or a message in private."""

from __future__ import annotations

from telegram.ext import MessageHandler, filters

from bot.rules.phases import Stance
from bot.services import prompts
from handlers import followup, topics, views, votes
from handlers.common import Ctx, edge


async def _delete_prompt(ctx: Ctx, message_id: int | None) -> None:
    from telegram.error import TelegramError

    if message_id is None:
        return
    try:
        await ctx.context.bot.delete_message(ctx.chat_id, message_id)
    except TelegramError:
        pass  # already gone, or no right to delete: harmless


@edge
async def on_text(ctx: Ctx) -> None:
    message = ctx.message
    if message is None or not message.text or ctx.person is None:
        return
    pending = await prompts.awaiting(ctx.rt, ctx.chat_id, ctx.user_id)
    if pending is None:
        return
    replied = message.reply_to_message
    if not ctx.chat.is_private:
        # In a group only a reply to the very question counts: other chatter is not an answer.
        if replied is None or replied.message_id != pending.prompt_message_id:
            return
    text = message.text
    if pending.kind == topics.PROPOSE_PROMPT:
        await topics.finish_proposal(ctx, text)
        await prompts.answered(ctx.rt, ctx.chat_id, ctx.user_id)
    elif pending.kind == views.VIEW_PROMPT:
        await views.record_view(
            ctx,
            pending.payload["number"],
            Stance(pending.payload["stance"]),
            text,
            message.message_id,
        )
        await prompts.answered(ctx.rt, ctx.chat_id, ctx.user_id)
    elif pending.kind == votes.BLOCK_PROMPT:
        await votes.finish_block(ctx, pending.payload, text)
    elif pending.kind == followup.PROGRESS_PROMPT:
        await followup.finish_progress(ctx, pending.payload, text)
    elif pending.kind == followup.COMMENT_PROMPT:
        await followup.finish_comment(ctx, pending.payload, text)
        return
    elif pending.kind == views.ANON_PROMPT:
        if "stance" not in pending.payload:
            from bot.i18n import N_

            await ctx.reply(
                ctx._(N_("First choose the stance of your view with the buttons above."))
            )
            return
        await views.post_anonymous(ctx, pending.payload, text)
        return
    else:
        return
    if not ctx.chat.is_private:
        await _delete_prompt(ctx, pending.prompt_message_id)


def register(app) -> None:
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, on_text))
