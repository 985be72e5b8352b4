"""Votes in the group: /vote, the ballot card's buttons, /ballot (group or private), /close."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from telegram import ForceReply
from telegram.error import Forbidden, TelegramError
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot import callbacks, cards, numbers
from bot.errors import UserError
from bot.i18n import N_, translator
from bot.rules.phases import Choice, parse_choice
from bot.services import deadlines, prompts, votes, waiting
from bot.services.chats import load_chat_context
from bot.services.common import parse_number
from bot.text import mention
from bot.usage import USAGE
from handlers import rights
from handlers.common import Ctx, answer_query, edge, html_to_toast, post
from handlers.private import about, is_member, linked_group, target_chat, where
from handlers.render import point_to_thread, post_about, refresh_ballot_card, refresh_topic_card
from handlers.topic_choice import about_a_topic
from handlers.topics import group_only, need_args

log = logging.getLogger(__name__)

BLOCK_PROMPT = "block"
BLOCK_QUESTION = N_(
    "{name}, reply to this message with the reason for your block on topic #{number}."
)
# ✍ on the ballot card: why one disagrees, never required.
REASON_PROMPT = "disagree_reason"
REASON_QUESTION = N_(
    "{name}, if you wish, reply to this message with why you disagree on topic #{number}. It is not required: your ballot counts as it is."
)
CHOICE_TOAST = {
    Choice.AGREE: N_("Your ballot: agree. You can change it until the vote closes."),
    Choice.ABSTAIN: N_("Your ballot: abstain. You can change it until the vote closes."),
    Choice.DISAGREE: N_(
        "Your ballot: disagree. You may say why with ✍ on the card (not required), and change your ballot until the vote closes."
    ),
    Choice.BLOCK: N_("Your ballot: block. You can change it until the vote closes."),
}


async def member_count(ctx: Ctx) -> int:
    try:
        return await ctx.context.bot.get_chat_member_count(ctx.chat_id)
    except TelegramError as exc:
        log.warning("getChatMemberCount failed in %s: %s", ctx.chat_id, exc)
        raise UserError(
            N_("Telegram did not tell me how many members this group has; please try again.")
        ) from None


@edge
@about_a_topic("vote")
async def open_vote(ctx: Ctx) -> None:
    group_only(ctx)
    args = need_args(ctx, 2, USAGE["vote"])
    if len(args) > 3:
        raise UserError(USAGE["vote"])
    number, draft = parse_number(args[0]), numbers.draft_number(args[1])
    actor = await ctx.actor_looked_up()
    await votes.check_can_open(ctx.rt, ctx.chat_id, actor, number)
    state = await votes.open_vote(
        ctx.rt,
        ctx.chat_id,
        actor,
        number,
        draft,
        ctx.chat.settings,
        await member_count(ctx),
        args[2] if len(args) > 2 else None,
        # Under secret ballot a ballot typed in the group is deleted, if the bot may.
        bot_can_delete=await bot_can_delete(ctx) if ctx.chat.settings.secret_ballot else True,
    )
    await post_ballot_card(ctx.context.bot, ctx.rt, ctx.chat, state)
    await point_to_thread(ctx, state.topic)


async def bot_can_delete(ctx: Ctx) -> bool:
    """May the bot delete members' messages in this group (getChatMember of itself)?"""
    return await rights.can_delete_in(
        ctx.context.application, ctx.chat_id, ctx.update.effective_chat.type
    )


async def post_ballot_card(bot, rt, chat, state, waits: bool = True) -> None:
    """The ballot card in the group. If the group will not take it now, the vote stays open
    and its card waits for the group (`waits`; the waiting row itself passes False)."""
    _ = translator(chat.language)
    text, markup = cards.ballot_card(_, state, chat.settings, rt.bot_username, now=rt.clock.now())
    try:
        message = await post_about(bot, rt, chat, state.topic, text, markup)
    except TelegramError as exc:
        if not waits or rights.chat_refusal(exc) is None:
            raise
        await waiting.hold_card(rt, chat.chat_id, "ballot", state.vote.id)
        log.info("ballot card of vote %s waits for chat %s: %s", state.vote.id, chat.chat_id, exc)
        return
    await votes.set_card(rt, state.vote.id, message.message_id)


