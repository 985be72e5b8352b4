"""Following a topic privately: the 🔔 Notify me link, /subscribe, /unsubscribe,
/mysubscriptions; and send_private, by which every private copy goes out (a member who never
started the bot, or blocked it, is recorded rather than retried)."""

from __future__ import annotations

import logging
from typing import Any

from telegram.error import Forbidden, TelegramError
from telegram.ext import Application, CommandHandler

from bot import callbacks
from bot.cards import status_text
from bot.i18n import N_
from bot.runtime import Runtime
from bot.services import followup as service
from bot.services.common import parse_number
from bot.text import esc
from bot.usage import USAGE
from handlers.common import Ctx, edge, to_markup
from handlers.private import linked_group, target_chat
from handlers.render import send_pages
from handlers.topic_choice import about_a_topic
from handlers.topics import need_args

log = logging.getLogger(__name__)


async def open_subscribe_link(ctx: Ctx, payload: str) -> bool:
    """/start sub_<chat>_<number> (🔔 Notify me): follow that topic here. True when the payload
    was this link."""
    linked = await linked_group(ctx, payload, callbacks.Link.SUBSCRIBE)
    if linked is None:
        return False
    group, number = linked
    topic, _changed = await service.subscribe(ctx.rt, group.chat_id, ctx.user_id, number, True)
    await ctx.reply(
        ctx.t(
            N_(
                "You will get the follow-up of topic #{number} ({title}) here. /unsubscribe {number} stops it."
            ),
            number=number,
            title=topic.title,
        )
    )
    return True


@edge
@about_a_topic("subscribe")
async def subscribe(ctx: Ctx) -> None:
    await _subscription(ctx, True)


@edge
@about_a_topic("unsubscribe")
async def unsubscribe(ctx: Ctx) -> None:
    await _subscription(ctx, False)


async def _subscription(ctx: Ctx, on: bool) -> None:
    usage = USAGE["subscribe"] if on else USAGE["unsubscribe"]
    number = parse_number(need_args(ctx, 1, usage, most=1)[0])
    chat_id = await target_chat(ctx, number)
    topic, changed = await service.subscribe(ctx.rt, chat_id, ctx.user_id, number, on)
    if on:
        text = (
            N_("You now follow topic #{number}.")
            if changed
            else N_("You already follow topic #{number}.")
        )
    else:
        text = (
            N_("You no longer follow topic #{number}.")
            if changed
            else N_("You were not following topic #{number}.")
        )
    await ctx.reply(ctx.t(text, number=topic.number))


@edge
async def my_subscriptions(ctx: Ctx) -> None:
    rows = await service.subscriptions(ctx.rt, ctx.user_id)
    if not rows:
        await ctx.reply(
            ctx._("You follow no topics. Press “🔔 Notify me” on a follow-up card to follow one.")
        )
        return
    items = [
        f"#{number} {title} — {status_text(ctx._, status)}" for _chat, number, title, status in rows
    ]
    await send_pages(
        ctx.context.bot, ctx.place, ctx._("<b>Topics you follow</b>"), [esc(i) for i in items]
    )


async def send_private(
    app: Application,
    rt: Runtime,
    user_id: int,
    text: str,
    kind: str,
    ref_id: int | None,
    markup: Any = None,
) -> bool:
    """A private message; someone who never started the bot or blocked it is recorded, not retried."""
    try:
        await app.bot.send_message(user_id, text, reply_markup=to_markup(markup))
    except Forbidden as exc:
        await service.mark_undeliverable(rt, user_id, kind, ref_id, str(exc))
        return False
    except TelegramError as exc:
        # A private copy that fails for another reason is skipped: retrying the whole card
        # would post it to the group a second time.
        log.warning("private %s to %s not sent: %s", kind, user_id, exc)
        return False
    return True


def register(app) -> None:
    for name, callback in (
        ("subscribe", subscribe),
        ("unsubscribe", unsubscribe),
        ("mysubscriptions", my_subscriptions),
    ):
        app.add_handler(CommandHandler(name, callback))
