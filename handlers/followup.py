"""Follow-up in the group and in private: /action, /actions, /progress, /done, /reopen, rating
buttons, "Notify me" subscriptions, private comments, and the cards the schedule posts."""

from __future__ import annotations

import logging
import re
from typing import Any

from telegram import ForceReply
from telegram.error import Forbidden, TelegramError
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot import callbacks, numbers
from bot import followup_cards as fcards
from bot.errors import UserError
from bot.i18n import N_, translator
from bot.retry import until_stored
from bot.runtime import runtime_of
from bot.services import chats, kinds, prompts
from bot.services import followup as service
from bot.services.chats import load_chat_context
from bot.services.common import parse_number
from handlers.common import Ctx, answer_query, edge, html_to_toast, scheduled, to_markup
from handlers.private import about, is_convenor_of, linked_group, target_chat
from handlers.render import edit, send_pages
from handlers.topics import group_only, need_args, refresher

log = logging.getLogger(__name__)
COMMENT_PROMPT = "rating_comment"
PROGRESS_PROMPT = "progress"
_MENTION = re.compile(r"(?<!\w)@([A-Za-z0-9_]{5,32})")


async def owners_from(ctx: Ctx, text: str) -> tuple[list[int], str]:
    """Owners: the author of the replied-to message, and any @username the bot has seen."""
    owners = []
    replied = ctx.message.reply_to_message if ctx.message else None
    if replied is not None and replied.from_user and not replied.from_user.is_bot:
        owners.append(replied.from_user.id)
    for username in _MENTION.findall(text):
        user_id = await chats.user_by_username(ctx.rt, username)
        if user_id is None:
            raise UserError(
                N_(
                    "I do not know @{username} yet: they should send any command in this group first, or reply to their message with /action."
                ),
                username=username,
            )
        if user_id not in owners:
            owners.append(user_id)
    return owners, text


@edge
async def add_action(ctx: Ctx) -> None:
    group_only(ctx)
    parts = ctx.command_text().split(maxsplit=2)
    if len(parts) < 3:
        raise UserError(
            N_(
                "Usage: /action N due text (due is YYYY-MM-DD or a duration like 14d; reply to the owner's message or name @owner)"
            )
        )
    owners, text = await owners_from(ctx, parts[2])
    topic, action = await service.add_action(
        ctx.rt, ctx.chat, await ctx.acting(), parse_number(parts[0]), parts[1], text, owners
    )
    names = await prompts.names(ctx.rt, list(action.owners))
    await ctx.reply(
        ctx.t(
            N_("Action A{action} added to topic #{number}:"),
            action=action.number,
            number=topic.number,
        )
        + "\n"
        + fcards.action_line(ctx._, action, names, ctx.rt.clock.now())
    )


@edge
async def list_actions(ctx: Ctx) -> None:
    group_only(ctx)
    number = parse_number(need_args(ctx, 1, N_("Usage: /actions N"), most=1)[0])
    topic, actions = await service.list_actions(ctx.rt, ctx.chat_id, number)
    names = await prompts.names(ctx.rt, [o for a in actions for o in a.owners])
    header, items = fcards.actions_list(ctx._, topic, actions, names, ctx.rt.clock.now())
    await send_pages(ctx.context.bot, ctx.chat_id, header, items)


