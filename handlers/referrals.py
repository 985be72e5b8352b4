"""Referral up at the edge: /refer N [note] and its choice of members' group, the referral card's
Take up / Send back buttons (and the reason asked for), and the schedule rows that post the card
in the members' group and the reports back in the village (bot/services/referrals.py)."""

from __future__ import annotations

import logging

from telegram import ForceReply
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot import callbacks, link_cards
from bot.errors import UserError
from bot.i18n import N_, translator
from bot.retry import until_stored
from bot.runtime import runtime_of
from bot.services import kinds, prompts
from bot.services import referrals as service
from bot.services.common import parse_number
from bot.services.threads import Place
from bot.text import mention
from handlers.common import Ctx, answer_query, edge, html_to_toast, post, scheduled
from handlers.render import edit, post_about, post_topic_card
from handlers.threads import open_own_thread
from handlers.topic_choice import about_a_topic
from storage.schedule import Job

log = logging.getLogger(__name__)

SEND_BACK_PROMPT = "referral_send_back"
REFER_USAGE = N_(
    "Usage: /refer N [note], for example: /refer 3 The village cannot settle this alone; please help coordinate with the county."
)


@edge
@about_a_topic("refer")
async def refer(ctx: Ctx) -> None:
    if ctx.chat.is_private:
        raise UserError(N_("This command works in a group chat."))
    if not ctx.args:
        raise UserError(REFER_USAGE)
    number = parse_number(ctx.args[0])
    parts = ctx.command_text().split(maxsplit=1)
    note = parts[1] if len(parts) > 1 else ""
    done = await service.refer(ctx.rt, ctx.chat_id, await ctx.actor_looked_up(), number, note)
    if done.choices:
        await ctx.reply(
            ctx.t(N_("Which members' group should topic #{number} go to?"), number=number),
            link_cards.refer_buttons(ctx._, done.referral.id, list(done.choices)),
        )
        return
    await ctx.reply(_referred_text(ctx, number, done.members_title))


def _referred_text(ctx: Ctx, number: int, group: str) -> str:
    sent = ctx.t(
        N_(
            "📨 Topic #{number} is referred to the members' group “{group}”: its card goes there now, and what becomes of it will be reported here."
        ),
        number=number,
        group=group,
    )
    return sent + "\n" + link_cards.names_setting(ctx._, bool(ctx.chat.settings.share_names))


async def on_refer_to(ctx: Ctx, press: callbacks.Press) -> None:
    query = ctx.update.callback_query
    done = await service.choose(
        ctx.rt, ctx.chat_id, await ctx.actor_looked_up(), press.number, press.target_id or 0
    )
    await answer_query(query)
    text = _referred_text(ctx, done.topic.number, done.members_title)
    if query.message is not None:
        await edit(ctx.context.bot, ctx.chat_id, query.message.message_id, text, None)


async def on_take_up(ctx: Ctx, press: callbacks.Press) -> None:
    query = ctx.update.callback_query
    taken = await service.take_up(ctx.rt, ctx.chat, await ctx.actor_looked_up(), press.number)
    await answer_query(
        query,
        html_to_toast(ctx.t(N_("Taken up as topic #{number}."), number=taken.topic.number)),
    )
    await refresh_referral_card(ctx, taken.referral.id)
    topic = await open_own_thread(ctx.context.bot, ctx.rt, ctx.chat, taken.topic)
    await post_topic_card(ctx.context.bot, ctx.rt, ctx.chat, topic)


