"""两商衔接 at the edge: /link, /links, /unlink (and its buttons), /contact add|remove (and its
buttons), /mygroups in private, the contact members' deep link, and their new-topic notices."""

from __future__ import annotations

import logging
import re

from telegram.error import TelegramError
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot import callbacks, link_cards
from bot.errors import Msg, UserError
from bot.i18n import N_, translator
from bot.retry import until_stored
from bot.rules.phases import Status
from bot.rules.speakers import is_current_member
from bot.runtime import runtime_of
from bot.services import kinds, referrals, topics
from bot.services import links as service
from bot.services.chats import load_chat_context
from bot.services.common import STATUS_TEXT
from bot.services.threads import Place
from bot.text import Html, clip, esc, fill, mention
from handlers.common import LOOKUP_FAILED, Ctx, answer_query, edge, post, scheduled
from handlers.followup.subscriptions import send_private
from handlers.render import edit
from storage.schedule import Job

log = logging.getLogger(__name__)

_LINK = re.compile(r"ct_(-?[0-9]{1,16})_([0-9]{1,9})")


def _group_only(ctx: Ctx) -> None:
    if ctx.chat.is_private:
        raise UserError(N_("This command works in a group chat."))


LINKED_THERE = N_(
    "🔗 The village group “{group}” is now linked with this members' group: its referrals will come here. /links lists the linked groups."
)
ENDED = N_("✂️ The link between “{members}” and “{village}” has ended. Its records are kept.")


async def notice_job(app: Application, job: Job, late: bool) -> None:
    """The other end of a link hears that it was made or ended; then the row is finished (a
    failed send is retried by the schedule)."""
    rt = runtime_of(app)
    notice = await service.notice_due(rt, job)
    if notice is None:
        return
    _ = translator(notice.chat.language)
    link = notice.link
    if notice.event == "ended":
        text = fill(_(ENDED), {"members": link.members_title, "village": link.village_title}, _)
    else:
        text = fill(_(LINKED_THERE), {"group": link.village_title}, _)
    await post(app.bot, Place(notice.chat.chat_id), text, rt=rt)
    await until_stored(rt, lambda: service.notice_posted(rt, job, late), "a link notice")


# ----- /link ---------------------------------------------------------------------------------------
@edge
async def link(ctx: Ctx) -> None:
    _group_only(ctx)
    actor = await ctx.actor_looked_up()
    if len(ctx.args) > 2:
        raise UserError(service.CODE_EXAMPLE)
    if not ctx.args:
        issued = await service.issue_code(ctx.rt, ctx.chat_id, actor)
        await ctx.reply(
            ctx.t(
                N_(
                    "🔗 Link code: <code>{code}</code>\nA convenor of a village group sends <code>/link {code}</code> in that group to link it with this members' group. The code works once, until {when}."
                ),
                code=issued.code,
                when=link_cards.when(issued.expires_at, ctx.chat.settings),
            )
        )
        return
    found = await service.enter_code(ctx.rt, ctx.chat_id, actor, " ".join(ctx.args))
    await ctx.reply(
        ctx.t(
            N_(
                "🔗 This group is now linked with the members' group “{group}”. A convenor refers a topic there with /refer N [note], and names a member of it as this village's contact member by replying to them with /contact add."
            ),
            group=found.members_title,
        )
    )


@edge
async def list_links(ctx: Ctx) -> None:
    _group_only(ctx)
    found = await service.links_of(ctx.rt, ctx.chat_id)
    people = await service.contacts(ctx.rt, ctx.chat_id)
    contacts = ""
    if people:
        from bot.services import prompts

        names = await prompts.names(ctx.rt, [c.user_id for c in people])
        listed = "、" if ctx.chat.language == "zh" else ", "
        contacts = ctx.t(
            N_("Contact members of this village: {names}"),
            names=Html(listed.join(mention(c.user_id, names.get(c.user_id, "?")) for c in people)),
        )
    await ctx.reply(link_cards.links_text(ctx._, ctx.chat_id, found, ctx.chat.settings, contacts))


@edge
async def unlink(ctx: Ctx) -> None:
    _group_only(ctx)
    choices = await service.unlink_choices(ctx.rt, ctx.chat_id, await ctx.actor_looked_up())
    if not choices:
        raise UserError(N_("This group is not linked to any other group."))
    await ctx.reply(
        ctx._("Which link should end? Its records are kept."),
        link_cards.unlink_buttons(ctx._, ctx.chat_id, choices),
    )


