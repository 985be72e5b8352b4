"""Topic setting in the group: /propose, /support, /withdraw, /accept, /decline, /merge, /end,
/round, /topics, /topic, and the topic card's Second and Accept buttons."""

from __future__ import annotations

import logging

from telegram import CallbackQuery, ForceReply
from telegram.error import TelegramError
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot import callbacks, cards
from bot.errors import UserError
from bot.i18n import N_
from bot.rules.threads import thread_link, thread_name
from bot.rules.topic_choice import ROUND_WORDS
from bot.services import prompts, topics
from bot.services.common import parse_number
from bot.setting_words import ngettext_people
from bot.text import Html, esc, mention
from bot.usage import USAGE
from handlers.common import Ctx, answer_query, edge, html_to_toast
from handlers.minutes import get_minutes_offer, minutes_privately
from handlers.render import answer_about, card_waits_if_refused, post_topic_card, send_pages
from handlers.threads import open_own_thread
from handlers.topic_choice import about_a_topic
from storage.topics import TopicRow

log = logging.getLogger(__name__)

PROPOSE_PROMPT = "propose"


def group_only(ctx: Ctx) -> None:
    if ctx.chat.is_private:
        raise UserError(N_("This command works in a group chat."))


def need_args(ctx: Ctx, count: int, usage: str, most: int | None = None) -> list[str]:
    """At least `count` arguments (and at most `most`), or the usage line."""
    if len(ctx.args) < count or (most is not None and len(ctx.args) > most):
        raise UserError(usage)
    return ctx.args


@edge
async def propose(ctx: Ctx) -> None:
    group_only(ctx)
    text = ctx.command_text()
    if not text:
        prompt = await ctx.reply(
            ctx.t(
                N_(
                    "{name}, reply to this message with the title of your topic (details on the next lines)."
                ),
                # It also replies to their /propose: either aims the reply box at them.
                name=mention(ctx.user_id, ctx.person.first_name if ctx.person else ""),
            ),
            ForceReply(selective=True, input_field_placeholder=ctx._("Title of the topic")),
        )
        await prompts.ask(
            ctx.rt,
            ctx.chat_id,
            ctx.user_id,
            PROPOSE_PROMPT,
            {},
            prompt.message_id if prompt else None,
        )
        return
    await finish_proposal(ctx, text)


async def finish_proposal(ctx: Ctx, text: str) -> None:
    # The topic lives in the thread it was proposed in, until it gets one of its own.
    topic = await topics.propose(ctx.rt, ctx.chat_id, ctx.actor_given(), text, ctx.thread)
    if await post_topic_card(ctx.context.bot, ctx.rt, ctx.chat, topic) is None:
        await tell_privately_the_card_waits(ctx, topic.number)


async def tell_privately_the_card_waits(ctx: Ctx, number: int) -> None:
    """The group will not take the bot's messages now (its right to post was taken): the
    proposal is kept and its card waits. The proposer hears it in private, if they have
    started the bot; otherwise nobody can be told until the group takes messages again."""
    if not await prompts.reachable_privately(ctx.rt, ctx.user_id):
        return
    text = ctx.t(
        N_(
            "I cannot post in “{group}” now (I have no right to send messages there). Your topic #{number} is kept; its card will be posted there as soon as I may post again."
        ),
        group=ctx.chat.title,
        number=number,
    )
    try:
        await ctx.context.bot.send_message(ctx.user_id, text)
    except TelegramError as exc:
        log.info("proposer %s not told privately that the card waits: %s", ctx.user_id, exc)


@edge
@about_a_topic("support")
async def support(ctx: Ctx) -> None:
    group_only(ctx)
    number = parse_number(need_args(ctx, 1, USAGE["support"], most=1)[0])
    await ctx.reply(await second(ctx, number))


async def second(ctx: Ctx, number: int) -> str:
    """Second a topic (command or button); the thanks, or why it counted once already."""
    result = await topics.support(ctx.rt, ctx.chat_id, await ctx.actor_in_person(), number)
    if result.added:
        return ctx.t(
            N_("Thank you: topic #{number} is now seconded by {people}."),
            number=number,
            people=ngettext_people(result.count, ctx.chat.language),
        )
    return ctx.t(N_("You already support topic #{number}."), number=number)


@edge
@about_a_topic("withdraw")
async def withdraw(ctx: Ctx) -> None:
    group_only(ctx)
    number = parse_number(need_args(ctx, 1, USAGE["withdraw"], most=1)[0])
    await topics.withdraw(ctx.rt, ctx.chat_id, ctx.actor_given(), number)
    await ctx.reply(ctx.t(N_("Topic #{number} was withdrawn by its proposer."), number=number))


