"""A command typed without its topic number acts on the only topic it can be about, or asks
which (issue 12): one piece for every command that takes a number N first.

A command handler declares it with :func:`about_a_topic` (under ``@edge``). When the number is
missing (bot/rules/topic_choice.py tells, from the command's arguments), the group's topics in
a phase where the command makes sense are looked up:

- one: the command runs as if typed with that number;
- several: a question, as a reply to the command, with one button per topic ("#2 修村口的路");
  its writer's press runs the command as if typed with that number. The button carries the
  topic number and the command's message id; the rest of what was typed is read back from
  that message (the question's reply_to_message), so nothing is kept meanwhile. A press by
  someone else, or on a question whose command is gone or whose topic has moved on, gets a
  toast and changes nothing;
- none: a short answer saying so.

"As if typed" means the command's own message, with the number put in after the command word:
it is answered, quoted and acknowledged as a typed command is, and the same rules apply.
"""

from __future__ import annotations

import functools
import logging
from typing import Any

from telegram import Message, Update
from telegram.error import TelegramError
from telegram.ext import CallbackQueryHandler

from bot import callbacks
from bot.buttons import Button, keyboard
from bot.errors import UserError
from bot.i18n import N_
from bot.rules.topic_choice import SHAPES, Reading, phases_of, reading
from bot.services import topics
from bot.text import clip
from handlers.common import Ctx, Handler, answer_query, build_ctx, edge
from handlers.render import edit
from storage.topics import TopicRow

log = logging.getLogger(__name__)

# The commands that take a topic number, by name: what a "which topic?" press runs.
COMMANDS: dict[str, Handler] = {}
# At most this many topics are offered (the lowest numbers first); /topics lists them all.
MOST_OFFERED = 8
TITLE_ON_BUTTON = 28  # characters of a topic's title on its button

STALE = N_("This question is out of date: type the command again with the topic number.")


def about_a_topic(command: str, ask: bool = True) -> Any:
    """Decorate the handler of `command` (a key of bot.rules.topic_choice.SHAPES): when it is
    typed without its topic number, find the topic or ask which (module docstring). With
    `ask` False (a ballot: the typed words are a choice), several topics are not asked about:
    the question would leave the choice readable in the group until pressed, so the member is
    told to use a ballot card's buttons or type the number, and under a secret ballot the typed
    command is deleted where the bot may."""
    assert command in SHAPES, command

    def decorate(fn: Handler) -> Handler:
        COMMANDS[command] = fn

        @functools.wraps(fn)
        async def wrapper(ctx: Ctx) -> None:
            message = ctx.update.message
            if (
                ctx.chat.is_private
                or message is None
                or reading(command, ctx.args) is Reading.AS_TYPED
            ):
                await fn(ctx)
                return
            found = await topics.in_phases(ctx.rt, ctx.chat_id, phases_of(command))
            if len(found) == 1:
                await fn(await retyped(ctx, message, found[0].number))
                return
            if not found:
                raise UserError(
                    N_("No topic is at a stage for /{command} now. /topics lists the open topics."),
                    command=command,
                )
            if not ask:
                await unasked(ctx, message, command, found[0].number)
            await ask_which(ctx, command, message, found)

        return wrapper

    return decorate


async def unasked(ctx: Ctx, message: Message, command: str, example: int) -> None:
    """Several topics, a command whose words must not wait in the group (a ballot's choice):
    the typed command goes under a secret ballot where the bot may delete it; then UserError
    with an example."""
    if ctx.chat.settings.secret_ballot:
        try:
            await ctx.context.bot.delete_message(ctx.chat_id, message.message_id)
        except TelegramError as exc:
            log.info("a typed ballot without its topic number stays: %s", exc)
    raise UserError(
        N_(
            "Several votes are open: press a button on the ballot card of the one you mean, or type its number. For example: /{command} {number} agree"
        ),
        command=command,
        number=example,
    )


async def ask_which(ctx: Ctx, command: str, message: Message, found: list[TopicRow]) -> None:
    """The question, as a reply to the command: one button per topic it may be about."""
    rows = [
        [
            Button(
                f"#{topic.number} {clip(topic.title, TITLE_ON_BUTTON)}",
                data=callbacks.pick_topic(topic.number, message.message_id),
            )
        ]
        for topic in found[:MOST_OFFERED]
    ]
    await ctx.reply(
        ctx.t(N_("Which topic is this /{command} about?"), command=command), keyboard(rows)
    )


