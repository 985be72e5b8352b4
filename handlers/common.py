"""The edge's shared tools: who is speaking, in which language, and how to answer them."""

from __future__ import annotations

import functools
import html
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from telegram import (
    Bot,
    CallbackQuery,
    ChatMember,
    ForceReply,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    MessageEntity,
    ReplyParameters,
    Update,
)
from telegram.error import BadRequest, ChatMigrated, Forbidden, TelegramError
from telegram.ext import Application, ContextTypes

from bot.buttons import Keyboard
from bot.errors import ChatClosed, ChatMoved, UserError
from bot.i18n import N_, Translate, translator
from bot.rules.speakers import Speaker, is_administrator, is_current_member, speaker_of
from bot.rules.threads import thread_of_message
from bot.runtime import Runtime, runtime_of
from bot.services import chats, quiet, threads
from bot.services.chats import ChatContext, Person
from bot.services.common import Actor, MessageRef
from bot.services.threads import Place
from bot.text import fill
from handlers import rights
from storage.schedule import Job

log = logging.getLogger(__name__)

Context = ContextTypes.DEFAULT_TYPE

# Telegram did not answer getChatMember (network, 400, 5xx): no answer, so nothing is decided.
LOOKUP_FAILED = N_(
    "I could not check with Telegram who you are in this group just now; please try again in a moment."
)


