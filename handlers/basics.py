"""/start, /help, /language, /settings and /convenor."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace

from telegram.constants import ChatMemberStatus
from telegram.ext import CallbackQueryHandler, ChatMemberHandler, CommandHandler

from bot.errors import UserError
from bot.group_settings import setting_key
from bot.i18n import N_
from bot.services import chats
from bot.setting_words import half_or_more_than, settings_lines, value_words
from bot.text import split_items
from bot.usage import USAGE
from handlers.common import Ctx, Handler, edge, require_convenor

HELP_GROUP = N_(
    "<b>商量 Shangliang: talking it over, together</b>\n"
    "1. <b>Propose</b>: /propose title (details on the next lines). Others second it with /support N; the proposer may take it back with /withdraw N.\n"
    "2. <b>Views</b>: once a convenor accepts the topic, press the card's buttons, or write /view N support and your view (or oppose, concern, suggestion). /views N lists them; /editview N view-number text corrects yours, /retract N view-number takes it back.\n"
    "3. <b>Wording</b>: /draft N text proposes the consensus wording; reply to a draft with /amend text; /drafts N lists the drafts.\n"
    "4. <b>Vote</b>: press a button on the ballot card, or /ballot N agree (or abstain, disagree, block).\n"
    "5. <b>Follow-up</b>: /actions N lists the action items; owners report with /progress A1 50 or /done A1; everyone rates the follow-up cards. 🔔 on a card or /subscribe N follows a topic privately; /unsubscribe N stops, /mysubscriptions lists what you follow.\n"
    "/topics lists open topics, /topic N shows one, /settings shows the rules of this group, /start opens a private chat with me, /help shows this.\n"
    "You may leave out the topic number: when one topic fits I use it, when several do I ask which."
)
# The convenors' commands, under their own heading in the help (its own catalog message).
HELP_CONVENORS = N_(
    "<b>For convenors</b> (the group's administrators, and members named with /convenor)\n"
    "• /accept N opens a topic for views; /decline N reason declines it; /merge N M merges topic N into topic M.\n"
    "• /vote N draft puts a draft to the vote; /close N ends the vote now; /extend N 1d gives the open views or vote of a topic one more day; /round N views (or drafts) starts a new round after a vote that did not carry.\n"
    "• /action N due text, replying to the owner's message, adds an action item; /drop A1 reason drops one.\n"
    "• /end N closes a topic; /reopen N reopens a finished one; /escalate N mediation reason (or court instead of mediation) sends a matter deliberation cannot settle to mediation or the shared court, its record attached.\n"
    "• /settings key value changes a rule; /language zh or /language en the group's language; /convenor add or /convenor remove, replying to someone, names or removes a convenor."
)
# The minutes, for convenors: a line of its own after theirs (its own catalog message).
HELP_MINUTES = N_(
    "• /minutes N sends a topic's minutes (协商纪要) as a Word document to edit, print and file; /escalate sends them to you privately."
)
# The form of a consultation and offline meetings, for convenors (its own catalog message).
HELP_MEETINGS = N_(
    "• /form N roundtable sets how a topic is talked over: online (the default), roundtable, under_tree or open_door; when views close I suggest one.\n"
    "• /meeting N date time place calls an offline meeting (members answer on its card; I remind them before it). Afterwards: /attendance N count, the minutes as a reply to the meeting card (text or photos), /tally N agree abstain disagree block for a show of hands that ends the vote; /proxy N name agree enters the ballot of a member without a phone.\n"
    "• /escalate N mediation|court reason sends a matter to civil mediation or the shared court with its minutes; /resolve N text records how it was settled."
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
# The notice board, told with the help (its own catalog message).
HELP_BOARD = N_(
    "<b>Notice board</b>: if I may pin messages (an administrator allowed to pin; in a basic group, a member where members may pin), one pinned message lists the open topics and their phase and stays up to date. /board shows it; where I may not pin, /board posts it as a new message."
)
# Voice notes and edits, told with the help (its own catalog message).
HELP_VOICE = N_(
    "<b>Voice notes and corrections</b>: my question for your view (after a stance button, or /view N stance) takes a voice note as well as text; I keep its length and a link, as I cannot transcribe it. "
    "To correct a topic, view, draft or ballot, edit the message that made it: the record follows while it is still open."
)
# 两商衔接: linking with a members' group, contact members and referral up (its own catalog
# message, after the convenors' lines).
HELP_LINKS = N_(
    "<b>Linking groups (两商衔接)</b>: /links lists the linked groups.\n"
    "• Convenors: /link gives a code in a members' group, /link CODE in a village links the two, /unlink ends a link. /contact add|remove (replying to someone) names the village's contact member, who gets its new topics privately (/mygroups). /refer N note sends a topic up; /consult N [close] asks the villages."
)
# Posted once when the bot is added to a group: what it does, who leads, the first steps and
# the rights it asks for (handlers/basics.py `welcome`).
WELCOME = N_(
    "<b>Hello, I am 商量 Shangliang.</b> I help this group talk a matter over: anyone proposes a topic, members give their views side by side and agree on a wording by vote.\n"
    "Then I follow up what was agreed: who does what by when, and how residents rate it.\n"
    "<b>Convenors</b> lead each step: the group's administrators, and members a convenor names by replying to them with /convenor add.\n"
    "<b>First steps</b>\n"
    "1. Anyone proposes: /propose title (details on the next lines).\n"
    "2. A convenor accepts it: /accept N, or the Accept button on its card.\n"
    "3. Everyone gives views with the card's buttons, or /view N support text.\n"
    "<b>Rights I use</b>, if you make me an administrator: delete messages (under secret ballot I remove a /ballot typed in the group), manage topics (in a forum group each accepted topic gets its own thread) and pin messages (to keep the list of open topics in sight). Without them I still work.\n"
    "/help lists the commands (convenors: /help convenor); /settings shows this group's rules."
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
        for index, page in enumerate(help_pages(ctx)):
            await ctx.reply(page, quote=index == 0)

    return start


# /help in a group is short (the members' part and where the rest is); /help 召集人 (or
# /help convenor) is the convenors' part: their commands, the minutes, forms and meetings,
# 两商衔接, the notice board, forum groups and the rights the bot uses.
HELP_MEMBERS_PARTS = (HELP_GROUP, HELP_VOICE)
HELP_CONVENOR_PARTS = (
    HELP_CONVENORS,
    HELP_MINUTES,
    HELP_MEETINGS,
    HELP_LINKS,
    HELP_BOARD,
    HELP_FORUM,
    HELP_RIGHTS,
)
HELP_POINTER = N_(
    "<b>Convenors</b>: /help convenor shows your commands, linking groups (两商衔接), forum groups and the rights I use."
)
# What may follow /help to ask for the convenors' part.
CONVENOR_HELP_WORDS = frozenset({"convenor", "convenors", "召集人", "召集人使用"})


def help_pages(ctx: Ctx) -> list[str]:
    """The help as messages under Telegram's length limit, split between its parts only."""
    first, *rest = help_parts(ctx)
    return split_items(first, rest)