def command_word(text: str) -> str:
    """The command a message's text starts with, without its slash and @bot: "vote"."""
    first = text.split(maxsplit=1)[0] if text.strip() else ""
    return first.lstrip("/").split("@", 1)[0].lower()


async def retyped(ctx: Ctx, message: Message, number: int, now: float | None = None) -> Ctx:
    """The command `message` as if typed with topic `number` after the command word (its
    other entities moved along); dated `now` (a press: when the choice was made), else as
    sent."""
    text = message.text or ""
    word = text.split(maxsplit=1)[0]
    rest = text[len(word) :].lstrip(" ")
    inserted = f" {number}" + (" " if rest else "")
    shift = len(inserted) - (len(text) - len(word) - len(rest))
    data = message.to_dict()
    data["text"] = word + inserted + rest
    data["entities"] = [
        {**e, "offset": e["offset"] + shift} if e["offset"] >= len(word) else e
        for e in data.get("entities", [])
    ]
    if now is not None:
        data["date"] = int(now)
    typed = Message.de_json(data, ctx.context.bot)
    ctx.context.args = data["text"].split()[1:]
    rebuilt = await build_ctx(Update(ctx.update.update_id, message=typed), ctx.context)
    assert rebuilt is not None
    return rebuilt


async def is_writer(ctx: Ctx, message: Message) -> bool:
    """Did the presser type `message`? An anonymous administrator's command (written as the
    group) may be answered by any convenor."""
    sender_chat = message.sender_chat
    if sender_chat is not None:
        return sender_chat.id == ctx.chat_id and await ctx.is_convenor()
    return message.from_user is not None and message.from_user.id == ctx.user_id


@edge
async def on_pick(ctx: Ctx) -> None:
    """A press on a "which topic?" button: the command runs as if typed with that number."""
    query = ctx.update.callback_query
    press = callbacks.parse(query.data)
    question = query.message
    command_message = getattr(question, "reply_to_message", None)
    if (
        press is None
        or ctx.chat.is_private
        or command_message is None
        or command_message.message_id != press.command_message_id
        or not command_message.text
    ):
        raise UserError(STALE)
    command = command_word(command_message.text)
    run = COMMANDS.get(command)
    if run is None:
        raise UserError(STALE)
    if not await is_writer(ctx, command_message):
        raise UserError(N_("Only the member who typed the command can choose the topic."))
    found = {t.number: t for t in await topics.in_phases(ctx.rt, ctx.chat_id, phases_of(command))}
    topic = found.get(press.number)
    if topic is None:
        raise UserError(
            N_("Topic #{number} is no longer at a stage for /{command}: type the command again."),
            number=press.number,
            command=command,
        )
    # Answered first: a press is answered once, within seconds; what the command says or
    # refuses from here on is a reply to the command, as if it had been typed so.
    await answer_query(query)
    await edit(
        ctx.context.bot,
        ctx.chat_id,
        question.message_id,
        ctx.t(
            N_("/{command}: topic #{number}, {title}"),
            command=command,
            number=topic.number,
            title=clip(topic.title, 60),
        ),
        None,
    )
    typed = await retyped(ctx, command_message, topic.number, ctx.acted_at.timestamp())
    try:
        await run(typed)
    except UserError as err:
        await typed.refuse(err)
    if typed.went_private:
        # The group saw only "/views: topic #3, …": say where the answer went.
        await edit(
            ctx.context.bot,
            ctx.chat_id,
            question.message_id,
            ctx.t(
                N_("/{command}: topic #{number}, {title}. Sent to {name} in our private chat."),
                command=command,
                number=topic.number,
                title=clip(topic.title, 60),
                name=ctx.person.first_name if ctx.person else "",
            ),
            None,
        )


def register(app) -> None:
    app.add_handler(
        CallbackQueryHandler(on_pick, pattern=callbacks.pattern(callbacks.Kind.PICK_TOPIC))
    )
