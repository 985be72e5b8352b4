"""Turn stored state into the cards the group sees, and keep posted cards up to date."""

from __future__ import annotations

import asyncio
import logging
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

from telegram import Bot, Message
from telegram.error import BadRequest, Forbidden, TelegramError
from telegram.ext import Application, CallbackContext

from bot import cards
from bot.buttons import Keyboard
from bot.i18n import N_, translator
from bot.runtime import Runtime
from bot.services import threads, topics, votes, waiting
from bot.services.card_lines import card_lines
from bot.services.chats import ChatContext
from bot.services.threads import Place
from bot.services.views import message_link
from bot.text import Html, esc, fill, split_items
from handlers import rights
from handlers.common import Ctx, Markup, post, to_markup
from storage.topics import TopicRow

log = logging.getLogger(__name__)


async def topic_card(
    rt: Runtime, chat: ChatContext, topic: TopicRow
) -> tuple[str, Keyboard | None]:
    facts = await topics.card_facts(rt, topic)
    _ = translator(chat.language)
    card = cards.TopicCard(
        topic=topic,
        proposer=facts.proposer,
        supporters=facts.supporters,
        stances=facts.stances,
        settings=chat.settings,
        views_open=topics.views_open(topic, rt.clock.now()),
        bot_username=rt.bot_username,
        now=rt.clock.now(),
        form=facts.form,
        extra=tuple(await card_lines(rt, topic, _, chat.settings)),
    )
    return cards.topic_card(_, card)


async def post_topic_card(
    bot: Bot,
    rt: Runtime,
    chat: ChatContext,
    topic: TopicRow,
    place: Place | None = None,
    waits: bool = True,
    retire: bool = True,
) -> Message | None:
    """The topic's card, in its thread (or in `place`: where /topic N was asked).

    If the group will not take it now (the bot may not post there), what the command stored
    stays and the card waits for the group (bot/services/waiting.py): None. `waits=False` (the
    waiting row itself) lets the refusal through, so that the row keeps waiting.

    The card it replaces (the topic's card until now) loses its buttons and points to this
    one (`retire_superseded`), unless the caller has retired it already (`retire=False`)."""
    text, markup = await topic_card(rt, chat, topic)
    try:
        if place is None:
            message = await post_about(bot, rt, chat, topic, text, markup)
        else:
            message = await post(bot, place, text, markup)
    except TelegramError as exc:
        if not waits or rights.chat_refusal(exc) is None:
            raise
        await waiting.hold_card(rt, chat.chat_id, "topic", topic.id, topic.card_message_id)
        log.info("card of topic %s waits for chat %s: %s", topic.id, chat.chat_id, exc)
        return None
    await topics.set_card(rt, topic.id, message.message_id)
    old = topic.card_message_id
    if retire and old is not None and old != message.message_id:
        await retire_superseded(bot, chat, topic, old, message.message_id)
    board_changed(rt, chat.chat_id)
    return message


async def retire_superseded(
    bot: Bot, chat: ChatContext, topic: TopicRow, old_id: int, new_id: int
) -> None:
    """A topic card that a newer one replaced: its buttons go (a press there would act on a
    card nobody keeps up to date) and one line points to the current card (a message link in
    a supergroup; a basic group's messages have no links). Best effort: the new card is out,
    and an old card someone deleted needs nothing."""
    _ = translator(chat.language)
    title = fill(
        _(N_("<b>Topic #{number}: {title}</b>")), {"number": topic.number, "title": topic.title}, _
    )
    link = message_link(chat.chat_id, new_id)
    if link is None:
        line = _(N_("This card is out of date: the current one is further down."))
    else:
        label = esc(_(N_("the current card")))
        line = fill(
            _(N_("This card is out of date: {link}.")),
            {"link": Html(f'<a href="{link}">{label}</a>')},
            _,
        )
    try:
        await edit(bot, chat.chat_id, old_id, f"{title}\n{line}", None)
    except TelegramError as exc:
        log.info("old card %s of topic %s not retired: %s", old_id, topic.id, exc)