@dataclass
class Ctx:
    rt: Runtime
    update: Update
    context: Context
    chat: ChatContext
    person: Person | None
    # Who writes: the person, or a name many share (the group itself for its anonymous
    # administrators, a channel); a press is always the person's (bot.rules.speakers).
    speaker: Speaker = Speaker.PERSON
    # In private, the line naming the group (and topic) the command acts on: every reply,
    # refusals included, starts with it (handlers/private.py sets it).
    about: str = ""
    # The forum thread the update came from (None: General, or a group without threads):
    # replies go there (bot.rules.threads.thread_of_message).
    thread: int | None = None
    # An answer to one of the bot's questions (ForceReply) that is handled like a command: a
    # refusal to it goes quietly, with the answer, as a command's does (tidy_refusal).
    answers_prompt: bool = False
    # The answer went to the member's private chat instead of the group (/views): a "which
    # topic?" question pressed for it says so (handlers/topic_choice.py).
    went_private: bool = False

    @property
    def _(self) -> Translate:
        """The chat's translator itself (not a wrapper), so that what it is handed to can tell
        its language (bot.i18n.language_of: 3月10日（周二）, not Tue 10 Mar)."""
        return translator(self.chat.language)

    def t(self, msgid: str, **params: Any) -> str:
        return fill(self._(msgid), params, self._)

    @property
    def as_group(self) -> bool:
        """An anonymous administrator speaks as the group itself."""
        return self.speaker is Speaker.GROUP

    @property
    def chat_id(self) -> int:
        return self.chat.chat_id

    @property
    def place(self) -> Place:
        """Where a reply goes: this chat, in the thread the update came from."""
        return Place(self.chat_id, self.thread)

    @property
    def user_id(self) -> int:
        return self.person.user_id if self.person else 0

    @property
    def message(self) -> Message | None:
        return self.update.effective_message

    @property
    def args(self) -> list[str]:
        return list(self.context.args or [])

    def command_text(self) -> str:
        """Everything after the command word, line breaks kept (context.args loses them)."""
        message = self.update.effective_message
        text = (message.text or message.caption or "") if message else ""
        parts = text.split(maxsplit=1)
        return parts[1].strip() if len(parts) > 1 and parts[0].startswith("/") else ""

    async def reply(
        self,
        text: str,
        markup: Markup = None,
        quote: bool = True,
    ) -> Message | None:
        message = self.update.effective_message
        reply_to = (
            ReplyParameters(message_id=message.message_id, allow_sending_without_reply=True)
            if quote and message is not None and self.update.callback_query is None
            else None
        )
        if self.about:
            text = f"{self.about}\n{text}"
        return await post(self.context.bot, self.place, text, markup, reply_to)

    async def refuse(self, err: UserError) -> None:
        text = self.t(err.msgid, **err.params)
        query = self.update.callback_query
        if query is not None:
            await answer_query(query, html_to_toast(text), alert=True)
            return
        sent = await self.reply(text)
        if sent is not None:
            await self.tidy_refusal(sent)

    async def tidy_refusal(self, refusal: Message) -> None:
        """Quiet refusals (bot/services/quiet.py): a refusal to a command typed in a group goes
        in a minute, with the command, where the bot may delete members' messages; otherwise
        both stay. An edited command is left alone (it may carry what an earlier version of it
        did), and so is its refusal."""
        command = self.update.message
        if self.chat.is_private or command is None:
            return
        if not (is_command(command) or self.answers_prompt):
            return
        chat_type = self.update.effective_chat.type
        if await rights.may_delete_here(self.context.application, self.chat_id, chat_type):
            await quiet.tidy_later(self.rt, self.chat_id, refusal.message_id, command.message_id)

    @property
    def update_id(self) -> int:
        return self.update.update_id

    @property
    def acted_at(self) -> datetime:
        """When the member acted (UTC): a message's own date (an edit's edit date), else the
        moment the bot received the update (a press carries no date of its own)."""
        received = (self.rt.inbox.received_at(self.update_id) if self.rt.inbox else None) or (
            self.rt.clock.now()
        )
        message = self.update.message or self.update.edited_message
        if message is None:
            return received
        sent = message.edit_date if self.update.edited_message is not None else message.date
        return min(sent, received) if sent is not None else received

    def actor_given(self, is_convenor: bool = False) -> Actor:
        """The member as the services see them, with the convenor status the caller gives
        (already looked up, or not needed: then False); nothing is asked of Telegram. An
        anonymous administrator speaking as the group is a convenor either way."""
        person = self.person
        return Actor(
            user_id=self.user_id,
            is_convenor=is_convenor or self.as_group,
            is_bot=bool(person and person.is_bot and not self.as_group),
            name=person.first_name if person else "",
            update_id=self.update_id,
            acted_at=self.acted_at,
            person=person,
            message=self.own_message(),
            speaker=self.speaker,
        )

    def own_message(self) -> MessageRef | None:
        """The member's new message this update brings (not an edit, not a press on one of
        ours): what a record created now is linked to, for a later edit to find."""
        message = self.update.message
        return MessageRef(message.chat.id, message.message_id) if message is not None else None

    async def actor_looked_up(self) -> Actor:
        """The member with their convenor status in this chat looked up first (a named
        convenor, else Telegram's getChatMember; cached briefly): for what a convenor may do."""
        return self.actor_given(await self.is_convenor())

    async def actor_in_person(self, chat_id: int | None = None) -> Actor:
        """The member for what counts one person, one voice (seconding, a view, a ballot, a
        rating), with their membership of the group (`chat_id`, this one if not given) looked up
        first. A name many share and a bot are refused by the rules without asking Telegram.
        Raises UserError (try again) when Telegram does not answer."""
        actor = self.actor_given()
        if self.speaker is not Speaker.PERSON or actor.is_bot or self.person is None:
            return actor
        return replace(actor, member=await self.is_member_of(chat_id or self.chat_id))

    async def is_member_of(self, chat_id: int) -> bool:
        """Is the person in that group now (bot.rules.speakers.is_current_member)? Asked of
        Telegram; a yes is trusted for a short while, a no is not kept (they may join at any
        moment). A failed look-up is no answer: UserError (try again), and nothing is kept."""
        key = ("member", chat_id, self.user_id)
        if self.rt.admin_cache.get(key):
            return True
        member = await self._chat_member(chat_id)
        verdict = is_current_member(member.status, getattr(member, "is_member", None))
        if verdict:
            self.rt.admin_cache.put(key, True)
        return verdict

    async def _chat_member(self, chat_id: int) -> ChatMember:
        """getChatMember of the person in `chat_id`; UserError (try again) if it fails."""
        try:
            return await self.context.bot.get_chat_member(chat_id, self.user_id)
        except TelegramError as exc:
            log.warning("getChatMember failed in chat %s: %s", chat_id, exc)
            raise UserError(LOOKUP_FAILED) from None

    async def is_convenor(self) -> bool:
        if self.chat.is_private or self.person is None:
            return False
        if self.as_group:
            return True
        cache_key = (self.chat_id, self.user_id)
        cached = self.rt.admin_cache.get(cache_key)
        if cached is not None:
            return cached
        verdict = await chats.is_named_convenor(self.rt, self.chat_id, self.user_id)
        if not verdict:
            # A failed look-up raises (try again) and leaves nothing cached: no answer is not
            # "not a convenor".
            member = await self._chat_member(self.chat_id)
            verdict = is_administrator(member.status)
            if is_current_member(member.status, getattr(member, "is_member", None)):
                self.rt.admin_cache.put(("member", self.chat_id, self.user_id), True)
        self.rt.admin_cache.put(cache_key, verdict)
        return verdict