@edge
async def on_ballot_button(ctx: Ctx) -> None:
    query = ctx.update.callback_query
    press = callbacks.parse(query.data)
    if press is None or press.kind != callbacks.Kind.BALLOT:
        raise UserError(N_("This button is no longer valid."))
    chat_id = ctx.chat_id
    if ctx.chat.is_private:
        # A private ballot card names its vote; the vote names its group.
        chat_id = await votes.chat_of_vote(ctx.rt, press.vote_id)
        if chat_id is None or not await is_member(ctx, chat_id):
            raise UserError(N_("This button is no longer valid."))
    actor = await ctx.actor_in_person(chat_id)
    if press.choice is Choice.BLOCK:
        # Nobody is asked for a reason whose ballot would then be refused.
        await votes.check_can_cast(ctx.rt, chat_id, actor, press.number)
        await ask_block_reason(ctx, chat_id, press.number, press.vote_id)
        return
    cast = await votes.cast_ballot(
        ctx.rt, chat_id, actor, press.number, press.choice, vote_id=press.vote_id
    )
    await answer_query(query, html_to_toast(ctx._(CHOICE_TOAST[cast.choice])))


async def ask_block_reason(ctx: Ctx, chat_id: int, number: int, vote_id: int | None) -> None:
    """A block needs a reason: asked with a ForceReply, or privately under secret ballot."""
    await ask_reason(
        ctx,
        chat_id,
        number,
        vote_id,
        Question(
            BLOCK_PROMPT,
            BLOCK_QUESTION,
            N_("Reason for the block"),
            N_("A block needs a reason: reply to the bot's question."),
            N_(
                "Under secret ballot I ask for the reason privately: open a private chat with me (🗳 Vote in private) and press Block again."
            ),
            "block_reason",
        ),
    )


# Said in private under an open ballot (the private chat is not a secret ballot): on the private
# ballot card and with a reason asked there.
OPEN_BALLOT = N_(
    "This vote is open, not secret: your choice and your reason will be shown with your name in the result."
)


@dataclass(frozen=True)
class Question:
    """What the bot asks about a ballot: the pending kind, the question (with {name} and
    {number}), its placeholder, the toast of a press in the group, and the refusal under
    secret ballot to someone who has not started the bot (all msgids)."""

    kind: str
    text: str
    placeholder: str
    toast: str
    not_reachable: str
    # What a private question that could not be sent is noted as (bot.services.followup).
    undeliverable: str


async def ask_reason(
    ctx: Ctx, chat_id: int, number: int, vote_id: int | None, question: Question
) -> None:
    """Ask a member for the reason of their ballot: a ForceReply in the group that names them,
    or in private under secret ballot (or when the press was in private)."""
    state = await votes.current_vote(ctx.rt, chat_id, number)
    if vote_id is not None and (state.vote.id != vote_id or not state.vote.is_open):
        raise UserError(N_("This vote is closed."))
    payload = {"chat_id": chat_id, "number": number, "vote_id": state.vote.id}
    name = ctx.person.first_name if ctx.person else ""
    placeholder = ctx._(question.placeholder)
    query = ctx.update.callback_query
    if state.vote.secret or ctx.chat.is_private:
        # A press in private comes from an open private chat; from the group, only someone who
        # started the bot can be written to there. Known before the press is answered: the
        # answer comes first, and only one answer is taken.
        if not ctx.chat.is_private and not await prompts.reachable_privately(ctx.rt, ctx.user_id):
            raise UserError(question.not_reachable)
        group = await load_chat_context(ctx.rt, chat_id)
        # In private the question names its group: the member may belong to several.
        asked = (
            where(ctx._, group.title if group else "?", number)
            + "\n"
            + ctx.t(question.text, name=name, number=number)
        )
        if not state.vote.secret:  # asked in private, shown with their name all the same
            asked += "\n" + ctx._(OPEN_BALLOT)
        await answer_query(
            query, html_to_toast(ctx._("I asked for your reason in our private chat."))
        )
        try:
            prompt = await ctx.context.bot.send_message(
                ctx.user_id, asked, reply_markup=ForceReply(input_field_placeholder=placeholder)
            )
        except Forbidden as exc:
            # Blocked since they started the bot: noted, so that the next press says so.
            from bot.services.followup import mark_undeliverable

            await mark_undeliverable(
                ctx.rt, ctx.user_id, question.undeliverable, state.vote.id, str(exc)
            )
            return
        await prompts.ask(
            ctx.rt, ctx.user_id, ctx.user_id, question.kind, payload, prompt.message_id
        )
        return
    # Answered before the question is posted: an answer is taken only within seconds, and a
    # group message may have to wait for the group's sending budget.
    await answer_query(query, html_to_toast(ctx._(question.toast)))
    # The question names its member with a real mention: Telegram opens the reply box
    # (ForceReply, selective) only for a mentioned member or the author of a replied message.
    prompt = await post(
        ctx.context.bot,
        ctx.place,  # the ballot card's thread
        ctx.t(question.text, name=mention(ctx.user_id, name), number=number),
        ForceReply(selective=True, input_field_placeholder=placeholder),
    )
    await prompts.ask(ctx.rt, chat_id, ctx.user_id, question.kind, payload, prompt.message_id)