async def on_send_back(ctx: Ctx, press: callbacks.Press) -> None:
    query = ctx.update.callback_query
    referral = await service.check_decide(
        ctx.rt, ctx.chat_id, await ctx.actor_looked_up(), press.number
    )
    await answer_query(query)
    prompt = await ctx.reply(
        ctx.t(
            N_(
                "{name}, reply to this message with the reason for sending the referral back to the village."
            ),
            name=mention(ctx.user_id, ctx.person.first_name if ctx.person else ""),
        ),
        ForceReply(selective=True, input_field_placeholder=ctx._("Reason")),
    )
    await prompts.ask(
        ctx.rt,
        ctx.chat_id,
        ctx.user_id,
        SEND_BACK_PROMPT,
        {"referral": referral.id},
        prompt.message_id if prompt else None,
    )


async def finish_send_back(ctx: Ctx, payload: dict, text: str) -> None:
    """The reason, as a reply to the question: the referral goes back to the village."""
    referral = await service.send_back(
        ctx.rt, ctx.chat_id, await ctx.actor_looked_up(), int(payload["referral"]), text
    )
    await prompts.answered(ctx.rt, ctx.chat_id, ctx.user_id)
    await ctx.reply(ctx._("Sent back; the village will get the reason."))
    await refresh_referral_card(ctx, referral.id)


async def refresh_referral_card(ctx: Ctx, referral_id: int) -> None:
    facts = await service.facts(ctx.rt, referral_id)
    if facts is None or facts.referral.card_message_id is None:
        return
    text, markup = link_cards.referral_card(ctx._, facts)
    await edit(ctx.context.bot, ctx.chat_id, facts.referral.card_message_id, text, markup)


@edge
async def on_button(ctx: Ctx) -> None:
    press = callbacks.parse(ctx.update.callback_query.data)
    if press is None or ctx.chat.is_private:
        raise UserError(N_("This button is no longer valid."))
    if press.kind == callbacks.Kind.REFER_TO:
        await on_refer_to(ctx, press)
    elif press.kind == callbacks.Kind.TAKE_UP:
        await on_take_up(ctx, press)
    elif press.kind == callbacks.Kind.SEND_BACK:
        await on_send_back(ctx, press)


# ----- schedule rows ---------------------------------------------------------------------------
async def card_job(app: Application, job: Job, late: bool) -> None:
    """The referral card, posted in the members' group; then the row is finished with the card's
    message id (a failed send is retried by the schedule)."""
    rt = runtime_of(app)
    due = await service.card_due(rt, job, late)
    if due is None:
        return
    _ = translator(due.chat.language)
    text, markup = link_cards.referral_card(_, due.facts)
    if due.redraw:  # its referral ended with the link: the posted card loses its buttons
        message_id = due.facts.referral.card_message_id or 0
        await edit(app.bot, due.chat.chat_id, message_id, text, markup)
        await until_stored(
            rt, lambda: service.card_posted(rt, job, message_id, late), "a referral card"
        )
        return
    message = await post(app.bot, Place(due.chat.chat_id), text, markup, rt=rt)
    await until_stored(
        rt, lambda: service.card_posted(rt, job, message.message_id, late), "a referral card"
    )


async def report_job(app: Application, job: Job, late: bool) -> None:
    """A line to the village about its referred topic, in the topic's thread; then what it told
    is stored with the row's end (a failed send is retried by the schedule)."""
    rt = runtime_of(app)
    report = await service.report_due(rt, job, late)
    if report is None:
        return
    _ = translator(report.chat.language)
    await post_about(app.bot, rt, report.chat, report.topic, link_cards.report_text(_, report))
    await until_stored(rt, lambda: service.report_posted(rt, report), "a referral report")


def register(app: Application) -> None:
    app.add_handler(CommandHandler("refer", refer))
    app.add_handler(
        CallbackQueryHandler(
            on_button,
            pattern=callbacks.pattern(
                callbacks.Kind.REFER_TO, callbacks.Kind.TAKE_UP, callbacks.Kind.SEND_BACK
            ),
        )
    )


def register_jobs(scheduler) -> None:
    scheduler.register(kinds.REFERRAL_CARD, scheduled(card_job))
    scheduler.register(kinds.REFERRAL_REPORT, scheduled(report_job))