def is_command(message: Message) -> bool:
    """A command typed as a message (its first entity a bot command at the start)."""
    return any(
        e.type == MessageEntity.BOT_COMMAND and e.offset == 0 for e in message.entities or ()
    )


Markup = Keyboard | InlineKeyboardMarkup | ForceReply | None


def to_markup(markup: Markup) -> InlineKeyboardMarkup | ForceReply | None:
    """Buttons as the application gives them (bot/buttons.py) made into Telegram's markup."""
    if markup is None or isinstance(markup, InlineKeyboardMarkup | ForceReply):
        return markup
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(b.text, callback_data=b.data, url=b.url) for b in row]
            for row in markup
        ]
    )


async def send(
    context: Context,
    chat_id: int,
    text: str,
    markup: Markup = None,
    reply_to: ReplyParameters | None = None,
) -> Message | None:
    return await post(context.bot, Place(chat_id), text, markup, reply_to)


async def post(
    bot: Bot,
    place: Place,
    text: str,
    markup: Markup = None,
    reply_to: ReplyParameters | None = None,
    rt: Runtime | None = None,
) -> Message:
    """Every message the bot posts in a chat goes out here, into the thread `place` names
    (bot/services/threads.py decides it: `place_of` for a topic, `Ctx.place` for a reply);
    General, or a group without threads, gets no message_thread_id at all (Telegram refuses
    General's id). A thread Telegram refuses (deleted: "message thread not found"; closed to
    a bot that may not manage topics: TOPIC_CLOSED) is not worth losing the message for: it
    goes to General instead, and a deleted topic's thread is forgotten (with `rt`)."""
    try:
        return await bot.send_message(
            place.chat_id,
            text,
            reply_markup=to_markup(markup),
            reply_parameters=reply_to,
            message_thread_id=place.thread_id,
        )
    except BadRequest as exc:
        lowered = str(exc).lower()
        gone = "thread not found" in lowered
        if place.thread_id is None or not (gone or "topic_closed" in lowered):
            raise
        log.info(
            "chat %s refused thread %s (%s): posted in General", place.chat_id, place.thread_id, exc
        )
    if gone and rt is not None and place.topic_id is not None:
        await threads.forget_thread(rt, place.topic_id)
    # A reply would follow its message back into the refused thread.
    return await bot.send_message(place.chat_id, text, reply_markup=to_markup(markup))


def html_to_toast(text: str) -> str:
    """Toasts are plain text of at most 200 characters."""
    from re import sub

    plain = html.unescape(sub(r"<[^>]+>", "", text))
    return plain if len(plain) <= 200 else plain[:199] + "…"


async def answer_query(query: CallbackQuery, text: str | None = None, alert: bool = False) -> None:
    try:
        await query.answer(text, show_alert=alert)
    except BadRequest as exc:
        # A press older than Telegram's answer window: the user has moved on.
        log.info("could not answer callback query: %s", exc)