@edge
@about_a_topic("accept")
async def accept(ctx: Ctx) -> None:
    group_only(ctx)
    args = need_args(ctx, 1, USAGE["accept"], most=3)
    number = parse_number(args[0])
    await do_accept(
        ctx, number, args[1] if len(args) > 1 else None, args[2] if len(args) > 2 else None
    )


async def do_accept(
    ctx: Ctx,
    number: int,
    views_text: str | None,
    vote_text: str | None,
    query: CallbackQuery | None = None,
) -> None:
    """Accept topic `number`; a press (`query`) is answered once it is accepted, before the
    cards: an answer is taken only within seconds, and the group's messages may have to wait
    for its sending budget."""
    settings = ctx.chat.settings
    topic = await topics.accept(
        ctx.rt,
        ctx.chat_id,
        await ctx.actor_looked_up(),
        number,
        settings.views_duration,
        settings.vote_duration,
        views_text,
        vote_text,
        settings,
    )
    if query is not None:
        await answer_query(
            query, html_to_toast(ctx.t(N_("Topic #{number} accepted."), number=number))
        )
    # In a forum, a thread of its own where everything about it happens from now on.
    async with card_waits_if_refused(ctx.rt, ctx.chat, topic):
        topic = await open_own_thread(ctx.context.bot, ctx.rt, ctx.chat, topic)
        await _retire_proposal_card(ctx, topic, number)
    # The proposal card was retired just above, in words of its own.
    await post_topic_card(ctx.context.bot, ctx.rt, ctx.chat, topic, retire=False)


async def _retire_proposal_card(ctx: Ctx, topic: TopicRow, number: int) -> None:
    if topic.card_message_id is not None:
        # The proposal card (still the topic's card) points to the new one, which carries the
        # view buttons: below it, or in the topic's own thread.
        link = thread_link(ctx.chat_id, topic.thread_id) if topic.own_thread else None
        if link is None:
            retired = ctx.t(
                N_(
                    "<b>Topic #{number}: {title}</b>\nAccepted for deliberation: see the new card below."
                ),
                number=number,
                title=topic.title,
            )
        else:
            retired = ctx.t(
                N_(
                    "<b>Topic #{number}: {title}</b>\nAccepted for deliberation. It continues in its own thread: {link}"
                ),
                number=number,
                title=topic.title,
                link=Html(f'<a href="{link}">{esc(thread_name(number, topic.title))}</a>'),
            )
        await retire_card(ctx, topic.card_message_id, retired)


async def retire_card(ctx: Ctx, message_id: int, text: str) -> None:
    from handlers.render import edit

    # A deleted card needs no retiring.
    await edit(ctx.context.bot, ctx.chat_id, message_id, text, None)


@edge
@about_a_topic("decline")
async def decline(ctx: Ctx) -> None:
    group_only(ctx)
    args = need_args(ctx, 2, USAGE["decline"])
    number = parse_number(args[0])
    reason = ctx.command_text().split(maxsplit=1)[1]
    await topics.decline(ctx.rt, ctx.chat_id, await ctx.actor_looked_up(), number, reason)
    await ctx.reply(
        ctx.t(N_("Topic #{number} was declined: {reason}"), number=number, reason=reason.strip())
    )


@edge
async def merge(ctx: Ctx) -> None:
    group_only(ctx)
    args = ctx.args
    if len(args) != 2:
        raise UserError(USAGE["merge"])
    source, target, moved = await topics.merge(
        ctx.rt,
        ctx.chat_id,
        await ctx.actor_looked_up(),
        parse_number(args[0]),
        parse_number(args[1]),
    )
    await ctx.reply(
        ctx.t(
            N_(
                "Topic #{source} was merged into #{target}; its supporters and {views} views moved over."
            ),
            source=source.number,
            target=target.number,
            views=moved,
        )
    )


@edge
@about_a_topic("end")
async def end(ctx: Ctx) -> None:
    group_only(ctx)
    number = parse_number(need_args(ctx, 1, USAGE["end"], most=1)[0])
    topic = await topics.close_topic(ctx.rt, ctx.chat_id, await ctx.actor_looked_up(), number)
    await answer_about(ctx, topic, ctx.t(N_("Topic #{number} is closed."), number=number))


