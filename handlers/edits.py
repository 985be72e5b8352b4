"""Edited messages (issue 11).

python-telegram-bot's CommandHandler and MessageHandler take edited messages as well, so a
corrected `/view 1 concern …` would add a second view and an edited `/propose` a second topic.
Every edited message therefore stops here, before those handlers: an edit of a member's
message that created a record (a topic, a view, a draft, a ballot: bot/services/edits.py)
changes that record while its phase allows it, or is told in one polite line that it is too
late; an edit of any other message is ignored quietly. An edit never creates a record.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from telegram import Update
from telegram.ext import ApplicationHandlerStop, MessageHandler, filters

from bot.errors import UserError
from bot.i18n import N_
from bot.rules.phases import parse_choice, parse_stance
from bot.rules.topic_choice import Reading, reading
from bot.services import drafts, edits, topics, views, votes
from bot.services.common import parse_number
from bot.services.edits import MessageRecord
from bot.usage import USAGE
from handlers.common import Context, Ctx, edge
from handlers.private import about
from handlers.views import acknowledge
from handlers.votes import CHOICE_TOAST, ack_in_group

# After the chat's own events (handlers.middleware), before every command and reply handler.
EDITS_GROUP = -40

OTHER_COMMAND = N_(
    "An edit can only correct what this message recorded: send /{command} as a new message."
)


def split_command(text: str, bot_username: str) -> tuple[str | None, str]:
    """("view", "1 concern …") for "/view@ThisBot 1 concern …"; (None, text) for plain text.
    A command for another bot comes back as its full word ("view@OtherBot")."""
    stripped = text.strip()
    if not stripped.startswith("/"):
        return None, stripped
    parts = stripped.split(maxsplit=1)
    name, at, target = parts[0][1:].partition("@")
    command = name.lower() if not at or target.lower() == bot_username.lower() else parts[0][1:]
    return command, parts[1].strip() if len(parts) > 1 else ""


async def on_edited(update: Update, context: Context) -> None:
    """Every edited message ends here: no command or reply handler sees it after this one."""
    try:
        await apply_edit(update, context)
    except Exception as exc:
        # Reported as any handler's error would be; the edit still goes no further.
        await context.application.process_error(update, exc)
    raise ApplicationHandlerStop


@edge
async def apply_edit(ctx: Ctx) -> None:
    message = ctx.update.edited_message
    if message is None or ctx.person is None:
        return
    record = await edits.record_of(ctx.rt, ctx.chat_id, message.message_id, ctx.user_id)
    if record is None:
        return  # an edit of a message that made nothing: nobody's business
    text = message.text if message.text is not None else (message.caption or "")
    command, rest = split_command(text, ctx.rt.bot_username)
    await _EDITORS[record.kind](ctx, record, command, rest)


def _only(command: str | None, *allowed: str) -> None:
    if command is not None and command not in allowed:
        raise UserError(OTHER_COMMAND, command=command)


async def edit_topic(ctx: Ctx, record: MessageRecord, command: str | None, rest: str) -> None:
    """An edited /propose (or answer to its question): the title and details."""
    _only(command, "propose")
    edited = await topics.edit_from_message(ctx.rt, ctx.actor_given(), record.ref_id, rest)
    if edited.changed:
        await acknowledge(
            ctx,
            ctx.message.message_id,
            ctx.t(N_("Topic #{number} changed."), number=edited.topic.number),
        )


async def edit_view(ctx: Ctx, record: MessageRecord, command: str | None, rest: str) -> None:
    """An edited /view (its stance may change too), or an edited answer to the view question
    (the caption, for a voice note)."""
    _only(command, "view")
    number = stance = None
    text = rest
    if command == "view":
        # As /view reads it: the topic number may be missing (the view's own topic), and so
        # may the stance (chosen with a button: it stays).
        parts = rest.split(maxsplit=1)
        if reading("view", rest.split()) is Reading.AS_TYPED:
            if len(parts) < 2:
                raise UserError(USAGE["view"])
            number, rest = parse_number(parts[0]), parts[1]
        words = rest.split(maxsplit=1)
        stance = parse_stance(words[0]) if words else None
        text = rest if stance is None else (words[1] if len(words) > 1 else "")
        if not text.strip():
            raise UserError(USAGE["view"])
    # A view is one person's voice: still a member of the group? (An anonymous view is edited
    # in private, where its link already checked membership when it was written.)
    actor = ctx.actor_given() if ctx.chat.is_private else await ctx.actor_in_person()
    edited = await views.edit_from_message(ctx.rt, actor, record.ref_id, text, stance, number)
    if edited.changed:
        await acknowledge(
            ctx, ctx.message.message_id, ctx.t(N_("View {view} changed."), view=edited.view.number)
        )


async def edit_draft(ctx: Ctx, record: MessageRecord, command: str | None, rest: str) -> None:
    """An edited /draft N wording, or /amend wording."""
    _only(command, "draft", "amend")
    number = None
    text = rest
    if command == "draft" and reading("draft", rest.split()) is Reading.AS_TYPED:
        # (Without a topic number, the draft's own topic: bot/rules/topic_choice.py.)
        parts = rest.split(maxsplit=1)
        if len(parts) < 2:
            raise UserError(USAGE["draft"])
        number, text = parse_number(parts[0]), parts[1]
    edited = await drafts.edit_from_message(ctx.rt, ctx.actor_given(), record.ref_id, text, number)
    if edited.changed:
        await acknowledge(
            ctx,
            ctx.message.message_id,
            ctx.t(N_("Draft {draft} changed."), draft=edited.draft.number),
        )


async def edit_ballot(ctx: Ctx, record: MessageRecord, command: str | None, rest: str) -> None:
    """An edited /ballot N choice [reason]; or an edited answer to the block question, its
    reason."""
    _only(command, "ballot")
    number = choice = None
    reason: str | None = rest
    if command == "ballot":
        parts = rest.split(maxsplit=2)
        if reading("ballot", rest.split()) is Reading.NO_NUMBER:
            # Typed without the topic number: the ballot's own vote (bot/rules/topic_choice.py).
            parts = ["", *rest.split(maxsplit=1)]
        usage = USAGE["ballot"]
        if len(parts) < 2:
            raise UserError(usage)
        number = parse_number(parts[0]) if parts[0] else None
        choice = parse_choice(parts[1])
        if choice is None:
            raise UserError(usage)
        reason = parts[2] if len(parts) > 2 else None
    chat_id = ctx.chat_id
    if ctx.chat.is_private:
        chat_id = await votes.chat_of_vote(ctx.rt, record.ref_id) or 0
        await about(ctx, chat_id, number)
    # A ballot counts one person, one voice: still a member of the group?
    actor = await ctx.actor_in_person(chat_id)
    cast = await votes.change_from_message(ctx.rt, actor, record.ref_id, number, choice, reason)
    if cast is None:
        return
    done = ctx._(CHOICE_TOAST[cast.choice])
    if ctx.chat.is_private:
        await ctx.reply(done)
    else:
        await ack_in_group(ctx, done, cast.secret)


_EDITORS: dict[str, Callable[[Ctx, MessageRecord, str | None, str], Awaitable[None]]] = {
    edits.TOPIC: edit_topic,
    edits.VIEW: edit_view,
    edits.DRAFT: edit_draft,
    edits.BALLOT: edit_ballot,
}


def register(app) -> None:
    app.add_handler(MessageHandler(filters.UpdateType.EDITED_MESSAGE, on_edited), group=EDITS_GROUP)