async def build_ctx(update: Update, context: Context) -> Ctx | None:
    rt = runtime_of(context.application)
    tg_chat = update.effective_chat
    if tg_chat is None:
        return None
    tg_user = update.effective_user
    # A message's sender chat says on whose behalf it was written; a press (whose message is
    # one of ours) is always the person's own.
    message = update.message or update.edited_message
    sender_chat = message.sender_chat if message is not None else None
    speaker = speaker_of(
        tg_chat.id,
        sender_chat.id if sender_chat is not None else None,
        bool(message is not None and message.is_automatic_forward),
    )
    is_forum = bool(tg_chat.is_forum)
    thread = thread_of_update(update)
    chat = await chats.chat_context(
        rt,
        tg_chat.id,
        tg_chat.type,
        tg_chat.title or tg_chat.full_name or "",
        tg_user.language_code if tg_user else None,
        is_forum=is_forum,
    )
    person = (
        Person(
            tg_user.id, tg_user.first_name, tg_user.username, tg_user.language_code, tg_user.is_bot
        )
        if tg_user
        else None
    )
    return Ctx(rt, update, context, chat, person, speaker, thread=thread)


def thread_of_update(update: Update) -> int | None:
    """The forum thread an update came from, to answer there: that of the message it brings
    or is about (a press's: the card pressed); None for General or a group without threads."""
    chat = update.effective_chat
    message = update.effective_message
    return thread_of_message(
        bool(chat is not None and chat.is_forum),
        getattr(message, "message_thread_id", None),
        getattr(message, "is_topic_message", None),
    )


Handler = Callable[[Ctx], Awaitable[None]]


def edge(fn: Handler) -> Callable[[Update, Context], Awaitable[None]]:
    """Wrap a handler: build its Ctx, and turn a UserError into a polite answer."""

    @functools.wraps(fn)
    async def wrapper(update: Update, context: Context) -> None:
        ctx = await build_ctx(update, context)
        if ctx is None:
            return
        try:
            try:
                await fn(ctx)
            except UserError as err:
                await ctx.refuse(err)
        except TelegramError as exc:
            # The group will not take the bot's messages (handlers/rights.py reads Telegram's
            # words): it pauses, and what the command stored stays (a card it could not post
            # waits, bot/services/waiting.py). Nothing is apologised for where nothing can be
            # posted, and the update is not handled again.
            if not ctx.chat.is_private and rights.chat_refusal(exc) is not None:
                await rights.pause(ctx.rt, ctx.chat_id, exc)
            elif isinstance(exc, Forbidden):
                log.info("chat %s refuses messages: %s", ctx.chat_id, exc)
            else:
                raise
        finally:
            # A name not written by a use case (a refusal, a question, a listing) goes with
            # the next batch of handled marks: no transaction of its own. Only a person's: a
            # message written as a channel or as the group names nobody.
            person = ctx.person
            if (
                person is not None
                and not person.is_bot
                and ctx.speaker is Speaker.PERSON
                and chats.name_changed(ctx.rt, person)
            ):
                ctx.rt.inbox.note_person(person)

    return wrapper


def scheduled(fn: Callable[[Any, Any, bool], Awaitable[None]]) -> Callable[..., Awaitable[None]]:
    """Wrap a schedule row's handler: Telegram's word on the chat becomes the application's
    (ChatMoved, ChatClosed), so that bot/scheduler.py never speaks Telegram."""

    @functools.wraps(fn)
    async def wrapper(app: Application, job: Job, late: bool) -> None:
        try:
            await fn(app, job, late)
        except ChatMigrated as exc:
            raise ChatMoved(exc.new_chat_id) from exc
        except TelegramError as exc:
            # 403, and the 400s that mean the same (no right to post, writing forbidden, the
            # group deleted): the chat's rows pause and wait, none uses up its tries.
            if isinstance(exc, Forbidden) or rights.chat_refusal(exc) is not None:
                raise ChatClosed(str(exc)) from exc
            raise

    return wrapper


async def require_convenor(ctx: Ctx) -> None:
    from bot.i18n import N_

    if not await ctx.is_convenor():
        raise UserError(N_("Only a convenor of this group can do that."))
