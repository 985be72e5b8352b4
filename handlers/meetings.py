"""Offline meetings and the law as the backstop in the group: /meeting, the meeting card's
参加 / 不能参加 buttons, the reminder before it, /attendance, the minutes as a reply to the card,
/tally (a show of hands as the vote's result), /proxy, /resolve, and the question about an
escalated matter's outcome (bot/services/meetings.py, bot/services/escalations.py)."""

from __future__ import annotations

import logging

from telegram import Bot
from telegram.error import TelegramError
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot import callbacks, meeting_cards, numbers
from bot.errors import Msg, UserError
from bot.i18n import N_, translator
from bot.retry import until_stored
from bot.rules.phases import Choice
from bot.runtime import Runtime, runtime_of
from bot.services import escalations, kinds, meetings, prompts, waiting
from bot.services.chats import ChatContext, load_chat_context
from bot.services.common import parse_number
from bot.text import Html, fill, mention
from handlers import rights
from handlers.common import Ctx, answer_query, edge, html_to_toast, scheduled
from handlers.private import where
from handlers.render import edit, point_to_thread, post_about
from handlers.topics import group_only
from handlers.votes import remove_typed_secret
from storage.schedule import Job

log = logging.getLogger(__name__)

# Replies to a meeting card (its minutes) are looked at in a handler group of their own, beside
# the answers to the bot's questions (handlers/replies.py), which take other replies.
MINUTES_GROUP = 5


# ----- the card ---------------------------------------------------------------------------------
async def render_card(rt: Runtime, chat: ChatContext, state: meetings.MeetingState):
    names = await prompts.names(rt, [state.meeting.called_by])
    return meeting_cards.meeting_card(
        translator(chat.language),
        state,
        names.get(state.meeting.called_by, "?"),
        chat.settings,
        rt.clock.now(),
    )


async def refresh_card(bot: Bot, rt: Runtime, chat_id: int, meeting_id: int) -> None:
    """Bring a posted meeting card up to date (the refresher's renderer: edits coalesced)."""
    chat = await load_chat_context(rt, chat_id)
    state = await meetings.state(rt, meeting_id)
    if chat is None or state.meeting.card_message_id is None:
        return
    text, markup = await render_card(rt, chat, state)
    if not await edit(bot, chat_id, state.meeting.card_message_id, text, markup):
        await meetings.set_card(rt, meeting_id, None)


async def post_meeting_card(
    bot: Bot, rt: Runtime, chat: ChatContext, state: meetings.MeetingState, waits: bool = True
) -> None:
    """Post the meeting's card and keep its message id. Refused by the group (the bot may not
    write there for now), the card waits for the group (bot/services/waiting.py) unless
    `waits` is False (the waiting row itself is posting it), and the refusal goes on."""
    text, markup = await render_card(rt, chat, state)
    try:
        message = await post_about(bot, rt, chat, state.topic, text, markup)
    except TelegramError as exc:
        if waits and rights.chat_refusal(exc) is not None:
            await waiting.hold_card(rt, chat.chat_id, "meeting", state.meeting.id)
        raise
    await meetings.set_card(rt, state.meeting.id, message.message_id)


async def meeting_card_waiting(app: Application, job: Job, late: bool) -> None:
    """A meeting card the group could not take, posted if its meeting is still to come, still
    the topic's current one and cardless."""
    rt = runtime_of(app)
    state = await meetings.state(rt, job.ref_id)
    chat = await load_chat_context(rt, job.chat_id)
    current = await meetings.is_current(rt, state.meeting)
    fresh = current and state.meeting.card_message_id is None
    if chat is not None and fresh and rt.clock.now() < state.meeting.starts_at:
        await post_meeting_card(app.bot, rt, chat, state, waits=False)
    await until_stored(rt, lambda: waiting.card_posted(rt, job.id, late), "a waiting card")


