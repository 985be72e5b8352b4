"""Consultation down at the edge: /consult N [close] in a members' group, the choice of villages,
the village card's stance buttons and the few words asked for, and the schedule row that posts
the card in the village (bot/services/consultations.py)."""

from __future__ import annotations

import logging

from telegram import ForceReply
from telegram.error import TelegramError
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot import callbacks, cards, link_cards
from bot.buttons import Button, keyboard
from bot.errors import UserError
from bot.i18n import N_, translator
from bot.retry import until_stored
from bot.rules.phases import Stance
from bot.runtime import runtime_of
from bot.services import consultations as service
from bot.services import kinds, prompts
from bot.services.chats import load_chat_context
from bot.services.common import parse_number
from bot.services.threads import Place
from bot.text import clip, fill, mention
from handlers.common import Ctx, answer_query, edge, html_to_toast, post, scheduled
from handlers.render import edit
from handlers.topic_choice import about_a_topic
from storage.schedule import Job

log = logging.getLogger(__name__)

ANSWER_PROMPT = "consultation_answer"
USAGE = N_(
    "Usage: /consult N to ask the linked villages about topic N, /consult N close to end it. For example: /consult 2"
)


@edge
@about_a_topic("consult")
async def consult(ctx: Ctx) -> None:
    if ctx.chat.is_private:
        raise UserError(N_("This command works in a group chat."))
    args = ctx.args
    if not args or len(args) > 2 or (len(args) == 2 and args[1].lower() not in ("close", "结束")):
        raise UserError(USAGE)
    number = parse_number(args[0])
    actor = await ctx.actor_looked_up()
    if len(args) == 2:
        closed = await service.close(ctx.rt, ctx.chat_id, actor, number)
        await ctx.reply(
            ctx.t(
                N_("The consultation on topic #{number} has ended in {count} villages."),
                number=number,
                count=len(closed),
            )
        )
        for found in closed:
            await _retire_card(ctx, found.village_chat_id, found.card_message_id, number)
        return
    done = await service.consult(ctx.rt, ctx.chat_id, actor, number)
    if done.choices:
        rows = [
            [
                Button(
                    fill(ctx._(N_("📣 {group}")), {"group": clip(link.village_title, 40)}),
                    data=callbacks.consult_to(number, link.id),
                )
            ]
            for link in done.choices
        ]
        rows.append(
            [Button(ctx._("📣 Every linked village"), data=callbacks.consult_to(number, 0))]
        )
        await ctx.reply(
            ctx.t(N_("Which villages should be asked about topic #{number}?"), number=number),
            keyboard(rows),
        )
        return
    await ctx.reply(_asked_text(ctx, number, done.asked))


def _asked_text(ctx: Ctx, number: int, villages: tuple[str, ...]) -> str:
    listed = ("、" if ctx.chat.language == "zh" else ", ").join(villages)
    return ctx.t(
        N_(
            "📣 Topic #{number} is put to {villages}: their answers show on the topic's card, and in /views {number}."
        ),
        number=number,
        villages=listed,
    )


async def _retire_card(ctx: Ctx, chat_id: int, message_id: int | None, number: int) -> None:
    """The village's card loses its buttons (best effort: a group closed to the bot keeps its
    card, whose buttons are then refused)."""
    if message_id is None:
        return
    village = await load_chat_context(ctx.rt, chat_id)
    if village is None:
        return
    topic = await _members_topic(ctx, number)
    _ = translator(village.language)
    text, _markup = link_cards.consult_card(_, ctx.chat.title, topic, 0, open_=False)
    try:
        await edit(ctx.context.bot, chat_id, message_id, text, None)
    except TelegramError as exc:
        log.info("consultation card in chat %s not retired: %s", chat_id, exc)


async def _members_topic(ctx: Ctx, number: int):
    from bot.services import topics

    return await topics.get(ctx.rt, ctx.chat_id, number)


