"""Satisfaction ratings: the rating buttons on a follow-up card, and the comment a member adds
to their rating privately (the card's 💬 link, then a message in private)."""

from __future__ import annotations

from telegram.ext import CallbackQueryHandler

from bot import callbacks, followup_cards
from bot.errors import UserError
from bot.i18n import N_
from bot.services import followup as service
from bot.services import prompts
from handlers.common import Ctx, answer_query, edge, html_to_toast
from handlers.private import about, linked_group

COMMENT_PROMPT = "rating_comment"


@edge
async def on_rating_button(ctx: Ctx) -> None:
    query = ctx.update.callback_query
    press = callbacks.parse(query.data)
    if press is None or press.kind != callbacks.Kind.RATE or ctx.chat.is_private:
        raise UserError(N_("This button is no longer valid."))
    value = press.rating
    _topic, current, _previous = await service.rate(
        ctx.rt, ctx.chat_id, await ctx.actor_in_person(), press.number, press.round_id, value
    )
    await answer_query(
        query,
        html_to_toast(
            ctx.t(
                N_(
                    "Thank you: your rating is “{rating}”. You can change it, or add a comment privately."
                ),
                rating=ctx._(followup_cards.RATING_LABEL[value]),
            )
        ),
    )


async def open_comment_link(ctx: Ctx, payload: str) -> bool:
    """/start rc_<chat>_<number>: the next message in private is a comment on the member's
    rating of that topic. True when the payload was this link."""
    linked = await linked_group(ctx, payload, callbacks.Link.RATING_COMMENT)
    if linked is None:
        return False
    group, number = linked
    await prompts.ask(
        ctx.rt,
        ctx.chat_id,
        ctx.user_id,
        COMMENT_PROMPT,
        {"chat_id": group.chat_id, "number": number},
        None,
    )
    await ctx.reply(
        ctx.t(
            N_(
                "Send your comment on topic #{number} as a message here; it is added to your latest rating."
            ),
            number=number,
        )
    )
    return True


async def finish_comment(ctx: Ctx, payload: dict, text: str) -> None:
    await about(ctx, payload["chat_id"], payload["number"])
    await service.comment(ctx.rt, payload["chat_id"], ctx.user_id, payload["number"], text)
    await prompts.answered(ctx.rt, ctx.chat_id, ctx.user_id)
    await ctx.reply(ctx._("Thank you, your comment was added."))


def register(app) -> None:
    app.add_handler(
        CallbackQueryHandler(on_rating_button, pattern=callbacks.pattern(callbacks.Kind.RATE))
    )