async def on_unlink(ctx: Ctx, press: callbacks.Press) -> None:
    query = ctx.update.callback_query
    ended = await service.unlink(ctx.rt, ctx.chat_id, await ctx.actor_looked_up(), press.number)
    await answer_query(query)
    params = {"members": ended.members_title, "village": ended.village_title}
    if query.message is not None:
        await edit(
            ctx.context.bot, ctx.chat_id, query.message.message_id, ctx.t(ENDED, **params), None
        )


# ----- contact members ---------------------------------------------------------------------------
CONTACT_USAGE = N_(
    "Reply to the message of a member of a linked members' group with /contact add to name them this village's contact member; /contact remove (replying to them, or alone for buttons) removes one."
)


@edge
async def contact(ctx: Ctx) -> None:
    _group_only(ctx)
    action = ctx.args[0].lower() if ctx.args else ""
    if action not in ("add", "remove") or len(ctx.args) > 1:
        raise UserError(CONTACT_USAGE)
    actor = await ctx.actor_looked_up()
    service.check_may_name_contact(actor)
    target = ctx.message.reply_to_message if ctx.message else None
    person = target.from_user if target is not None else None
    if action == "remove" and person is None:
        await _offer_removals(ctx)
        return
    if person is None:
        raise UserError(CONTACT_USAGE)
    if person.is_bot:
        raise UserError(N_("A bot cannot be a contact member."))
    name = mention(person.id, person.first_name)
    if action == "remove":
        removed = await service.remove_contact(ctx.rt, ctx.chat_id, actor, person.id)
        text = (
            N_("{name} is no longer a contact member of this village.")
            if removed
            else N_("{name} was not a contact member of this village.")
        )
        await ctx.reply(ctx.t(text, name=name))
        return
    groups = await service.members_groups(ctx.rt, ctx.chat_id)
    if not groups:
        raise UserError(
            N_(
                "This group is not linked to a members' group yet. A convenor of the members' group sends /link there, and you send /link CODE here."
            )
        )
    found = None
    for group in groups:
        if await _is_member(ctx, group.members_chat_id, person.id):
            found = group
            break
    if found is None:
        raise UserError(
            N_(
                "{name} is not a member of a members' group linked to this village, so cannot be its contact member."
            ),
            name=name,
        )
    added = await service.add_contact(ctx.rt, ctx.chat_id, actor, person.id, found.members_chat_id)
    text = (
        N_(
            "{name} of “{group}” is now a contact member of this village: each new topic here reaches them privately (once they have started a chat with me), and /mygroups lists the villages they serve."
        )
        if added
        else N_("{name} is a contact member of this village already.")
    )
    await ctx.reply(ctx.t(text, name=name, group=found.members_title))


async def _is_member(ctx: Ctx, chat_id: int, user_id: int) -> bool:
    try:
        member = await ctx.context.bot.get_chat_member(chat_id, user_id)
    except TelegramError as exc:
        log.info("getChatMember in chat %s failed: %s", chat_id, exc)
        if "not found" in str(exc).lower():
            return False
        raise UserError(LOOKUP_FAILED) from None
    return is_current_member(member.status, getattr(member, "is_member", None))


async def _offer_removals(ctx: Ctx) -> None:
    people = await service.contacts(ctx.rt, ctx.chat_id)
    if not people:
        raise UserError(N_("This village has no contact members."))
    from bot.buttons import Button, keyboard
    from bot.services import prompts

    names = await prompts.names(ctx.rt, [c.user_id for c in people])
    markup = keyboard(
        [
            [Button(f"✖ {names.get(c.user_id, '?')}"[:60], data=callbacks.drop_contact(c.id))]
            for c in people
        ]
    )
    await ctx.reply(ctx._("Which contact member should be removed?"), markup)