async def on_consult_to(ctx: Ctx, press: callbacks.Press) -> None:
    query = ctx.update.callback_query
    done = await service.consult(
        ctx.rt, ctx.chat_id, await ctx.actor_looked_up(), press.number, press.target_id or 0
    )
    await answer_query(query, html_to_toast(_asked_text(ctx, press.number, done.asked)))
    await ctx.reply(_asked_text(ctx, press.number, done.asked))


async def on_answer_button(ctx: Ctx, press: callbacks.Press) -> None:
    query = ctx.update.callback_query
    actor = await ctx.actor_in_person()
    await service.check_can_answer(ctx.rt, ctx.chat_id, actor, press.number)
    await answer_query(query)
    stance = press.stance
    prompt = await ctx.reply(
        ctx.t(
            N_("{name}, reply to this message with a few words for your answer ({stance})."),
            name=mention(ctx.user_id, ctx.person.first_name if ctx.person else ""),
            stance=ctx._(cards.STANCE_LABEL[stance]),
        ),
        ForceReply(selective=True, input_field_placeholder=ctx._("Your view")),
    )
    await prompts.ask(
        ctx.rt,
        ctx.chat_id,
        ctx.user_id,
        ANSWER_PROMPT,
        {"consultation": press.number, "stance": stance.value},
        prompt.message_id if prompt else None,
    )


async def finish_answer(ctx: Ctx, payload: dict, text: str) -> None:
    """The few words, as a reply to the question: the answer goes up to the members' group."""
    first = await service.answer(
        ctx.rt,
        ctx.chat_id,
        await ctx.actor_in_person(),
        int(payload["consultation"]),
        Stance(payload["stance"]),
        text,
    )
    await prompts.answered(ctx.rt, ctx.chat_id, ctx.user_id)
    await ctx.reply(
        ctx._("Thank you: your answer went to the members' group.")
        if first
        else ctx._("Thank you: your answer replaces your earlier one.")
    )


@edge
async def on_button(ctx: Ctx) -> None:
    press = callbacks.parse(ctx.update.callback_query.data)
    if press is None or ctx.chat.is_private:
        raise UserError(N_("This button is no longer valid."))
    if press.kind == callbacks.Kind.CONSULT_TO:
        await on_consult_to(ctx, press)
    elif press.kind == callbacks.Kind.CONSULT_VIEW:
        await on_answer_button(ctx, press)


async def card_job(app: Application, job: Job, late: bool) -> None:
    """The consultation card, posted in the village; then the row is finished with its message
    id (a failed send is retried by the schedule)."""
    rt = runtime_of(app)
    due = await service.card_due(rt, job, late)
    if due is None:
        return
    _ = translator(due.chat.language)
    if due.ended:  # the link ended: the posted card loses its buttons
        text, _markup = link_cards.consult_card(_, due.members_title, due.topic, 0, open_=False)
        message_id = due.consultation.card_message_id or 0
        await edit(app.bot, due.chat.chat_id, message_id, text, None)
        await until_stored(
            rt, lambda: service.card_posted(rt, job, message_id, late), "a consultation card"
        )
        return
    text, markup = link_cards.consult_card(
        _,
        due.members_title,
        due.topic,
        due.consultation.id,
        share_names=bool(due.chat.settings.share_names),
    )
    message = await post(app.bot, Place(due.chat.chat_id), text, markup, rt=rt)
    await until_stored(
        rt, lambda: service.card_posted(rt, job, message.message_id, late), "a consultation card"
    )


def register(app: Application) -> None:
    app.add_handler(CommandHandler("consult", consult))
    app.add_handler(
        CallbackQueryHandler(
            on_button,
            pattern=callbacks.pattern(callbacks.Kind.CONSULT_TO, callbacks.Kind.CONSULT_VIEW),
        )
    )


def register_jobs(scheduler) -> None:
    scheduler.register(kinds.CONSULT_CARD, scheduled(card_job))
