"""Reopening a topic for deliberation: /reopen N, and the convenors' answer to the reopen
question a follow-up card brings (🔄 Reopen, ➡ Keep following)."""

from __future__ import annotations

import logging

from telegram import CallbackQuery
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot import callbacks, cards
from bot.errors import UserError
from bot.i18n import N_
from bot.services import followup as service
from bot.services.common import parse_number
from bot.usage import USAGE
from handlers.common import Ctx, answer_query, edge, html_to_toast
from handlers.render import card_waits_if_refused, post_about, post_topic_card
from handlers.threads import follow_status
from handlers.topic_choice import about_a_topic
from handlers.topics import group_only, need_args

log = logging.getLogger(__name__)


@edge
@about_a_topic("reopen")
async def reopen(ctx: Ctx) -> None:
    group_only(ctx)
    number = parse_number(need_args(ctx, 1, USAGE["reopen"], most=1)[0])
    await do_reopen(ctx, number)


async def do_reopen(ctx: Ctx, number: int, query: CallbackQuery | None = None) -> None:
    """Reopen topic `number`; a press (`query`) is answered once it is reopened, before the
    group messages (an answer is taken only within seconds; they may wait for the budget)."""
    topic = await service.reopen(ctx.rt, ctx.chat, await ctx.actor_looked_up(), number)
    if query is not None:
        await answer_query(query)
    # Its own thread is open again before anything is posted there (its schedule row, which
    # follows, then finds it so).
    async with card_waits_if_refused(ctx.rt, ctx.chat, topic):
        await follow_status(ctx.context.bot, ctx.rt, topic.id)
        await _post_reopened(ctx, topic, number)
    await post_topic_card(ctx.context.bot, ctx.rt, ctx.chat, topic)


async def _post_reopened(ctx: Ctx, topic, number: int) -> None:
    await post_about(
        ctx.context.bot,
        ctx.rt,
        ctx.chat,
        topic,
        ctx.t(
            N_(
                "Topic #{number} is reopened for deliberation (round {round}); views are open until {when}. Its whole history is kept."
            ),
            number=number,
            round=topic.round,
            when=cards.when(topic.phase_deadline, ctx.chat.settings, ctx.rt.clock.now()),
        ),
    )


@edge
async def on_reopen_button(ctx: Ctx) -> None:
    """🔄 Reopen or ➡ Keep following: either answer to the question is a convenor's (the rules
    say); once answered, the question loses its buttons."""
    query = ctx.update.callback_query
    press = callbacks.parse(query.data)
    answers = (callbacks.Kind.REOPEN, callbacks.Kind.KEEP_FOLLOWING)
    if press is None or press.kind not in answers or ctx.chat.is_private:
        raise UserError(N_("This button is no longer valid."))
    number = press.number
    await service.check_can_reopen(ctx.rt, ctx.chat_id, await ctx.actor_looked_up(), number)
    if press.kind == callbacks.Kind.REOPEN:
        await do_reopen(ctx, number, query)
    else:
        await answer_query(query, html_to_toast(ctx._("The follow-up goes on.")))
    try:
        await ctx.context.bot.edit_message_reply_markup(
            ctx.chat_id, query.message.message_id, reply_markup=None
        )
    except Exception:
        log.debug("could not clear the reopen buttons")


def register(app) -> None:
    app.add_handler(CommandHandler("reopen", reopen))
    app.add_handler(
        CallbackQueryHandler(
            on_reopen_button,
            pattern=callbacks.pattern(callbacks.Kind.REOPEN, callbacks.Kind.KEEP_FOLLOWING),
        )
    )