async def _report(ctx: Ctx, kind: str, arguments: str | None = None) -> None:
    """/progress A3 40 [note], /done A3 [note], /drop A3 reason."""
    usage = {
        "progress": N_("Usage: /progress A-number percent [note]"),
        "done": N_("Usage: /done A-number [note]"),
        "drop": N_("Usage: /drop A-number reason"),
    }[kind]
    text = ctx.command_text() if arguments is None else arguments
    parts = text.split(maxsplit=2 if kind == "progress" else 1)
    if len(parts) < (1 if kind == "done" else 2):
        raise UserError(usage)
    action_no = service.parse_action_number(parts[0])
    percent = None
    if kind == "progress":
        percent = numbers.percent(parts[1])
        note = parts[2] if len(parts) > 2 else ""
    else:
        note = parts[1] if len(parts) > 1 else ""
    chat_id = await target_chat(ctx)
    convenor = await is_convenor_of(ctx, chat_id)
    result = await service.report(
        ctx.rt,
        chat_id,
        ctx.actor(convenor),
        action_no,
        percent,
        note,
        done=kind == "done",
        drop=kind == "drop",
    )
    await about(ctx, chat_id, result.topic.number)
    names = await prompts.names(ctx.rt, list(result.action.owners))
    await ctx.reply(fcards.action_line(ctx._, result.action, names, ctx.rt.clock.now()))
    if result.topic_done and result.final_round is not None:
        await post_final_card(ctx.context.application, ctx.rt, chat_id, result)


@edge
async def progress(ctx: Ctx) -> None:
    await _report(ctx, "progress")


@edge
async def done(ctx: Ctx) -> None:
    await _report(ctx, "done")


@edge
async def drop(ctx: Ctx) -> None:
    await _report(ctx, "drop")


@edge
async def reopen(ctx: Ctx) -> None:
    group_only(ctx)
    number = parse_number(need_args(ctx, 1, N_("Usage: /reopen N"), most=1)[0])
    await do_reopen(ctx, number)


async def do_reopen(ctx: Ctx, number: int, query: Any = None) -> None:
    """Reopen topic `number`; a press (`query`) is answered once it is reopened, before the
    group messages (an answer is taken only within seconds; they may wait for the budget)."""
    from bot import cards
    from handlers.render import post_topic_card

    topic = await service.reopen(ctx.rt, ctx.chat, await ctx.acting(), number)
    if query is not None:
        await answer_query(query)
    await ctx.context.bot.send_message(
        ctx.chat_id,
        ctx.t(
            N_(
                "Topic #{number} is reopened for deliberation (round {round}); views are open until {when}. Its whole history is kept."
            ),
            number=number,
            round=topic.round,
            when=cards.when(topic.phase_deadline, ctx.chat.settings),
        ),
    )
    await post_topic_card(ctx.context.bot, ctx.rt, ctx.chat, topic)


@edge
async def on_progress_button(ctx: Ctx) -> None:
    """📈 A3 on a follow-up card: an owner or a convenor is asked for the figure."""
    query = ctx.update.callback_query
    press = callbacks.parse(query.data)
    if press is None or press.kind != callbacks.PROGRESS or ctx.chat.is_private:
        raise UserError(N_("This button is no longer valid."))
    action_no = press.number
    await service.check_can_report(
        ctx.rt, ctx.chat_id, ctx.actor(await ctx.is_convenor()), action_no
    )
    # Answered before the question is posted (which may wait for the group's budget).
    await answer_query(
        query, html_to_toast(ctx._("Reply to the bot's question with the progress."))
    )
    prompt = await ctx.context.bot.send_message(
        ctx.chat_id,
        ctx.t(
            N_(
                "{name}, reply to this message with the progress of A{action}: a percentage and a note, e.g. “60 poles painted”, or “done”."
            ),
            name=ctx.person.first_name if ctx.person else "",
            action=action_no,
        ),
        reply_markup=ForceReply(selective=True, input_field_placeholder="60 …"),
    )
    await prompts.ask(
        ctx.rt, ctx.chat_id, ctx.user_id, PROGRESS_PROMPT, {"action": action_no}, prompt.message_id
    )


async def finish_progress(ctx: Ctx, payload: dict, text: str) -> None:
    first, _, note = text.strip().partition(" ")
    if first.lower() in ("done", "完成", "已完成"):
        kind, figure = "done", ""
    else:
        kind, figure = "progress", first
    # Same rules and replies as the command: the answer is the command's arguments.
    await _report(ctx, kind, f"A{payload['action']} {figure} {note}".replace("  ", " ").strip())
    await prompts.answered(ctx.rt, ctx.chat_id, ctx.user_id)


