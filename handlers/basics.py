"""/start, /help, /language, /settings and /convenor."""

from __future__ import annotations

import html
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace

from telegram.ext import CallbackQueryHandler, CommandHandler

from bot.errors import UserError
from bot.group_settings import SETTING_KEYS, SETTING_LABELS
from bot.i18n import N_
from bot.services import chats
from handlers.common import Ctx, Handler, edge, require_convenor

HELP_GROUP = N_(
    "<b>商量 Shangliang: talking it over, together</b>\n"
    "1. <b>Propose</b>: /propose title (details on the next lines). Others second it with /support N.\n"
    "2. <b>Accept</b>: a convenor opens it with /accept N, or declines with /decline N reason.\n"
    "3. <b>Views</b>: /view N support|oppose|concern|suggestion text, or the card's buttons. /views N lists them.\n"
    "4. <b>Wording</b>: /draft N text proposes the consensus wording; reply to a draft with /amend text.\n"
    "5. <b>Vote</b>: a convenor puts a draft to the vote with /vote N draft; press a button or /ballot N agree|abstain|disagree|block.\n"
    "6. <b>Follow-up</b>: a convenor adds actions with /action N due text (replying to the owner); owners report with /progress A1 50 or /done A1; everyone rates the follow-up cards. 🔔 on a card follows a topic privately.\n"
    "A matter deliberation cannot settle goes to mediation with /escalate N reason, its record attached.\n"
    "/topics lists open topics, /topic N shows one, /settings shows the rules of this group."
)
# The rights the bot uses in a group, told with the help (a message of its own in the catalogs).
HELP_RIGHTS = N_(
    "<b>Rights</b>: I need to post messages here; while I may not (muted, removed), nothing is lost: cards and reminders wait and are posted once I may post again. "
    "Under secret ballot I delete a /ballot typed in the group, which takes an administrator's right to delete messages; without it, vote with the ballot card's buttons or in private (🗳 Vote in private)."
)
# Forum groups and the right to manage topics, told with the help (its own catalog message).
HELP_FORUM = N_(
    "<b>Forum groups</b>: a topic lives in the thread it was proposed in, and its cards, vote and follow-up go there; a command is answered where it was sent. "
    "If I am an administrator allowed to manage topics, each accepted topic gets a thread of its own, “#N title”, which I close when the topic ends and reopen with /reopen N; /settings topic_threads off keeps topics where they were proposed."
)
# Voice notes and edits, told with the help (its own catalog message).
HELP_VOICE = N_(
    "<b>Voice notes and corrections</b>: my question for your view (after a stance button, or /view N stance) takes a voice note as well as text; I keep its length and a link, as I cannot transcribe it. "
    "To correct a topic, view, draft or ballot, edit the message that made it: the record follows while it is still open."
)
HELP_PRIVATE = N_(
    "<b>商量 Shangliang</b> runs deliberation in your group chats.\n"
    "Add me to a group to start. Here in private you can write anonymous views, "
    "cast ballots (/ballot), and follow topics (/mysubscriptions)."
)


# A deep link's handler: True when the payload was its kind (and it answered).
DeepLink = Callable[[Ctx, str], Awaitable[bool]]


def start_with(deep_links: Sequence[DeepLink]) -> Handler:
    """/start: a deep link's payload goes to the first handler that takes it; else help."""

    @edge
    async def start(ctx: Ctx) -> None:
        if ctx.chat.is_private and ctx.person is not None:
            # They opened a private chat: private follow-up can reach them from now on.
            from bot.services.followup import mark_private_ok

            await mark_private_ok(ctx.rt, ctx.user_id)
        for link in deep_links:
            if ctx.chat.is_private and ctx.args and await link(ctx, ctx.args[0]):
                return
        await ctx.reply(help_text(ctx))

    return start


def help_text(ctx: Ctx) -> str:
    if ctx.chat.is_private:
        return ctx._(HELP_PRIVATE)
    return "\n".join(ctx._(part) for part in (HELP_GROUP, HELP_VOICE, HELP_RIGHTS, HELP_FORUM))