# ----- /meeting and the answers -----------------------------------------------------------------
@edge
async def call_meeting(ctx: Ctx) -> None:
    """/meeting N date time place (convenor)."""
    group_only(ctx)
    args = ctx.command_text().split()
    if len(args) < 3:
        raise UserError(meetings.MEETING_EXAMPLE)
    number = parse_number(args[0])
    state = await meetings.call_meeting(
        ctx.rt, ctx.chat_id, await ctx.actor_looked_up(), number, args[1:], ctx.chat.settings
    )
    await post_meeting_card(ctx.context.bot, ctx.rt, ctx.chat, state)
    moved = state.replaces
    if moved is not None and moved.card_message_id is not None:
        # The old card loses its answer buttons: answers go to the new meeting.
        await edit(
            ctx.context.bot,
            ctx.chat_id,
            moved.card_message_id,
            ctx.t(
                N_("📅 The meeting on topic #{number} was moved: see the new meeting card."),
                number=number,
            ),
            None,
        )
    await point_to_thread(ctx, state.topic)


@edge
async def on_answer(ctx: Ctx) -> None:
    """参加 / 不能参加 on a meeting card."""
    query = ctx.update.callback_query
    press = callbacks.parse(query.data)
    if press is None or press.kind != callbacks.Kind.RSVP or ctx.chat.is_private:
        raise UserError(N_("This button is no longer valid."))
    done = await meetings.answer(
        ctx.rt, ctx.chat_id, await ctx.actor_in_person(), press.meeting_id, press.coming
    )
    said = (
        N_("Noted: you will come. Thank you!")
        if done.coming
        else N_("Noted: you cannot come. You can still give your view in the group.")
    )
    await answer_query(query, html_to_toast(ctx._(said)))


# ----- the reminder -----------------------------------------------------------------------------
REMIND_GROUP = N_(
    "⏰ The {form} on topic #{number} ({title}) is {when}, at {place}. {yes} say they will come{names}. Not answered yet? Press a button on the meeting card."
)
REMIND_PRIVATE = N_(
    "⏰ {group}: the {form} on topic #{number} ({title}) is {when}, at {place}. You said you will come."
)


async def meeting_reminder(app: Application, job: Job, late: bool) -> None:
    """Before the meeting, once: the group's line (naming those coming who cannot be written to
    privately), then the mark, then the private reminders, best effort."""
    from handlers.followup.subscriptions import send_private

    rt = runtime_of(app)
    reminder = await meetings.reminder_due(rt, job)
    chat = await load_chat_context(rt, job.chat_id)
    if reminder is None or chat is None:
        await until_stored(rt, lambda: meetings.finish_job(rt, job.id, late, "skipped"), "a row")
        return
    state = reminder.state
    _ = translator(chat.language)
    coming = await meetings.coming(rt, state.meeting.id)
    unreachable = [u for u in coming if u not in set(reminder.privately)]
    names = await prompts.names(rt, unreachable)
    listed = ""
    if unreachable:
        separator = "、" if chat.language == "zh" else ", "
        listed = ": " if chat.language != "zh" else "："
        listed += separator.join(mention(u, names.get(u, "?")) for u in unreachable[:30])
    base = {
        "form": Msg(meetings.meeting_form(state.meeting.form)),
        "number": state.topic.number,
        "title": state.topic.title,
        "when": meetings.when_text(state.meeting.starts_at, chat.settings, rt.clock.now()),
        "place": state.meeting.place,
    }
    text = fill(_(REMIND_GROUP), {**base, "yes": state.yes, "names": Html(listed)}, _)
    await post_about(app.bot, rt, chat, state.topic, text)
    if not await until_stored(rt, lambda: meetings.finish_job(rt, job.id, late), "a row"):
        return
    private = fill(_(REMIND_PRIVATE), {**base, "group": chat.title}, _)
    for user_id in reminder.privately:
        await send_private(app, rt, user_id, private, kinds.MEETING_REMIND, state.meeting.id)


# ----- the record after the meeting -------------------------------------------------------------
@edge
async def attendance(ctx: Ctx) -> None:
    """/attendance N count (convenor, once the meeting has begun)."""
    group_only(ctx)
    if len(ctx.args) != 2:
        raise UserError(meetings.ATTENDANCE_EXAMPLE)
    number = parse_number(ctx.args[0])
    state = await meetings.record_attendance(
        ctx.rt, ctx.chat_id, await ctx.actor_looked_up(), number, ctx.args[1]
    )
    await ctx.reply(
        ctx.t(
            N_("Recorded: {count} came to the meeting on topic #{number}."),
            count=state.meeting.attendance,
            number=number,
        )
    )