@edge
async def on_button(ctx: Ctx) -> None:
    query = ctx.update.callback_query
    press = callbacks.parse(query.data)
    followup_kinds = (callbacks.RATE, callbacks.REOPEN, callbacks.KEEP_FOLLOWING)
    if press is None or press.kind not in followup_kinds or ctx.chat.is_private:
        raise UserError(N_("This button is no longer valid."))
    kind, number = press.kind, press.number
    if kind == callbacks.RATE:
        value = press.rating
        _topic, current, _previous = await service.rate(
            ctx.rt, ctx.chat_id, ctx.actor(), number, press.ref, value
        )
        await answer_query(
            query,
            html_to_toast(
                ctx.t(
                    N_(
                        "Thank you: your rating is “{rating}”. You can change it, or add a comment privately."
                    ),
                    rating=ctx._(fcards.RATING_LABEL[value]),
                )
            ),
        )
        refresher(ctx).request(ctx.context.application, "round", current.id, ctx.chat_id)
        return
    # Reopen, or keep following: either answer to the question is a convenor's (the rules say).
    await service.check_can_reopen(ctx.rt, ctx.chat_id, await ctx.acting(), number)
    if kind == callbacks.REOPEN:
        await do_reopen(ctx, number, query)
    else:
        await answer_query(query, html_to_toast(ctx._("The follow-up goes on.")))
    try:
        await ctx.context.bot.edit_message_reply_markup(
            ctx.chat_id, query.message.message_id, reply_markup=None
        )
    except Exception:
        log.debug("could not clear the reopen buttons")


# ----- private: subscriptions and comments --------------------------------------------------