async def on_drop_contact(ctx: Ctx, press: callbacks.Press) -> None:
    query = ctx.update.callback_query
    actor = await ctx.actor_looked_up()
    service.check_may_name_contact(actor)
    found = await service.contact_by_id(ctx.rt, press.number)
    if found is None or found.village_chat_id != ctx.chat_id:
        raise UserError(N_("This button is no longer valid."))
    await service.remove_contact(ctx.rt, ctx.chat_id, actor, found.user_id)
    await answer_query(query)
    from bot.services import prompts

    names = await prompts.names(ctx.rt, [found.user_id])
    text = ctx.t(
        N_("{name} is no longer a contact member of this village."),
        name=names.get(found.user_id, "?"),
    )
    if query.message is not None:
        await edit(ctx.context.bot, ctx.chat_id, query.message.message_id, text, None)


# ----- private: /mygroups and the contact members' link ----------------------------------------
@edge
async def my_groups(ctx: Ctx) -> None:
    if not ctx.chat.is_private:
        raise UserError(N_("Send /mygroups to me in our private chat."))
    served = await service.villages_served(ctx.rt, ctx.user_id)
    if not served:
        await ctx.reply(ctx._("You are not a contact member of any village."))
        return
    lines = [ctx._("<b>Villages you serve as contact member</b>")]
    for village in served:
        lines.append(ctx.t(N_("<b>{group}</b>"), group=village.title))
        if not village.topics:
            lines.append(ctx._("  no open topics"))
        for topic in village.topics:
            url = callbacks.start_link(
                ctx.rt.bot_username, callbacks.Link.CONTACT_TOPIC, village.chat_id, topic.number
            )
            lines.append(
                ctx.t(
                    N_("  • {link} ({status})"),
                    link=Html(f'<a href="{url}">#{topic.number} {esc(clip(topic.title, 60))}</a>'),
                    status=Msg(STATUS_TEXT[Status(topic.status)]),
                )
            )
    await ctx.reply("\n".join(lines))


async def open_contact_link(ctx: Ctx, payload: str) -> bool:
    """The contact member's one tap (ct_<chat>_<number>): the village topic, in private."""
    if not payload.startswith(f"{callbacks.Link.CONTACT_TOPIC}_"):
        return False
    match = _LINK.fullmatch(payload)
    if match is None:
        raise UserError(N_("This link is not valid."))
    chat_id, number = int(match.group(1)), int(match.group(2))
    topic = await service.topic_for_contact(ctx.rt, ctx.user_id, chat_id, number)
    group = await load_chat_context(ctx.rt, chat_id)
    facts = await topics.card_facts(ctx.rt, topic)
    await ctx.reply(
        link_cards.contact_topic_text(ctx._, group.title if group else "", topic, facts.stances)
    )
    return True


async def contact_topic_job(app: Application, job: Job, late: bool) -> None:
    """A village's new topic, to its contact members who started the bot (best effort; the row
    is finished first, so a restart sends nobody a notice twice)."""
    rt = runtime_of(app)
    notice = await referrals.contact_notice_due(rt, job, late)
    if notice is None:
        return
    _ = translator(notice.chat.language)
    text = link_cards.contact_notice(_, notice.chat.title, notice.topic)
    markup = (
        link_cards.open_button(_, rt.bot_username, notice.chat.chat_id, notice.topic.number)
        if rt.bot_username
        else None
    )
    for user_id in notice.contacts:
        await send_private(app, rt, user_id, text, kinds.CONTACT_TOPIC, notice.topic.id, markup)


# ----- buttons ---------------------------------------------------------------------------------------
@edge
async def on_button(ctx: Ctx) -> None:
    press = callbacks.parse(ctx.update.callback_query.data)
    if press is None or ctx.chat.is_private:
        raise UserError(N_("This button is no longer valid."))
    if press.kind == callbacks.Kind.UNLINK:
        await on_unlink(ctx, press)
    elif press.kind == callbacks.Kind.DROP_CONTACT:
        await on_drop_contact(ctx, press)


def register(app: Application) -> None:
    for name, callback in (
        ("link", link),
        ("links", list_links),
        ("unlink", unlink),
        ("contact", contact),
        ("mygroups", my_groups),
    ):
        app.add_handler(CommandHandler(name, callback))
    app.add_handler(
        CallbackQueryHandler(
            on_button,
            pattern=callbacks.pattern(callbacks.Kind.UNLINK, callbacks.Kind.DROP_CONTACT),
        )
    )


def register_jobs(scheduler) -> None:
    scheduler.register(kinds.CONTACT_TOPIC, scheduled(contact_topic_job))
    scheduler.register(kinds.LINK_NOTICE, scheduled(notice_job))