@edge
async def on_reply(ctx: Ctx) -> None:
    """A reply to a meeting card: its minutes, if a convenor wrote it after the meeting began.
    Replies to other messages, and members' replies, are not minutes and are left alone."""
    message = ctx.message
    replied = message.reply_to_message if message is not None else None
    if ctx.chat.is_private or replied is None or ctx.person is None:
        return
    bot_id = ctx.context.bot.id
    if replied.from_user is None or replied.from_user.id != bot_id:
        return
    meeting = await meetings.meeting_of_card(ctx.rt, ctx.chat_id, replied.message_id)
    if meeting is None or not await ctx.is_convenor():
        return
    photo = message.photo[-1].file_id if message.photo else None
    noted = await meetings.add_minutes(
        ctx.rt,
        ctx.chat_id,
        await ctx.actor_looked_up(),
        meeting.id,
        message.text or message.caption or "",
        photo,
        message.message_id,
    )
    await ctx.reply(
        ctx.t(
            N_("Kept in the minutes of the meeting on topic #{number} (part {count})."),
            number=noted.state.topic.number,
            count=noted.count,
        )
    )


@edge
async def tally(ctx: Ctx) -> None:
    """/tally N agree abstain disagree block (convenor): a show of hands ends the vote."""
    group_only(ctx)
    if len(ctx.args) != 5:
        raise UserError(meetings.TALLY_EXAMPLE)
    number = parse_number(ctx.args[0])
    actor = await ctx.actor_looked_up()
    done = await meetings.tally(ctx.rt, ctx.chat_id, actor, number, ctx.args[1:])
    hands = done.hands
    text = ctx.t(
        N_(
            "Show of hands on topic #{number}, recorded by {name} at the meeting: agree {agree}, abstain {abstain}, disagree {disagree}, block {block}. Counted with {online} ballots cast online and {proxies} by proxy; the result follows."
        ),
        number=number,
        name=actor.name or ctx._(N_("a convenor")),
        online=done.online,
        proxies=done.proxies,
        **hands,
    )
    await ctx.reply(text)
    # The result card is a schedule row due now, in the topic's thread.
    await point_to_thread(ctx, done.closed.state.topic)


@edge
async def proxy(ctx: Ctx) -> None:
    """/proxy N name choice (convenor): a ballot for a member without a phone."""
    group_only(ctx)
    parts = ctx.command_text().split(maxsplit=1)
    if len(parts) != 2:
        raise UserError(meetings.PROXY_EXAMPLE)
    number = parse_number(parts[0])
    actor = await ctx.actor_looked_up()
    done = await meetings.enter_proxy(
        ctx.rt, ctx.chat_id, actor, number, parts[1], ctx.chat.settings
    )
    by = actor.name or ctx._(N_("a convenor"))
    if done.previous is not None and done.secret:
        text = ctx.t(
            N_(
                "Changed the ballot entered by proxy for {name} on topic #{number}, by {by} (secret: the choice is not shown)."
            ),
            name=done.name,
            number=number,
            by=by,
        )
    elif done.previous is not None:
        text = ctx.t(
            N_(
                "Changed the ballot entered by proxy for {name} on topic #{number}: {choice} (before: {previous}), by {by}."
            ),
            name=done.name,
            number=number,
            choice=Msg(meetings.CHOICE_WORD[done.choice]),
            previous=Msg(meetings.CHOICE_WORD[Choice(done.previous)]),
            by=by,
        )
    elif done.secret:
        text = ctx.t(
            N_(
                "Ballot entered by proxy for {name} on topic #{number}, by {by} (secret: the choice is not shown)."
            ),
            name=done.name,
            number=number,
            by=actor.name or ctx._(N_("a convenor")),
        )
    else:
        text = ctx.t(
            N_("Ballot entered by proxy for {name} on topic #{number}: {choice}, by {by}."),
            name=done.name,
            number=number,
            choice=Msg(meetings.CHOICE_WORD[done.choice]),
            by=actor.name or ctx._(N_("a convenor")),
        )
    await ctx.reply(text)
    if done.secret:
        # The typed command names the choice: under a secret ballot it goes, as a typed ballot.
        await remove_typed_secret(ctx)


