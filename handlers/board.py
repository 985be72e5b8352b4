"""The notice board in the group (bot/board.py): where the bot may pin, one message, posted
and pinned once (silently) in General, edited in place as topics move; /board shows it.

- Its edits go with the card edits (handlers/render.py CardRefresher, kind "board", one per
  chat): any number of changes within the refresh interval cost one edit, and an edit that
  would change nothing costs no call (the text last shown is kept in Runtime.boards_shown).
- A board someone deleted ("message to edit not found") is posted and pinned again, once per
  refresh; one that someone unpinned is left unpinned (their choice) and still kept up to date.
- Where the bot may not pin (bot/rules via handlers/rights.may_pin_here), nothing is posted by
  itself: /board, which anyone may ask, posts the board as a fresh message instead. A pin
  refused after all (the right taken a moment ago) removes the message just posted and is
  remembered for a while: no loop of posts.
- A paused group (the bot may not post there: handlers/rights.py) gets no board edits; the
  board is brought up to date when the group resumes."""

from __future__ import annotations

import asyncio
import logging

from telegram import Bot
from telegram.error import BadRequest, TelegramError
from telegram.ext import CommandHandler

from bot.board import ORDER, board_text
from bot.i18n import N_, translator
from bot.runtime import Runtime
from bot.services import board
from bot.services.chats import ChatContext, load_chat_context
from bot.services.threads import Place
from bot.services.views import message_link
from bot.text import Html, esc
from handlers import rights
from handlers.common import Ctx, edge, post
from handlers.render import BOARD, edit
from handlers.topics import group_only

log = logging.getLogger(__name__)

KIND = BOARD


async def current_text(rt: Runtime, chat: ChatContext) -> tuple[str, bool]:
    """The board as it should read now, and whether it lists any topic."""
    topics = await board.topics_on(rt, chat.chat_id)
    text = board_text(translator(chat.language), topics, chat.settings, rt.clock.now())
    return text, any(topic.status in ORDER for topic in topics)


async def refresh_board(bot: Bot, rt: Runtime, chat_id: int, _ref_id: int = 0) -> None:
    """Bring the group's board up to date: edit it, post it if it was deleted, or post it the
    first time there is a topic to list, where the bot may pin. Nothing in a paused group.
    One at a time per chat: refreshes come from the card edits (beside the chat's lane) and
    from /board, and two that both found no board would each post and pin one."""
    lock = rt.board_locks.setdefault(chat_id, asyncio.Lock())
    async with lock:
        await _refresh_board(bot, rt, chat_id)


async def _refresh_board(bot: Bot, rt: Runtime, chat_id: int) -> None:
    chat = await load_chat_context(rt, chat_id)
    if chat is None or chat.is_private or not chat.active:
        return
    message_id = await board.message_of(rt, chat_id)
    if message_id is None and not await rights.may_pin_here(bot, rt, chat_id):
        # No board and no right to pin one (asked of Telegram at most once in a while): the
        # topics are not even read, so a group without a board costs one look, not two.
        return
    text, lists_any = await current_text(rt, chat)
    if message_id is not None:
        if rt.boards_shown.get(chat_id) == text:
            return
        if await edit(bot, chat_id, message_id, text, None):
            rt.boards_shown[chat_id] = text
            return
        log.info("board %s of chat %s is gone; posting it again", message_id, chat_id)
        await board.set_message(rt, chat_id, None)
        rt.boards_shown.pop(chat_id, None)
    elif not lists_any:
        return
    await post_board(bot, rt, chat_id, text)


async def post_board(bot: Bot, rt: Runtime, chat_id: int, text: str) -> int | None:
    """Post the board in General and pin it without a notification; its message id, or None
    where the bot may not pin (then nothing stays posted)."""
    if not await rights.may_pin_here(bot, rt, chat_id):
        return None
    message = await post(bot, Place(chat_id), text)
    try:
        await bot.pin_chat_message(chat_id, message.message_id, disable_notification=True)
    except BadRequest as exc:
        if rights.chat_refusal(exc) is not None:
            raise
        # The right went a moment ago: an unpinned board would be one more message lost in the
        # chat. It goes, and the refusal is kept for a while (no post again on the next change).
        log.info("chat %s refused to pin the board: %s", chat_id, exc)
        rt.admin_cache.put((rights.PINS_KEY, chat_id), False)
        try:
            await bot.delete_message(chat_id, message.message_id)
        except TelegramError as gone:
            log.info("unpinned board %s of chat %s stays: %s", message.message_id, chat_id, gone)
        return None
    await board.set_message(rt, chat_id, message.message_id)
    rt.boards_shown[chat_id] = text
    return message.message_id


@edge
async def show_board(ctx: Ctx) -> None:
    """/board (anyone): where the board is pinned, a line that links to it (brought up to date
    first); where the bot may not pin, the board itself as a fresh message."""
    group_only(ctx)
    bot, rt = ctx.context.bot, ctx.rt
    if rt.card_edits is not None:
        rt.card_edits.forget(KIND, ctx.chat_id)
    await refresh_board(bot, rt, ctx.chat_id)
    message_id = await board.message_of(rt, ctx.chat_id)
    if message_id is None:
        text, _lists_any = await current_text(rt, ctx.chat)
        await ctx.reply(text)
        return
    link = message_link(ctx.chat_id, message_id)
    if link is None:
        await ctx.reply(
            ctx._(N_("The notice board is the pinned message at the top of this chat."))
        )
        return
    label = esc(ctx._(N_("the notice board")))
    await ctx.reply(
        ctx.t(
            N_("I keep {link} up to date, pinned at the top of this chat."),
            link=Html(f'<a href="{link}">{label}</a>'),
        )
    )


def register(app) -> None:
    app.add_handler(CommandHandler("board", show_board))