@asynccontextmanager
async def card_waits_if_refused(rt: Runtime, chat: ChatContext, topic: TopicRow):
    """Around what a command sends after its use case committed, before the topic's card (a
    notice, a thread opened, an old card retired): if the group refuses any of it, the card
    waits for the group like a refused card (bot/services/waiting.py), so that nothing stays
    half done; the refusal goes on to the edge, which pauses the chat."""
    try:
        yield
    except TelegramError as exc:
        if rights.chat_refusal(exc) is not None:
            await waiting.hold_card(rt, chat.chat_id, "topic", topic.id, topic.card_message_id)
        raise


async def post_about(
    bot: Bot,
    rt: Runtime,
    chat: ChatContext,
    topic: TopicRow,
    text: str,
    markup: Markup = None,
) -> Message:
    """A message about `topic` that answers no command (a card, a notice, a result): in the
    thread where the topic lives (bot.services.threads.place_of). What it tells may have moved
    the topic on (a result, a follow-up card): the notice board is looked at (board_changed)."""
    message = await post(bot, threads.place_of(chat, topic), text, markup, rt=rt)
    board_changed(rt, chat.chat_id)
    return message


# The CardRefresher's kind for a group's notice board (handlers/board.py); its ref id is the
# chat id.
BOARD = "board"


def board_changed(rt: Runtime, chat_id: int) -> None:
    """Something the notice board shows may have changed in the group: one refresh, soon, with
    the card edits (coalesced; a refresh that changes nothing costs no call)."""
    if rt.card_edits is not None:
        rt.card_edits.request(None, BOARD, chat_id, chat_id)


async def answer_about(
    ctx: Ctx, topic: TopicRow, text: str, markup: Markup = None
) -> Message | None:
    """What a command about `topic` posts (a draft, a notice that it ended): in the thread where
    the topic lives. Asked there, it answers the command in place; asked elsewhere (General,
    another thread), it goes to the topic's thread and the command gets one line saying where
    (`point_to_thread`), so that neither the thread's record nor the asker is left without it."""
    if _elsewhere(ctx, topic):
        message = await post_about(ctx.context.bot, ctx.rt, ctx.chat, topic, text, markup)
        await point_to_thread(ctx, topic)
        return message
    return await ctx.reply(text, markup)


async def point_to_thread(ctx: Ctx, topic: TopicRow) -> None:
    """A command about `topic` typed outside the thread where it lives got its answer there:
    one line here says so. Nothing when it was typed in that thread."""
    if _elsewhere(ctx, topic):
        await ctx.reply(
            ctx.t(N_("Done: it is in the thread of topic #{number}."), number=topic.number)
        )


def _elsewhere(ctx: Ctx, topic: TopicRow) -> bool:
    return threads.place_of(ctx.chat, topic).thread_id != ctx.place.thread_id


async def edit(bot: Bot, chat_id: int, message_id: int, text: str, markup: Keyboard | None) -> bool:
    """Edit a card; False when it is gone (someone deleted it). "Not modified" is success."""
    try:
        await bot.edit_message_text(
            text, chat_id=chat_id, message_id=message_id, reply_markup=to_markup(markup)
        )
    except BadRequest as exc:
        lowered = str(exc).lower()
        if "not modified" in lowered:
            return True
        if rights.chat_refusal(exc) is not None:
            raise  # the group is gone or closed to us ("chat not found"), not the card
        if "not found" in lowered or "can't be edited" in lowered:
            return False
        raise
    return True


async def send_pages(
    bot: Bot, where: Place | int, header: str, items: list[str], reply_to: Any = None
) -> list[Message]:
    """Long lists go out as several messages, split between items, never inside a tag; to
    `where` (a chat id, or a place: the thread a listing was asked in)."""
    place = where if isinstance(where, Place) else Place(where)
    sent = []
    for index, page in enumerate(split_items(header, items)):
        sent.append(await post(bot, place, page, reply_to=reply_to if index == 0 else None))
    return sent


# How long, at stop, edits already under way may take before they are let go (seconds).
STOP_GRACE = 2.0