# ----- the law as the backstop ------------------------------------------------------------------
@edge
async def resolve(ctx: Ctx) -> None:
    """/resolve N how it was settled (convenor, on an escalated topic)."""
    group_only(ctx)
    parts = ctx.command_text().split(maxsplit=1)
    if len(parts) != 2:
        # The example names the topic typed (or 1): /resolve 2 …
        typed = numbers.read_topic(parts[0]) if parts else None
        raise UserError(
            N_(
                "Say how it was settled. For example: /resolve {number} The two families agreed at mediation to share the cost."
            ),
            number=typed or 1,
        )
    number = parse_number(parts[0])
    done = await escalations.resolve(
        ctx.rt, ctx.chat_id, await ctx.actor_looked_up(), number, parts[1]
    )
    if done.previous is not None:
        await ctx.reply(
            ctx.t(
                N_(
                    "Topic #{number}: how it was settled is corrected: {outcome} (before: {previous})"
                ),
                number=number,
                outcome=done.escalation.outcome or "",
                previous=done.previous,
            )
        )
        return
    await ctx.reply(
        ctx.t(
            N_("Topic #{number}: how {venue} settled it is recorded: {outcome}"),
            number=number,
            venue=escalations.venue_name(done.escalation.venue),
            outcome=done.escalation.outcome or "",
        )
    )


ASK_OUTCOME = N_(
    "⚖️ Topic #{number} ({title}) went to {venue} on {day}. How was it settled? A convenor records it with /resolve {number} what was agreed."
)


async def escalation_check(app: Application, job: Job, late: bool) -> None:
    """A while after an escalation: the group is asked how it was settled, and the convenor
    who escalated it privately where they started the bot."""
    from handlers.followup.subscriptions import send_private

    rt = runtime_of(app)
    due = await escalations.check_due(rt, job)
    chat = await load_chat_context(rt, job.chat_id)
    if due is None or chat is None:
        await until_stored(rt, lambda: escalations.finish_job(rt, job.id, late, "skipped"), "a row")
        return
    _ = translator(chat.language)
    params = {
        "number": due.topic.number,
        "title": due.topic.title,
        "venue": escalations.venue_name(due.escalation.venue),
        "day": escalations.day_of(due.escalation, chat.settings),
    }
    text = fill(_(ASK_OUTCOME), params, _)
    await post_about(app.bot, rt, chat, due.topic, text)
    if not await until_stored(rt, lambda: escalations.finish_job(rt, job.id, late), "a row"):
        return
    if await prompts.reachable_privately(rt, due.escalation.escalated_by):
        private = where(_, chat.title or "", due.topic.number) + "\n" + text
        await send_private(
            app, rt, due.escalation.escalated_by, private, kinds.ESCALATION_CHECK, due.escalation.id
        )


async def meeting_begins(app: Application, job: Job, late: bool) -> None:
    """The meeting begins: its card drops the answer buttons and asks for the record (an edit,
    no new message); then the mark."""
    rt = runtime_of(app)
    rt.card_edits.forget("meeting", job.ref_id)
    await refresh_card(app.bot, rt, job.chat_id, job.ref_id)
    await until_stored(rt, lambda: meetings.finish_job(rt, job.id, late), "a row")


def register_jobs(scheduler) -> None:
    scheduler.register(kinds.MEETING_REMIND, scheduled(meeting_reminder))
    scheduler.register(kinds.MEETING_BEGINS, scheduled(meeting_begins))
    scheduler.register(kinds.MEETING_CARD, scheduled(meeting_card_waiting))
    scheduler.register(kinds.ESCALATION_CHECK, scheduled(escalation_check))


def register(app) -> None:
    for name, callback in (
        ("meeting", call_meeting),
        ("attendance", attendance),
        ("tally", tally),
        ("proxy", proxy),
        ("resolve", resolve),
    ):
        app.add_handler(CommandHandler(name, callback))
    app.add_handler(CallbackQueryHandler(on_answer, pattern=callbacks.pattern(callbacks.Kind.RSVP)))
    app.add_handler(
        MessageHandler(
            filters.ChatType.GROUPS
            & filters.REPLY
            & ~filters.UpdateType.EDITED_MESSAGE
            & ((filters.TEXT & ~filters.COMMAND) | filters.PHOTO),
            on_reply,
        ),
        group=MINUTES_GROUP,
    )
