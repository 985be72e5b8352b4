"""The form of a consultation in the group: /form N roundtable (convenor), and the line that
suggests a form when the views of a topic close (bot/rules/forms.py)."""

from __future__ import annotations

import logging

from telegram import Bot
from telegram.error import TelegramError
from telegram.ext import CommandHandler

from bot.errors import Msg, UserError
from bot.i18n import N_, Translate
from bot.rules.tally import eligible_members
from bot.runtime import Runtime
from bot.services import forms
from bot.services.chats import ChatContext
from bot.services.common import parse_number
from bot.text import Html, fill
from handlers.common import Ctx, edge
from handlers.render import answer_about
from handlers.topics import group_only
from storage.topics import TopicRow

log = logging.getLogger(__name__)


@edge
async def set_form(ctx: Ctx) -> None:
    """/form N <form>: online, roundtable, under_tree, open_door, or their Chinese names."""
    group_only(ctx)
    parts = ctx.command_text().split(maxsplit=1)
    if len(parts) != 2:
        raise UserError(forms.FORM_EXAMPLE)
    number = parse_number(parts[0])
    done = await forms.set_form(ctx.rt, ctx.chat_id, await ctx.actor_looked_up(), number, parts[1])
    if done.changed:
        text = ctx.t(
            N_("Topic #{number}: the form is now {form} (it was {previous})."),
            number=number,
            form=forms.form_name(done.form),
            previous=forms.form_name(done.previous),
        )
    else:
        text = ctx.t(
            N_("Topic #{number}: the form is {form} already."),
            number=number,
            form=forms.form_name(done.form),
        )
    if done.form in forms.OFFLINE:
        text += "\n" + ctx.t(
            N_(
                "Call the meeting with /meeting {number} date time place, for example /meeting {number} 3/5 19:30 under the old tree"
            ),
            number=number,
        )
    await answer_about(ctx, done.topic, text)


async def suggestion_line(
    bot: Bot, rt: Runtime, chat: ChatContext, topic: TopicRow, _: Translate
) -> str:
    """One line suggesting a form for `topic` with its reason, for the notice that its views
    closed; the convenor decides. Empty when the suggestion is the form it has already."""
    try:
        size: int | None = eligible_members(await bot.get_chat_member_count(chat.chat_id))
    except TelegramError as exc:
        log.info("member count of chat %s not known for the form: %s", chat.chat_id, exc)
        size = None
    found = await forms.suggestion_for(rt, topic, size)
    form = found.suggestion.form
    if form is found.current:
        return ""
    reason = fill(_(forms.REASON_TEXT[found.suggestion.reason]), forms.reason_params(found.seen), _)
    return fill(
        _(N_("💡 Suggested form: {form}. Why: {reason} A convenor decides: /form {number} {word}")),
        {
            "form": forms.form_name(form),
            "reason": Html(reason),
            "number": topic.number,
            "word": Msg(forms.FORM_WORD[form]),
        },
        _,
    )


def register(app) -> None:
    app.add_handler(CommandHandler("form", set_form))