@edge
@about_a_topic("escalate")
async def escalate(ctx: Ctx) -> None:
    """/escalate N mediation|court reason (convenor); without the word, mediation."""
    from bot.services import escalations

    group_only(ctx)
    parts = ctx.command_text().split(maxsplit=2)
    if len(parts) < 2:
        raise UserError(USAGE["escalate"])
    number = parse_number(parts[0])
    venue = escalations.parse_venue(parts[1], number)
    if venue is None:
        venue, reason = escalations.MEDIATION, " ".join(parts[1:])
    elif len(parts) < 3:
        raise UserError(USAGE["escalate"])
    else:
        reason = parts[2]
    done = await topics.escalate(
        ctx.rt, ctx.chat_id, await ctx.actor_looked_up(), number, reason, venue
    )
    if done.corrected is not None:
        before = done.corrected.before
        await ctx.reply(
            ctx.t(
                N_(
                    "Corrected: topic #{number} is escalated to {venue}: {reason} (before: {old_venue}: {old_reason}). A convenor can get the corrected minutes with /minutes {number}."
                ),
                number=number,
                venue=escalations.venue_name(venue),
                reason=reason.strip(),
                old_venue=escalations.venue_name(before.venue),
                old_reason=before.reason,
            )
        )
        return
    # Its record goes with it: the minutes, to the convenor privately where they started the bot.
    sent = await minutes_privately(ctx, ctx.chat_id, number)
    where = (
        N_("Its minutes (a Word document) went to you in our private chat.")
        if sent
        else N_("A convenor can get its minutes as a Word document with /minutes {number}.")
    )
    escalated = N_(
        "Topic #{number} is escalated to {venue}: {reason}\nOnce it is settled, a convenor records how with /resolve {number} what was agreed."
    )
    text = ctx.t(
        escalated, number=number, venue=escalations.venue_name(venue), reason=reason.strip()
    )
    await ctx.reply(
        text + "\n" + ctx.t(where, number=number),
        # Not sent: the link that starts the private chat and delivers them there.
        None if sent else get_minutes_offer(ctx, ctx.chat_id, number)[1],
    )


@edge
@about_a_topic("round")
async def new_round(ctx: Ctx) -> None:
    group_only(ctx)
    args = need_args(ctx, 2, USAGE["round"])
    number = parse_number(args[0])
    # 意见 / 草案 as well as views / drafts (bot.rules.topic_choice.ROUND_WORDS).
    mode = ROUND_WORDS.get(args[1].lower(), args[1].lower())
    topic = await topics.new_round(
        ctx.rt,
        ctx.chat_id,
        await ctx.actor_looked_up(),
        number,
        mode,
        ctx.chat.settings.views_duration,
        args[2] if len(args) > 2 else None,
        ctx.chat.settings,
    )
    if mode == "views":
        text = ctx.t(
            N_("Round {round} of topic #{number}: views are open again until {when}."),
            round=topic.round,
            number=number,
            when=cards.when(topic.phase_deadline, ctx.chat.settings, ctx.rt.clock.now()),
        )
    else:
        text = ctx.t(
            N_(
                "Round {round} of topic #{number}: propose new wording with /draft {number} or amend a draft."
            ),
            round=topic.round,
            number=number,
        )
    async with card_waits_if_refused(ctx.rt, ctx.chat, topic):
        await ctx.reply(text)
    await post_topic_card(ctx.context.bot, ctx.rt, ctx.chat, topic)


@edge
async def list_topics(ctx: Ctx) -> None:
    group_only(ctx)
    header, items = cards.topics_list(ctx._, await topics.list_open(ctx.rt, ctx.chat_id))
    await send_pages(ctx.context.bot, ctx.place, header, items)


@edge
@about_a_topic("topic")
async def show_topic(ctx: Ctx) -> None:
    group_only(ctx)
    number = parse_number(need_args(ctx, 1, USAGE["topic"], most=1)[0])
    topic = await topics.get(ctx.rt, ctx.chat_id, number)
    # Shown where it was asked for; a look asked for while the group refuses the bot is not
    # kept for later (nobody would expect it then): the refusal pauses the chat, that is all.
    await post_topic_card(ctx.context.bot, ctx.rt, ctx.chat, topic, ctx.place, waits=False)


@edge
async def on_button(ctx: Ctx) -> None:
    """Second and Accept on a topic card."""
    query = ctx.update.callback_query
    press = callbacks.parse(query.data)
    if press is None or ctx.chat.is_private:
        raise UserError(N_("This button is no longer valid."))
    if press.kind == callbacks.Kind.SUPPORT:
        await answer_query(query, html_to_toast(await second(ctx, press.number)))
    elif press.kind == callbacks.Kind.ACCEPT:
        await do_accept(ctx, press.number, None, None, query)


def register(app) -> None:
    for name, callback in (
        ("propose", propose),
        ("support", support),
        ("withdraw", withdraw),
        ("accept", accept),
        ("decline", decline),
        ("merge", merge),
        ("end", end),
        ("escalate", escalate),
        ("round", new_round),
        ("topics", list_topics),
        ("topic", show_topic),
    ):
        app.add_handler(CommandHandler(name, callback))
    app.add_handler(
        CallbackQueryHandler(
            on_button, pattern=callbacks.pattern(callbacks.Kind.SUPPORT, callbacks.Kind.ACCEPT)
        )
    )
