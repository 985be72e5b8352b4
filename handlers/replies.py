"""Answers to the questions the bot asked: a ForceReply in the group, or a message in private."""

from __future__ import annotations

from telegram import ForceReply
from telegram.ext import MessageHandler, filters

from bot.i18n import N_
from bot.rules.phases import Stance
from bot.services import prompts
from bot.text import mention
from handlers import consultations, followup, referrals, topics, views, votes
from handlers.common import Ctx, edge
from storage.pending import Pending


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
    if message is None or ctx.person is None:
        return
    # A photo's (or any attachment's) caption counts as text; a voice note answers the view
    # question by itself; anything else is asked, once, for text.
    text = message.text or message.caption
    if not text and message.effective_attachment is None:
        return
    pending = await prompts.awaiting(ctx.rt, ctx.chat_id, ctx.user_id)
    if pending is None:
        return
    replied = message.reply_to_message
    if not ctx.chat.is_private:
        # In a group only a reply to the very question (or to the pointer to it) counts:
        # other chatter is not an answer.
        answering = (pending.prompt_message_id, pending.payload.get(POINTED_TO_QUESTION))
        if replied is None or replied.message_id not in answering:
            await point_to_question(ctx, pending)
            return
    voice = views.voice_of(message) if pending.kind == views.VIEW_PROMPT else None
    if voice is None and not text:
        await ask_for_text(ctx, pending)
        return
    if pending.kind == topics.PROPOSE_PROMPT:
        await topics.finish_proposal(ctx, text)
        await prompts.answered(ctx.rt, ctx.chat_id, ctx.user_id)
    elif pending.kind == views.VIEW_PROMPT:
        await views.record_view(
            ctx,
            pending.payload["number"],
            Stance(pending.payload["stance"]),
            text or "",
            message.message_id,
            voice,
        )
        await prompts.answered(ctx.rt, ctx.chat_id, ctx.user_id)
    elif pending.kind == votes.BLOCK_PROMPT:
        await votes.finish_block(ctx, pending.payload, text)
    elif pending.kind == votes.REASON_PROMPT:
        await votes.finish_reason(ctx, pending.payload, text)
    elif pending.kind == followup.PROGRESS_PROMPT:
        await followup.finish_progress(ctx, pending.payload, text)
    elif pending.kind == followup.COMMENT_PROMPT:
        await followup.finish_comment(ctx, pending.payload, text)
        return
    elif pending.kind == referrals.SEND_BACK_PROMPT:
        await referrals.finish_send_back(ctx, pending.payload, text)
    elif pending.kind == consultations.ANSWER_PROMPT:
        await consultations.finish_answer(ctx, pending.payload, text)
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
        await _delete_prompt(ctx, pending.payload.get(POINTED_TO_QUESTION) or None)


async def ask_for_text(ctx: Ctx, pending: Pending) -> None:
    """A sticker, a photo without caption (or a voice note where only text will do) answering
    the question: one polite request for text, once per question; the question stays open."""
    if pending.payload.get(ASKED_FOR_TEXT):
        return
    await prompts.ask(
        ctx.rt,
        pending.chat_id,
        pending.user_id,
        pending.kind,
        {**pending.payload, ASKED_FOR_TEXT: True},
        pending.prompt_message_id,
    )
    if pending.kind == views.VIEW_PROMPT:
        wanted = N_("Please answer the question with text or a voice note; I cannot read this.")
    elif pending.kind == views.ANON_PROMPT and ctx.message.voice is not None:
        wanted = N_("A voice could tell who you are: please write your anonymous view as text.")
    elif ctx.message.voice is not None:
        wanted = N_(
            "I cannot listen to voice notes for this: please answer the question with text."
        )
    else:
        wanted = N_(
            "Please answer the question with text (a photo's caption counts); I cannot read this."
        )
    await ctx.reply(ctx._(wanted))


# A pending question's payload key: its asker was already asked once to answer with text.
ASKED_FOR_TEXT = "asked_for_text"


async def point_to_question(ctx: Ctx, pending: Pending) -> None:
    """A member whom the bot asked a question writes in the group, but not as a reply to it:
    told, once per question, to reply, by a message that is itself a question aimed at them
    (a reply to it counts as the answer).

    What can be seen of this: in privacy mode (the default) a bot that is not an administrator
    receives, of a member's group messages, only commands, replies to its own messages and
    messages that mention it; so the answer typed as a reply to another of the bot's messages
    (a card) or with @bot in it is seen, and so is everything once the bot is an administrator
    (privacy mode does not bind administrators) or writes in a forum thread it opened (every
    message there replies to its opening message). A plain message replying to nothing, sent
    past a bot in privacy mode, never reaches it: nothing can be done about that one, which is
    why every question names its member (a real mention) so that Telegram opens the reply box
    for them."""
    if pending.prompt_message_id is None or pending.payload.get(POINTED_TO_QUESTION):
        return
    name = ctx.person.first_name if ctx.person else ""
    pointer = await ctx.reply(
        ctx.t(
            N_(
                "{name}, I did not take this as your answer: it is not a reply to my question. Reply to this message (or to my question) with your answer."
            ),
            name=mention(ctx.user_id, name),
        ),
        ForceReply(selective=True),
    )
    await prompts.ask(
        ctx.rt,
        pending.chat_id,
        pending.user_id,
        pending.kind,
        {**pending.payload, POINTED_TO_QUESTION: pointer.message_id if pointer else 0},
        pending.prompt_message_id,
    )


# A pending question's payload key: the message (a reply to the member's misplaced answer)
# that told them to reply to the question; a reply to it counts as the answer.
POINTED_TO_QUESTION = "pointed_to_question"


def register(app) -> None:
    app.add_handler(MessageHandler((filters.TEXT & ~filters.COMMAND) | filters.ATTACHMENT, on_text))