DISAGREE_REASON = Question(
    REASON_PROMPT,
    REASON_QUESTION,
    N_("Why you disagree (optional)"),
    N_("Reply to the bot's question with your reason, if you wish."),
    N_(
        "Under secret ballot I ask for your reason privately: open a private chat with me (🗳 Vote in private) and press ✍ again."
    ),
    "disagree_reason",
)


@edge
async def on_reason_button(ctx: Ctx) -> None:
    """✍ on a ballot card: the member who disagrees is asked why (optional)."""
    query = ctx.update.callback_query
    press = callbacks.parse(query.data)
    if press is None or press.reason_vote_id is None:
        raise UserError(N_("This button is no longer valid."))
    chat_id = ctx.chat_id
    if ctx.chat.is_private:
        chat_id = await votes.chat_of_vote(ctx.rt, press.reason_vote_id)
        if chat_id is None or not await is_member(ctx, chat_id):
            raise UserError(N_("This button is no longer valid."))
    actor = await ctx.actor_in_person(chat_id)
    # Nobody is asked for a reason that would then not be kept.
    await votes.check_disagrees(ctx.rt, chat_id, actor, press.number, press.reason_vote_id)
    await ask_reason(ctx, chat_id, press.number, press.reason_vote_id, DISAGREE_REASON)


async def finish_reason(ctx: Ctx, payload: dict, reason: str) -> None:
    """The answer to ✍'s question: kept with the disagree ballot; a reaction on it in the
    group (or, failing that, and in private, one line) says so."""
    chat_id, number = payload["chat_id"], payload["number"]
    await about(ctx, chat_id, number)
    await votes.give_disagree_reason(
        ctx.rt,
        chat_id,
        await ctx.actor_in_person(chat_id),
        number,
        payload["vote_id"],
        reason,
    )
    await prompts.answered(ctx.rt, ctx.chat_id, ctx.user_id)
    kept = ctx._(N_("Your reason is kept with your disagree ballot."))
    if ctx.chat.is_private:
        await ctx.reply(kept)
    else:
        await ack_in_group(ctx, kept, secret=False)


async def finish_block(ctx: Ctx, payload: dict, reason: str) -> None:
    chat_id, number = payload["chat_id"], payload["number"]
    await about(ctx, chat_id, number)
    await votes.cast_ballot(
        ctx.rt,
        chat_id,
        await ctx.actor_in_person(chat_id),
        number,
        Choice.BLOCK,
        reason,
        vote_id=payload["vote_id"],
    )
    await prompts.answered(ctx.rt, ctx.chat_id, ctx.user_id)
    await ctx.reply(ctx._(CHOICE_TOAST[Choice.BLOCK]))


@edge
@about_a_topic("ballot", ask=False)
async def ballot(ctx: Ctx) -> None:
    """/ballot N agree|abstain|disagree|block [reason], in the group or in private."""
    parts = ctx.command_text().split(maxsplit=2)
    if len(parts) < 2:
        raise UserError(USAGE["ballot"])
    number, choice = parse_number(parts[0]), parse_choice(parts[1])
    if choice is None:
        raise UserError(USAGE["ballot"])
    chat_id = await target_chat(ctx, number)
    cast = await votes.cast_ballot(
        ctx.rt,
        chat_id,
        await ctx.actor_in_person(chat_id),
        number,
        choice,
        parts[2] if len(parts) > 2 else None,
        typed_in_group=not ctx.chat.is_private,
    )
    text = ctx._(CHOICE_TOAST[choice])
    if ctx.chat.is_private:
        await ctx.reply(text)
    else:
        # In the group, a ballot costs no message when the vote is secret: only a reaction.
        await ack_in_group(ctx, text, cast.secret)


async def ack_in_group(ctx: Ctx, text: str, secret: bool) -> None:
    from telegram import ReactionTypeEmoji
    from telegram.error import BadRequest

    try:
        await ctx.context.bot.set_message_reaction(
            ctx.chat_id, ctx.message.message_id, [ReactionTypeEmoji("👌")]
        )
    except BadRequest:
        if not secret:
            await ctx.reply(text)
    if secret:
        await remove_typed_secret(ctx)


async def remove_typed_secret(ctx: Ctx) -> None:
    """A command that showed a secret choice to the group (a typed ballot, a proxy ballot) is
    deleted. If it cannot be (the right was taken a moment ago, or the message is too old), its
    writer is asked to delete it: the ballot counts, but the group can read it until then."""
    try:
        await ctx.context.bot.delete_message(ctx.chat_id, ctx.message.message_id)
    except TelegramError as exc:
        if rights.chat_refusal(exc) is not None:
            raise
        log.info("a typed secret choice could not be deleted: %s", exc)
        await ctx.reply(
            ctx.t(
                N_(
                    "{name}, your ballot counts, but I could not delete your message: please delete it yourself so that the vote stays secret."
                ),
                name=mention(ctx.user_id, ctx.person.first_name if ctx.person else ""),
            )
        )