@edge
async def help_command(ctx: Ctx) -> None:
    await ctx.reply(help_text(ctx))


def _group_only(ctx: Ctx) -> None:
    if ctx.chat.is_private:
        raise UserError(N_("This command works in a group chat."))


@edge
async def language(ctx: Ctx) -> None:
    _group_only(ctx)
    if len(ctx.args) != 1:
        raise UserError(N_("Usage: /language zh|en"))
    await require_convenor(ctx)
    await chats.set_language(ctx.rt, ctx.chat_id, ctx.args[0])
    ctx.chat = replace(
        ctx.chat, settings=ctx.chat.settings.model_copy(update={"language": ctx.args[0].lower()})
    )
    await ctx.reply(ctx._("This group now speaks English."))


def _settings_lines(ctx: Ctx) -> str:
    values = ctx.chat.settings.model_dump(mode="json")
    lines = [ctx._("<b>Settings of this group</b>")]
    for key in SETTING_KEYS:
        value = values[key]
        if isinstance(value, list):
            value = ",".join(value)
        elif isinstance(value, bool):
            value = "on" if value else "off"
        line = f"<code>{key}</code> = {html.escape(str(value))}"
        if key in SETTING_LABELS:
            line += f" · {html.escape(ctx._(SETTING_LABELS[key]))}"
        lines.append(line)
    lines.append(ctx._("A convenor changes one with /settings key value."))
    return "\n".join(lines)


@edge
async def settings(ctx: Ctx) -> None:
    _group_only(ctx)
    if not ctx.args:
        await ctx.reply(_settings_lines(ctx))
        return
    if len(ctx.args) < 2:
        raise UserError(N_("Usage: /settings key value"))
    await require_convenor(ctx)
    key, value = ctx.args[0], " ".join(ctx.args[1:])
    updated = await chats.change_setting(ctx.rt, ctx.chat_id, key, value)
    ctx.chat = replace(ctx.chat, settings=updated)
    shown = updated.model_dump(mode="json")[key.strip().lower()]
    if isinstance(shown, list):
        shown = ",".join(shown)
    elif isinstance(shown, bool):
        shown = "on" if shown else "off"
    await ctx.reply(ctx.t(N_("Setting {key} is now {value}."), key=key.lower(), value=str(shown)))


@edge
async def convenor(ctx: Ctx) -> None:
    _group_only(ctx)
    action = ctx.args[0].lower() if ctx.args else ""
    target = ctx.message.reply_to_message if ctx.message else None
    if action not in ("add", "remove") or target is None or target.from_user is None:
        raise UserError(N_("Reply to someone's message with /convenor add or /convenor remove."))
    await require_convenor(ctx)
    person = target.from_user
    if person.is_bot:
        raise UserError(N_("A bot cannot be a convenor."))
    changed = await chats.name_convenor(
        ctx.rt, ctx.chat_id, person.id, ctx.user_id, action == "add"
    )
    ctx.rt.admin_cache.drop((ctx.chat_id, person.id))
    if action == "add":
        text = (
            N_("{name} is now a convenor of this group.")
            if changed
            else N_("{name} is already a convenor.")
        )
    else:
        text = (
            N_("{name} is no longer a convenor.")
            if changed
            else N_("{name} was not a named convenor.")
        )
    await ctx.reply(ctx.t(text, name=person.first_name))


@edge
async def unknown_button(ctx: Ctx) -> None:
    """Every press is answered, even one whose data no handler knows (old, forged, garbled)."""
    raise UserError(N_("This button is no longer valid."))


def register_fallbacks(app) -> None:
    app.add_handler(CallbackQueryHandler(unknown_button))


def register(app, deep_links: Sequence[DeepLink]) -> None:
    app.add_handler(CommandHandler("start", start_with(deep_links)))
    app.add_handler(CommandHandler("help", help_command))
    app.add_handler(CommandHandler("language", language))
    app.add_handler(CommandHandler("settings", settings))
    app.add_handler(CommandHandler("convenor", convenor))
