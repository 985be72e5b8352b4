"""/view N text typed without a stance word (issue 12): the bot asks for the stance with the
stance buttons, as a reply to the command; the writer's press stores the view with that stance
and the text typed. The text is read back from the command (the question's reply_to_message),
so nothing is kept meanwhile; someone else's press, or a press on a question whose command is
gone, gets a toast and changes nothing."""

from __future__ import annotations

from dataclasses import replace

from telegram import Message
from telegram.ext import CallbackQueryHandler

from bot import callbacks, cards
from bot.buttons import Button, keyboard
from bot.errors import UserError
from bot.i18n import N_
from bot.rules.phases import Stance
from bot.rules.topic_choice import Reading, reading
from bot.services import views as service
from bot.services.common import MessageRef
from bot.text import mention
from handlers.common import Ctx, answer_query, edge
from handlers.render import edit
from handlers.topic_choice import STALE, command_word, is_writer

# Two rows, as on the topic card.
STANCE_ROWS = ((Stance.SUPPORT, Stance.OPPOSE), (Stance.CONCERN, Stance.SUGGESTION))


async def ask_stance(ctx: Ctx, number: int) -> None:
    """The stance question for the /view of `ctx` (topic `number`, text without a stance)."""
    # Nobody is asked for a stance whose view would then be refused.
    await service.ensure_can_view(ctx.rt, ctx.chat_id, await ctx.actor_in_person(), number)
    command = ctx.message
    rows = [
        [
            Button(
                ctx._(cards.STANCE_LABEL[s]),
                data=callbacks.view_stance(number, command.message_id, s),
            )
            for s in row
        ]
        for row in STANCE_ROWS
    ]
    await ctx.reply(
        ctx.t(
            N_("{name}, which stance is your view on topic #{number}? Choose below."),
            name=mention(ctx.user_id, ctx.person.first_name if ctx.person else ""),
            number=number,
        ),
        keyboard(rows),
    )


def view_text(command: Message) -> str:
    """What the member wrote in their /view command, without the command word and the topic
    number (when they typed one)."""
    text = command.text or ""
    rest = text.split(maxsplit=1)[1] if len(text.split(maxsplit=1)) > 1 else ""
    if reading("view", rest.split()) is Reading.AS_TYPED:
        rest = rest.split(maxsplit=1)[1] if len(rest.split(maxsplit=1)) > 1 else ""
    return rest.strip()


@edge
async def on_stance(ctx: Ctx) -> None:
    """A press on a stance button of the question: the view is stored."""
    query = ctx.update.callback_query
    press = callbacks.parse(query.data)
    question = query.message
    command = getattr(question, "reply_to_message", None)
    if (
        press is None
        or press.stance is None
        or ctx.chat.is_private
        or command is None
        or command.message_id != press.command_message_id
        or command_word(command.text or "") != "view"
    ):
        raise UserError(STALE)
    if not await is_writer(ctx, command):
        raise UserError(N_("Only the member who wrote this view can choose its stance."))
    text = view_text(command)
    if not text:
        raise UserError(STALE)
    actor = replace(
        await ctx.actor_in_person(), message=MessageRef(ctx.chat_id, command.message_id)
    )
    _topic, saved = await service.add_view(
        ctx.rt, ctx.chat_id, actor, press.number, press.stance, text
    )
    done = ctx.t(
        N_("View {view} on topic #{number} recorded ({stance})."),
        view=saved.number,
        number=press.number,
        stance=ctx._(cards.STANCE_LABEL[press.stance]),
    )
    await answer_query(query)
    # The question, answered, loses its buttons and says what became of the view.
    await edit(ctx.context.bot, ctx.chat_id, question.message_id, done, None)


def register(app) -> None:
    app.add_handler(
        CallbackQueryHandler(on_stance, pattern=callbacks.pattern(callbacks.Kind.VIEW_STANCE))
    )