async def deep_link(ctx: Ctx, payload: str) -> bool:
    for kind in ("sub", "rc", "rp"):
        linked = await linked_group(ctx, payload, kind)
        if linked is not None:
            break
    else:
        return False
    group, number = linked
    chat_id = group.chat_id
    if kind == "sub":
        topic, _changed = await service.subscribe(ctx.rt, chat_id, ctx.user_id, number, True)
        await ctx.reply(
            ctx.t(
                N_(
                    "You will get the follow-up of topic #{number} ({title}) here. /unsubscribe {number} stops it."
                ),
                number=number,
                title=topic.title,
            )
        )
    elif kind == "rp":
        # The owner's press on their reminder's link: their reports here now go to this group.
        await ctx.reply(
            ctx._(
                N_(
                    "Your reports here now go to this group: /progress A-number percent [note] or /done A-number [note]."
                )
            )
        )
    else:
        await prompts.ask(
            ctx.rt,
            ctx.chat_id,
            ctx.user_id,
            COMMENT_PROMPT,
            {"chat_id": chat_id, "number": number},
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


@edge
async def subscribe(ctx: Ctx) -> None:
    await _subscription(ctx, True)


@edge
async def unsubscribe(ctx: Ctx) -> None:
    await _subscription(ctx, False)


async def _subscription(ctx: Ctx, on: bool) -> None:
    number = parse_number(
        need_args(ctx, 1, N_("Usage: /subscribe N") if on else N_("Usage: /unsubscribe N"), most=1)[
            0
        ]
    )
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
    from bot.cards import status_text

    items = [
        f"#{number} {title} — {status_text(ctx._, status)}" for _chat, number, title, status in rows
    ]
    from bot.text import esc

    await send_pages(
        ctx.context.bot, ctx.chat_id, ctx._("<b>Topics you follow</b>"), [esc(i) for i in items]
    )


# ----- what the schedule posts ----------------------------------------------------------------


async def post_card(app: Any, rt: Any, card: service.Card) -> None:
    _ = translator(card.chat.language)
    now = rt.clock.now()
    names = await prompts.names(rt, [o for a in card.actions for o in a.owners])
    text, markup = fcards.followup_card(_, card, {}, names, now, rt.bot_username)
    message = await app.bot.send_message(card.chat.chat_id, text, reply_markup=to_markup(markup))
    # The one send the group sees is recorded (and its schedule row done) at once: whatever
    # fails after it, a retry never posts the card again.
    await until_stored(
        rt, lambda: service.card_posted(rt, card, message.message_id), "a follow-up card"
    )
    if card.reopen_offer is not None:
        question, buttons = fcards.reopen_question(
            _,
            card.topic,
            card.reopen_offer,
            card.subject if card.kind == kinds.OVERDUE_REOPEN else None,
        )
        try:
            await app.bot.send_message(card.chat.chat_id, question, reply_markup=to_markup(buttons))
        except TelegramError as exc:
            log.warning("reopen question on topic %s not sent: %s", card.topic.id, exc)
    for user_id in card.subscribers:
        await send_private(
            app,
            rt,
            user_id,
            fcards.subscriber_note(_, card.chat.title) + "\n" + text,
            "followup",
            card.round.id,
        )
    reminder = fcards.owner_reminder(_, card, card.chat.title)
    for user_id in card.owners:
        mine = [
            a for a in card.actions if user_id in a.owners and a.status not in ("done", "dropped")
        ]
        lines = [fcards.action_line(_, a, names, now) for a in mine]
        # Only the member's own press on a link chooses the group their private commands act
        # on: a reminder from one group must not redirect a /ballot meant for another.
        await send_private(
            app,
            rt,
            user_id,
            "\n".join([reminder, *lines]),
            "reminder",
            card.round.id,
            fcards.report_here(_, card, rt.bot_username),
        )


async def send_private(
    app: Any,
    rt: Any,
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


async def post_final_card(app: Any, rt: Any, chat_id: int, result: service.Progress) -> None:
    chat = await load_chat_context(rt, chat_id)
    _topic, current, actions, counts, wording = await service.round_state(rt, result.final_round.id)
    card = service.Card(
        chat=chat,
        topic=result.topic,
        kind="final",
        round=current,
        wording=wording,
        actions=actions,
        counts=counts,
    )
    await post_card(app, rt, card)


async def refresh_round_card(bot: Any, rt: Any, round_id: int) -> None:
    topic, current, actions, counts, wording = await service.round_state(rt, round_id)
    chat = await load_chat_context(rt, topic.chat_id)
    if chat is None or current.card_message_id is None:
        return
    card = service.Card(
        chat=chat,
        topic=topic,
        kind=current.kind if current.kind in ("final",) else "followup",
        round=current,
        wording=wording,
        actions=actions,
        counts=counts,
    )
    names = await prompts.names(rt, [o for a in actions for o in a.owners])
    text, markup = fcards.followup_card(
        translator(chat.language), card, counts, names, rt.clock.now(), rt.bot_username
    )
    await edit(
        bot,
        chat.chat_id,
        current.card_message_id,
        text,
        markup if current.closed_at is None else None,
    )


async def run_followup(app: Any, job: Any, late: bool) -> None:
    rt = runtime_of(app)
    card = await service.take_job(rt, job, late)
    if card is not None:
        await post_card(app, rt, card)


def register(app) -> None:
    for name, callback in (
        ("action", add_action),
        ("actions", list_actions),
        ("progress", progress),
        ("done", done),
        ("drop", drop),
        ("reopen", reopen),
        ("subscribe", subscribe),
        ("unsubscribe", unsubscribe),
        ("mysubscriptions", my_subscriptions),
    ):
        app.add_handler(CommandHandler(name, callback))
    app.add_handler(CallbackQueryHandler(on_button, pattern=r"^(rate|ro|kf):"))
    app.add_handler(CallbackQueryHandler(on_progress_button, pattern=r"^prg:"))


def register_jobs(scheduler) -> None:
    for kind in (kinds.FOLLOWUP, *kinds.ACTION_KINDS):
        scheduler.register(kind, scheduled(run_followup))