class CardRefresher:
    """Coalesce card edits: many presses in an interval cost one edit of the card."""

    def __init__(self, rt: Runtime) -> None:
        self.rt = rt
        self._dirty: dict[tuple[str, int], int] = {}  # (kind, id) -> chat_id
        self._under_way: set[asyncio.Task] = set()  # edits the job queue set off (`_fire`)
        # kind -> coroutine(bot, rt, chat_id, ref_id) that re-renders and edits the card
        self.renderers: dict[str, Any] = {
            "topic": refresh_topic_card,
            "vote": lambda bot, rt, _chat, ref: refresh_ballot_card(bot, rt, ref),
        }

    def interval(self) -> timedelta:
        return self.rt.settings.limits.tally_refresh

    def request(self, app: Application, kind: str, ref_id: int, chat_id: int) -> None:
        key = (kind, ref_id)
        if key in self._dirty:
            return
        self._dirty[key] = chat_id
        if self.rt.job_queue is not None:
            self.rt.job_queue.run_once(
                self._fire,
                when=self.interval().total_seconds(),
                data=key,
                name=f"refresh-{kind}-{ref_id}",
            )

    def forget(self, kind: str, ref_id: int) -> None:
        """The card was just brought up to date by other means: its queued edit is not needed."""
        self._dirty.pop((kind, ref_id), None)

    def pending(self) -> list[tuple[str, int]]:
        return list(self._dirty)

    async def _fire(self, context: CallbackContext) -> None:
        # The edit runs beside the job queue, not in its job: a send may wait seconds for its
        # group's budget (AIORateLimiter), and a job still running when the application stops
        # is cancelled under APScheduler, which reports it as a failure. `flush` at stop gives
        # edits under way a moment and then lets them go.
        task = asyncio.create_task(self._edit_in_task(context.application, context.job.data))
        self._under_way.add(task)
        task.add_done_callback(self._under_way.discard)

    async def _edit_in_task(self, app: Application, key: tuple[str, int]) -> None:
        try:
            await self.flush_one(app, key)
        except asyncio.CancelledError:
            log.info("edit of %s %s abandoned at stop", *key)
        except Exception:
            log.exception("edit of %s %s failed", *key)

    async def flush(self, app: Application) -> None:
        """Every requested edit now (at stop, and in tests when time passes); edits already
        under way get STOP_GRACE to finish, then are abandoned (the card stays as it was)."""
        if self._under_way:
            _done, late = await asyncio.wait(set(self._under_way), timeout=STOP_GRACE)
            for task in late:
                task.cancel()
        for key in list(self._dirty):
            await self.flush_one(app, key)

    async def flush_one(self, app: Application, key: tuple[str, int]) -> None:
        chat_id = self._dirty.pop(key, None)
        if chat_id is None:
            return
        kind, ref_id = key
        try:
            await self.renderers[kind](app.bot, self.rt, chat_id, ref_id)
        except Forbidden as exc:
            log.info("card refresh in chat %s refused: %s", chat_id, exc)
        except BadRequest as exc:
            # "chat not found" (the group deleted), or no right to post: the chat pauses.
            if rights.chat_refusal(exc) is None:
                raise
            await rights.pause(self.rt, chat_id, exc)


async def chat_of(rt: Runtime, chat_id: int) -> ChatContext | None:
    from bot.services.chats import load_chat_context

    return await load_chat_context(rt, chat_id)


async def refresh_topic_card(bot: Bot, rt: Runtime, chat_id: int, topic_id: int) -> None:
    chat = await chat_of(rt, chat_id)
    topic = await topics.get_by_id(rt, topic_id)
    if chat is None or topic is None or topic.card_message_id is None:
        return
    text, markup = await topic_card(rt, chat, topic)
    if not await edit(bot, chat_id, topic.card_message_id, text, markup):
        await topics.set_card(rt, topic.id, None)


async def refresh_ballot_card(bot: Bot, rt: Runtime, vote_id: int) -> None:
    state = await votes.state(rt, vote_id)
    chat = await chat_of(rt, state.topic.chat_id)
    if chat is None or state.vote.card_message_id is None:
        return
    text, markup = cards.ballot_card(
        translator(chat.language), state, chat.settings, rt.bot_username, now=rt.clock.now()
    )
    if not await edit(bot, chat.chat_id, state.vote.card_message_id, text, markup):
        # Someone deleted the card while the vote is open: post a fresh one.
        if state.vote.is_open:
            message = await post_about(bot, rt, chat, state.topic, text, markup)
            await votes.set_card(rt, vote_id, message.message_id)
