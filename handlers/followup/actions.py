"""Action items in the group and in private: /action, /actions, /progress, /done, /drop, the
📈 button on a follow-up card and the answer to the question it asks. How a report reads is the
service's rule (bot/services/followup/actions.py); this module only carries it."""

from __future__ import annotations

from telegram import ForceReply, MessageEntity
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot import callbacks, followup_cards
from bot.errors import UserError
from bot.i18n import N_
from bot.services import followup as service
from bot.services import prompts
from bot.services.common import parse_number
from bot.services.followup import ProgressReport, ReportKind
from bot.services.views import message_link
from bot.text import mention
from bot.usage import USAGE
from handlers.common import Ctx, answer_query, edge, html_to_toast, post
from handlers.followup.cards import post_final_card
from handlers.private import about, is_convenor_of, linked_group, target_chat
from handlers.render import send_pages
from handlers.topic_choice import about_a_topic
from handlers.topics import group_only, need_args

PROGRESS_PROMPT = "progress"


@edge
@about_a_topic("action")
async def add_action(ctx: Ctx) -> None:
    group_only(ctx)
    parts = ctx.command_text().split(maxsplit=2)
    if len(parts) < 3:
        raise UserError(USAGE["action"])
    # The owner may be the author of the message the command replies to (a person, not a bot).
    replied = ctx.message.reply_to_message if ctx.message else None
    author = replied.from_user if replied is not None else None
    # Or a member named by a mention without a username (Telegram's text_mention).
    named = [
        e.user.id
        for e in (ctx.message.entities if ctx.message else ())
        if e.type == MessageEntity.TEXT_MENTION and e.user is not None and not e.user.is_bot
    ]
    owners = await service.find_owners(
        ctx.rt, parts[2], author.id if author is not None and not author.is_bot else None, named
    )
    topic, action = await service.add_action(
        ctx.rt,
        ctx.chat,
        await ctx.actor_looked_up(),
        parse_number(parts[0]),
        parts[1],
        parts[2],
        owners,
    )
    names = await prompts.names(ctx.rt, list(action.owners))
    await ctx.reply(
        ctx.t(
            N_("Action A{action} added to topic #{number}:"),
            action=action.number,
            number=topic.number,
        )
        + "\n"
        + followup_cards.action_line(ctx._, action, names, ctx.rt.clock.now()),
        # One tap starts the private chat in which the owners are reminded before it is due.
        followup_cards.get_reminders(ctx._, topic, ctx.rt.bot_username)
        if ctx.rt.bot_username and action.owners
        else None,
    )


@edge
@about_a_topic("actions")
async def list_actions(ctx: Ctx) -> None:
    group_only(ctx)
    number = parse_number(need_args(ctx, 1, USAGE["actions"], most=1)[0])
    topic, actions = await service.list_actions(ctx.rt, ctx.chat_id, number)
    names = await prompts.names(ctx.rt, [o for a in actions for o in a.owners])
    header, items = followup_cards.actions_list(ctx._, topic, actions, names, ctx.rt.clock.now())
    await send_pages(ctx.context.bot, ctx.place, header, items)


async def _report(ctx: Ctx, said: ProgressReport) -> None:
    """A report, from a command or an answer, in the group or in private (on the group the
    member's last link opened). In the group the reply is short (the living card, edited, shows
    the detail); in private it is the action's whole line. The report that finishes the topic
    says so and links to the card that now asks for the final rating."""
    chat_id = await target_chat(ctx)
    convenor = await is_convenor_of(ctx, chat_id)
    result = await service.report(ctx.rt, chat_id, ctx.actor_given(is_convenor=convenor), said)
    await about(ctx, chat_id, result.topic.number)
    now = ctx.rt.clock.now()
    if ctx.chat.is_private:
        names = await prompts.names(ctx.rt, list(result.action.owners))
        text = followup_cards.action_line(ctx._, result.action, names, now)
    else:
        text = followup_cards.report_noted(ctx._, result.action, now)
    if result.topic_done and result.final_round is not None:
        card_id = await post_final_card(ctx.context.application, ctx.rt, result.final_round.id)
        link = message_link(chat_id, card_id) if card_id is not None else None
        text += "\n" + followup_cards.all_done(ctx._, result.topic, link)
    await ctx.reply(text)