async def start_private_ballot(ctx: Ctx, payload: str) -> bool:
    linked = await linked_group(ctx, payload, callbacks.Link.PRIVATE_BALLOT)
    if linked is None:
        return False
    group, number = linked
    state = await votes.current_vote(ctx.rt, group.chat_id, number)
    text, markup = cards.ballot_card(
        ctx._, state, group.settings, ctx.rt.bot_username, in_group=False, now=ctx.rt.clock.now()
    )
    if not state.vote.secret:
        # Voting in private does not make the ballot secret: said before the member chooses.
        text += "\n" + ctx._(OPEN_BALLOT)
    await ctx.reply(text, markup)
    return True


@edge
@about_a_topic("close")
async def close(ctx: Ctx) -> None:
    group_only(ctx)
    number = parse_number(need_args(ctx, 1, USAGE["close"], most=1)[0])
    closed = await votes.close_vote(ctx.rt, ctx.chat_id, await ctx.actor_looked_up(), number)
    if closed is None:
        raise UserError(N_("This vote is closed."))
    # The result card is a schedule row due now: it runs in this chat's lane right after, in
    # the topic's thread.
    await point_to_thread(ctx, closed.state.topic)


@edge
@about_a_topic("extend")
async def extend(ctx: Ctx) -> None:
    group_only(ctx)
    usage = USAGE["extend"]
    if len(ctx.args) == 1 and numbers.read_topic(ctx.args[0]) is not None:
        # The number is there: say only what is missing.
        given = numbers.read_topic(ctx.args[0])
        raise UserError(
            N_("Say how much longer topic #{number} gets. For example: /extend {number} 1d"),
            number=given,
        )
    number, duration = need_args(ctx, 2, usage, most=2)
    done = await deadlines.extend(
        ctx.rt,
        ctx.chat_id,
        await ctx.actor_looked_up(),
        parse_number(number),
        duration,
        ctx.chat.settings,
    )
    message = (
        N_("The vote on topic #{number} now closes {when}.")
        if done.deadline == deadlines.VOTE
        else N_("Views on topic #{number} now close {when}.")
    )
    when = cards.when(done.now_closes, ctx.chat.settings, ctx.rt.clock.now())
    text = ctx.t(message, number=done.topic.number, when=when)
    if done.moved_out_of_quiet:
        text += "\n" + ctx.t(
            N_("(Moved to the end of the quiet hours {hours}: nothing closes at night.)"),
            hours=ctx.chat.settings.quiet_hours,
        )
    await ctx.reply(text)


async def post_result(app, rt, vote_id: int, before_the_rest: Any) -> None:
    """The result card in the group; then `before_the_rest()` (the schedule marks its row done
    there, so that nothing after the card can make it post twice); then, best effort, the
    ballot and topic cards frozen with the result and the subscribers' private copies."""
    from bot.services.followup import subscribers_of
    from handlers.followup.subscriptions import send_private

    closed = await votes.result_of(rt, vote_id)
    topic = closed.state.topic
    chat = await load_chat_context(rt, topic.chat_id)
    recorder = [closed.hands.recorded_by] if closed.hands is not None else []
    names = await prompts.names(rt, [*(b.user_id for b in closed.dissent), *recorder])
    text = cards.result_card(translator(chat.language), closed, names)
    await post_about(app.bot, rt, chat, topic, text)
    await before_the_rest()
    refresher = rt.card_edits
    refresher.forget("vote", vote_id)
    refresher.forget("topic", topic.id)
    try:
        await refresh_ballot_card(app.bot, rt, vote_id)
        await refresh_topic_card(app.bot, rt, chat.chat_id, topic.id)
    except TelegramError as exc:
        log.warning("cards of vote %s not refreshed after the result: %s", vote_id, exc)
    for user_id in await subscribers_of(rt, topic.id):
        await send_private(app, rt, user_id, text, "result", vote_id)


def register(app) -> None:
    app.add_handler(CommandHandler("vote", open_vote))
    app.add_handler(CommandHandler("ballot", ballot))
    app.add_handler(CommandHandler("close", close))
    app.add_handler(CommandHandler("extend", extend))
    app.add_handler(
        CallbackQueryHandler(on_ballot_button, pattern=callbacks.pattern(callbacks.Kind.BALLOT))
    )
    app.add_handler(
        CallbackQueryHandler(on_reason_button, pattern=callbacks.pattern(callbacks.Kind.REASON))
    )