def help_parts(ctx: Ctx) -> list[str]:
    """Private: the private-chat help. Group: the members' part and a line pointing convenors
    to /help 召集人; with that word (or "convenor"), the convenors' part. Each part is one
    catalog message, in the chat's language."""
    if ctx.args and ctx.args[0].strip().lower() in CONVENOR_HELP_WORDS:
        return [ctx._(part) for part in HELP_CONVENOR_PARTS]
    if ctx.chat.is_private:
        return [ctx._(HELP_PRIVATE)]
    return [ctx._(part) for part in (*HELP_MEMBERS_PARTS, HELP_POINTER)]


@edge
async def help_command(ctx: Ctx) -> None:
    for index, page in enumerate(help_pages(ctx)):
        await ctx.reply(page, quote=index == 0)


def _group_only(ctx: Ctx) -> None:
    if ctx.chat.is_private:
        raise UserError(N_("This command works in a group chat."))


@edge
async def language(ctx: Ctx) -> None:
    _group_only(ctx)
    if len(ctx.args) != 1:
        raise UserError(USAGE["language"])
    await require_convenor(ctx)
    await chats.set_language(ctx.rt, ctx.chat_id, ctx.args[0])
    ctx.chat = replace(
        ctx.chat, settings=ctx.chat.settings.model_copy(update={"language": ctx.args[0].lower()})
    )
    await ctx.reply(ctx._("This group now speaks English."))


def _settings_lines(ctx: Ctx) -> str:
    lines = [ctx._("<b>Settings of this group</b>")]
    lines.extend(settings_lines(ctx.chat.settings, ctx.chat.language))
    lines.append(ctx._("A convenor changes one with /settings key value."))
    return "\n".join(lines)


@edge
async def settings(ctx: Ctx) -> None:
    _group_only(ctx)
    if not ctx.args:
        await ctx.reply(_settings_lines(ctx))
        return
    if len(ctx.args) < 2:
        raise UserError(USAGE["settings"])
    await require_convenor(ctx)
    key, value = ctx.args[0], " ".join(ctx.args[1:])
    updated = await chats.change_setting(ctx.rt, ctx.chat_id, key, value)
    ctx.chat = replace(ctx.chat, settings=updated)
    found = setting_key(key) or key.strip().lower()
    shown = updated.model_dump(mode="json")[found]
    if isinstance(shown, list):
        shown = ",".join(shown)
    elif isinstance(shown, bool):
        shown = "on" if shown else "off"
    elif found == "threshold" and half_or_more_than(shown):
        # In words: "过半" is stored as >1/2, and 1/2 says that a tie passes.
        shown = value_words(found, shown, ctx.chat.language)
    await ctx.reply(ctx.t(N_("Setting {key} is now {value}."), key=key.strip(), value=str(shown)))


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


_ABSENT = (ChatMemberStatus.LEFT, ChatMemberStatus.BANNED)
_PRESENT = (ChatMemberStatus.MEMBER, ChatMemberStatus.ADMINISTRATOR)


@edge
async def welcome(ctx: Ctx) -> None:
    """The bot was added to a group (it was not there, now it is): it says what it does, once.
    A change of its rights while it stays (handlers/middleware.py follows those) says nothing."""
    change = ctx.update.my_chat_member
    if change is None or ctx.chat.is_private:
        return
    if change.old_chat_member.status in _ABSENT and change.new_chat_member.status in _PRESENT:
        await ctx.reply(ctx._(WELCOME))


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
    app.add_handler(ChatMemberHandler(welcome, ChatMemberHandler.MY_CHAT_MEMBER))