@edge
async def progress(ctx: Ctx) -> None:
    """/progress A3 40 [note]"""
    await _report(ctx, service.read_report(ReportKind.PROGRESS, ctx.command_text()))


@edge
async def done(ctx: Ctx) -> None:
    """/done A3 [note]"""
    await _report(ctx, service.read_report(ReportKind.DONE, ctx.command_text()))


@edge
async def drop(ctx: Ctx) -> None:
    """/drop A3 reason (convenors)"""
    await _report(ctx, service.read_report(ReportKind.DROP, ctx.command_text()))


@edge
async def on_progress_button(ctx: Ctx) -> None:
    """📈 Report on A3 on a follow-up card: an owner or a convenor is asked for the figure."""
    query = ctx.update.callback_query
    press = callbacks.parse(query.data)
    if press is None or press.kind != callbacks.Kind.PROGRESS or ctx.chat.is_private:
        raise UserError(N_("This button is no longer valid."))
    action_no = press.number
    await service.check_can_report(
        ctx.rt, ctx.chat_id, ctx.actor_given(is_convenor=await ctx.is_convenor()), action_no
    )
    # Answered before the question is posted (which may wait for the group's budget).
    await answer_query(
        query, html_to_toast(ctx._("Reply to the bot's question with the progress."))
    )
    prompt = await post(
        ctx.context.bot,
        ctx.place,  # the follow-up card's thread
        ctx.t(
            N_(
                "{name}, reply to this message with the progress of A{action}: a percentage and a note, e.g. “60 poles painted”, or “done”."
            ),
            # A real mention: Telegram opens the reply box (selective) only for them.
            name=mention(ctx.user_id, ctx.person.first_name if ctx.person else ""),
            action=action_no,
        ),
        ForceReply(selective=True, input_field_placeholder="60 …"),
    )
    await prompts.ask(
        ctx.rt, ctx.chat_id, ctx.user_id, PROGRESS_PROMPT, {"action": action_no}, prompt.message_id
    )


async def finish_progress(ctx: Ctx, payload: dict, text: str) -> None:
    """The answer to the 📈 question: same rules and replies as the command; a refusal goes
    quietly, as a command's does (handlers/common.py Ctx.tidy_refusal)."""
    ctx.answers_prompt = True
    await _report(ctx, service.read_progress_answer(payload["action"], text))
    await prompts.answered(ctx.rt, ctx.chat_id, ctx.user_id)


async def open_report_link(ctx: Ctx, payload: str) -> bool:
    """/start rp_<chat>_<number>: the owner's press on their reminder's link; their private
    reports now go to that group. True when the payload was this link."""
    linked = await linked_group(ctx, payload, callbacks.Link.REPORT_HERE)
    if linked is None:
        return False
    group, number = linked
    # The example names the presser's own open action (the topic's first one otherwise).
    topic, own = await service.own_open_actions(ctx.rt, group.chat_id, number, ctx.user_id)
    if not own:
        _topic, own = await service.list_actions(ctx.rt, group.chat_id, number)
    await ctx.reply(
        ctx.t(
            N_(
                "Your reports here now go to this group, for example: /progress A{action} 60 half done, or /done A{action}."
            ),
            action=own[0].number if own else 1,
        )
    )
    return True


async def open_reminders_link(ctx: Ctx, payload: str) -> bool:
    """/start or_<chat>_<number> (🔔 Get reminders on an action's confirmation): /start has
    recorded that the presser can be reached here; they are told which of their actions they
    will be reminded of. True when the payload was this link."""
    linked = await linked_group(ctx, payload, callbacks.Link.OWNER_REMINDERS)
    if linked is None:
        return False
    group, number = linked
    topic, actions = await service.own_open_actions(ctx.rt, group.chat_id, number, ctx.user_id)
    names = await prompts.names(ctx.rt, [o for a in actions for o in a.owners])
    await ctx.reply(followup_cards.reminders_on(ctx._, topic, actions, names, ctx.rt.clock.now()))
    return True


def register(app) -> None:
    for name, callback in (
        ("action", add_action),
        ("actions", list_actions),
        ("progress", progress),
        ("done", done),
        ("drop", drop),
    ):
        app.add_handler(CommandHandler(name, callback))
    app.add_handler(
        CallbackQueryHandler(on_progress_button, pattern=callbacks.pattern(callbacks.Kind.PROGRESS))
    )
