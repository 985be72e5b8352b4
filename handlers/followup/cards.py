"""What the follow-up schedule posts: the follow-up cards with their rating buttons, the
convenors' reopen question, the private copies for subscribers and owners; the final card when
the last action is done; and the round card refreshed in place when its ratings change."""

from __future__ import annotations

import logging

from telegram import Bot
from telegram.error import TelegramError
from telegram.ext import Application

from bot import followup_cards
from bot.i18n import translator
from bot.retry import until_stored
from bot.runtime import Runtime, runtime_of
from bot.services import followup as service
from bot.services import kinds, prompts
from bot.text import split_items
from handlers.common import scheduled
from handlers.followup.subscriptions import send_private
from handlers.render import edit, post_about
from storage.schedule import Job

log = logging.getLogger(__name__)


async def post_card(app: Application, rt: Runtime, card: service.Card) -> None:
    _ = translator(card.chat.language)
    now = rt.clock.now()
    names = await prompts.names(rt, [o for a in card.actions for o in a.owners])
    text, markup = followup_cards.followup_card(_, card, {}, names, now, rt.bot_username)
    message = await post_about(app.bot, rt, card.chat, card.topic, text, markup)
    # The one send the group sees is recorded (and its schedule row done) at once: whatever
    # fails after it, a retry never posts the card again.
    await until_stored(
        rt, lambda: service.card_posted(rt, card, message.message_id), "a follow-up card"
    )
    if card.reopen_offer is not None:
        question, buttons = followup_cards.reopen_question(
            _,
            card.topic,
            card.reopen_offer,
            card.subject if card.kind == kinds.OVERDUE_REOPEN else None,
        )
        try:
            await post_about(app.bot, rt, card.chat, card.topic, question, buttons)
        except TelegramError as exc:
            log.warning("reopen question on topic %s not sent: %s", card.topic.id, exc)
    for user_id in card.subscribers:
        await send_private(
            app,
            rt,
            user_id,
            followup_cards.subscriber_note(_, card.chat.title) + "\n" + text,
            "followup",
            card.round.id,
        )
    await send_comment_digest(app, rt, card.round.id)
    reminder = followup_cards.owner_reminder(_, card, card.chat.title)
    for user_id in card.owners:
        lines = [
            followup_cards.action_line(_, a, names, now)
            for a in service.open_actions_of(card.actions, user_id)
        ]
        # Only the member's own press on a link chooses the group their private commands act
        # on: a reminder from one group must not redirect a /ballot meant for another.
        await send_private(
            app,
            rt,
            user_id,
            "\n".join([reminder, *lines]),
            "reminder",
            card.round.id,
            followup_cards.report_here(_, card, rt.bot_username),
        )


async def administrators(bot: Bot, chat_id: int) -> list[int]:
    """The group's administrators (people, not bots), as Telegram lists them; none when it
    will not say."""
    try:
        members = await bot.get_chat_administrators(chat_id)
    except TelegramError as exc:
        log.warning("administrators of %s not listed: %s", chat_id, exc)
        return []
    return [m.user.id for m in members if not m.user.is_bot]


async def send_comment_digest(app: Application, rt: Runtime, round_id: int) -> None:
    """With a new round's card: the comments of the round before, unsigned, privately to the
    convenors who started the bot (those named with /convenor and the group's administrators)."""
    digest = await service.comment_digest(rt, round_id)
    if digest is None:
        return
    convenors = list(
        dict.fromkeys(
            [*digest.named_convenors, *await administrators(app.bot, digest.chat.chat_id)]
        )
    )
    recipients = await service.reachable(rt, convenors)
    if not recipients:
        return
    _ = translator(digest.chat.language)
    header, items = followup_cards.comment_digest(
        _, digest.chat.title, digest.topic, digest.round.number, digest.comments
    )
    for page in split_items(header, items):
        for user_id in recipients:
            await send_private(app, rt, user_id, page, "comment_digest", digest.round.id)


async def post_final_card(app: Application, rt: Runtime, round_id: int) -> None:
    """The final card (every action done: how satisfied are you with the outcome?)."""
    card = await service.round_card(rt, round_id)
    if card is not None:
        await post_card(app, rt, card)


async def refresh_round_card(bot: Bot, rt: Runtime, round_id: int) -> None:
    """The round's card edited in place with its counts; a closed round loses its buttons."""
    card = await service.round_card(rt, round_id)
    if card is None or card.round.card_message_id is None:
        return
    names = await prompts.names(rt, [o for a in card.actions for o in a.owners])
    text, markup = followup_cards.followup_card(
        translator(card.chat.language), card, card.counts, names, rt.clock.now(), rt.bot_username
    )
    await edit(
        bot,
        card.chat.chat_id,
        card.round.card_message_id,
        text,
        markup if card.round.closed_at is None else None,
    )


async def run_followup(app: Application, job: Job, late: bool) -> None:
    """A follow-up row of the schedule (a card at an offset, an action due soon or overdue)."""
    rt = runtime_of(app)
    card = await service.take_job(rt, job, late)
    if card is not None:
        await post_card(app, rt, card)


async def run_owner_reminder(app: Application, job: Job, late: bool) -> None:
    """An owner's private reminder of an open action (the day before it is due, or on the
    day): its row is done before anything is sent, so that each goes at most once."""
    rt = runtime_of(app)
    reminder = await service.take_reminder(rt, job, late)
    if reminder is None:
        return
    _ = translator(reminder.chat.language)
    text = followup_cards.owner_due_reminder(
        _,
        reminder.when,
        reminder.action,
        reminder.chat.title,
        reminder.topic.number,
        rt.clock.now(),
    )
    for user_id in reminder.owners:
        await send_private(
            app,
            rt,
            user_id,
            text,
            "owner_reminder",
            reminder.action.id,
            followup_cards.report_here_topic(_, reminder.topic, rt.bot_username),
        )


def register_jobs(scheduler) -> None:
    for kind in (kinds.FOLLOWUP, *kinds.ACTION_CARD_KINDS):
        scheduler.register(kind, scheduled(run_followup))
    scheduler.register(kinds.OWNER_REMINDER, scheduled(run_owner_reminder))
