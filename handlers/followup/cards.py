"""What the follow-up schedule posts: the topic's living follow-up card, posted anew at each
follow-up offset (the card before it then points to it) and edited in place whenever an action,
a report or a rating changes; the one-line notices of actions due soon or overdue; the
convenors' reopen question; one private copy per round for subscribers and owners; the final
round on the living card when the last action is done; the convenors' digest of private
comments (its own schedule row, within an hour of a comment)."""

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
from bot.services.views import message_link
from bot.text import split_items
from handlers.common import scheduled
from handlers.followup.subscriptions import send_private
from handlers.render import edit, post_about
from storage.schedule import Job

log = logging.getLogger(__name__)


async def post_card(app: Application, rt: Runtime, card: service.Card) -> int:
    """Post the living card anew (an offset's round, or the final round of a topic that had no
    card yet), record it, retire the card it replaces, then the private copies. Returns the
    card's message id."""
    _ = translator(card.chat.language)
    now = rt.clock.now()
    names = await prompts.names(rt, [o for a in card.actions for o in a.owners])
    text, markup = followup_cards.followup_card(_, card, names, now, rt.bot_username)
    message = await post_about(app.bot, rt, card.chat, card.topic, text, markup)
    # The one send the group sees is recorded (and its schedule row done) at once: whatever
    # fails after it, a retry never posts the card again.
    await until_stored(
        rt, lambda: service.card_posted(rt, card, message.message_id), "a follow-up card"
    )
    if card.replaces is not None and card.replaces != message.message_id:
        await retire_card(app.bot, card, message.message_id)
    if card.reopen_offer is not None:
        question, buttons = followup_cards.reopen_question(_, card.topic, card.reopen_offer, None)
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
    for user_id in card.owners:
        own = service.open_actions_of(card.actions, user_id)
        if not own:
            continue
        reminder = followup_cards.owner_reminder(_, card, card.chat.title, own[0].number)
        lines = [followup_cards.action_line(_, a, names, now) for a in own]
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
    return message.message_id


async def retire_card(bot: Bot, card: service.Card, current_id: int) -> None:
    """The card `card` replaces loses its buttons and says, in one line, where the current one
    (message `current_id`) is. A card someone deleted is left alone."""
    _ = translator(card.chat.language)
    text = followup_cards.superseded(_, card.topic, message_link(card.chat.chat_id, current_id))
    try:
        await edit(bot, card.chat.chat_id, card.replaces, text, None)
    except TelegramError as exc:
        log.warning("older follow-up card of topic %s not retired: %s", card.topic.id, exc)


async def post_notice(app: Application, rt: Runtime, notice: service.Notice) -> None:
    """An action due soon or overdue: one line that mentions its owners and points to the living
    card; long overdue: the convenors' reopen question. No round opens, no private copy goes
    (owners have their own reminders). The row is done right after the one send."""
    _ = translator(notice.chat.language)
    if notice.kind == kinds.OVERDUE_REOPEN:
        text, markup = followup_cards.reopen_question(_, notice.topic, (0, 0), notice.action)
    else:
        names = await prompts.names(rt, list(notice.action.owners))
        today = rt.clock.now().astimezone(notice.chat.settings.zone()).date()
        link = (
            message_link(notice.chat.chat_id, notice.card_message_id)
            if notice.card_message_id is not None
            else None
        )
        text, markup = followup_cards.notice_line(_, notice, names, today, link), None
    await post_about(app.bot, rt, notice.chat, notice.topic, text, markup)
    await until_stored(rt, lambda: service.notice_posted(rt, notice), "a follow-up notice")


async def administrators(bot: Bot, chat_id: int) -> list[int]:
    """The group's administrators (people, not bots), as Telegram lists them; none when it
    will not say."""
    try:
        members = await bot.get_chat_administrators(chat_id)
    except TelegramError as exc:
        log.warning("administrators of %s not listed: %s", chat_id, exc)
        return []
    return [m.user.id for m in members if not m.user.is_bot]


async def run_comment_digest(app: Application, job: Job, late: bool) -> None:
    """A topic's comment digest row (bot/services/followup/digest.py): the comments not yet
    sent, unsigned, privately to the convenors who started the bot (those named with /convenor
    and the group's administrators), one digest per round. They are claimed before anything is
    sent, so that each goes at most once."""
    rt = runtime_of(app)
    for digest in await service.take_digest(rt, job, late):
        await send_comment_digest(app, rt, digest)


async def send_comment_digest(app: Application, rt: Runtime, digest: service.Digest) -> None:
    """One round's digest to the group's reachable convenors."""
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


async def post_final_card(app: Application, rt: Runtime, round_id: int) -> int | None:
    """Every action is done: the final round. It lives on the topic's living card (edited now,
    so that its buttons carry the final round at once); a topic that had no card yet gets one.
    Returns the card's message id (None when the group is gone)."""
    card = await service.round_card(rt, round_id)
    if card is None:
        return None
    if card.round.card_message_id is None:
        return await post_card(app, rt, card)
    await refresh_living_card(app.bot, rt, card.topic.id)
    if rt.card_edits is not None:
        rt.card_edits.forget("followup", card.topic.id)
    return card.round.card_message_id


async def refresh_living_card(bot: Bot, rt: Runtime, topic_id: int) -> None:
    """The topic's living follow-up card edited in place (its actions, notes and counts); a
    closed round loses its rating buttons, an ended follow-up all of them."""
    card = await service.living_card(rt, topic_id)
    if card is None:
        return
    names = await prompts.names(rt, [o for a in card.actions for o in a.owners])
    text, markup = followup_cards.followup_card(
        translator(card.chat.language), card, names, rt.clock.now(), rt.bot_username
    )
    await edit(bot, card.chat.chat_id, card.round.card_message_id, text, markup)


async def run_followup(app: Application, job: Job, late: bool) -> None:
    """A follow-up row of the schedule: a card at an offset, or a notice about an action."""
    rt = runtime_of(app)
    taken = await service.take_job(rt, job, late)
    if isinstance(taken, service.Card):
        await post_card(app, rt, taken)
    elif isinstance(taken, service.Notice):
        await post_notice(app, rt, taken)


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
    scheduler.register(kinds.COMMENT_DIGEST, scheduled(run_comment_digest))
