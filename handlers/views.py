"""Views in the group: /view, the card's stance buttons (ForceReply), /views, /editview, /retract,
and anonymous views written in a private chat reached by a deep link."""

from __future__ import annotations

import logging
from datetime import timedelta

from telegram import (
    ForceReply,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    ReactionTypeEmoji,
)
from telegram.error import BadRequest, Forbidden, TelegramError
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot import callbacks, cards, link_cards, numbers
from bot.errors import UserError
from bot.i18n import N_, translator
from bot.rules.phases import Stance, parse_stance
from bot.rules.speakers import Speaker
from bot.services import consultations, prompts, waiting
from bot.services import views as service
from bot.services.chats import load_chat_context
from bot.services.common import Actor, parse_number
from bot.text import fill, mention
from bot.usage import USAGE
from handlers import rights, view_stance
from handlers.common import Ctx, answer_query, edge, html_to_toast, post
from handlers.private import about, linked_group, target_chat, where
from handlers.render import post_about, send_pages
from handlers.topic_choice import about_a_topic
from handlers.topics import group_only, need_args
from storage.views import Voice

log = logging.getLogger(__name__)

VIEW_PROMPT = "view"
ANON_PROMPT = "anon_view"


async def acknowledge(ctx: Ctx, message_id: int, fallback: str) -> None:
    """A view costs the group no message: a reaction on the member's own message says it landed."""
    try:
        await ctx.context.bot.set_message_reaction(
            ctx.chat_id, message_id, [ReactionTypeEmoji("✍")]
        )
    except BadRequest:
        await ctx.reply(fallback)


@edge
@about_a_topic("view")
async def view(ctx: Ctx) -> None:
    group_only(ctx)
    parts = ctx.command_text().split(maxsplit=1)
    if len(parts) < 2:
        raise UserError(USAGE["view"])
    number = parse_number(parts[0])
    words = parts[1].split(maxsplit=1)
    stance = parse_stance(words[0])
    if stance is None:
        # Text without a stance word: asked for the stance with its buttons.
        await view_stance.ask_stance(ctx, number)
    elif len(words) == 1:
        # A stance and no text yet: asked for it, as the card's stance buttons do; the answer
        # may be a voice note.
        await ask_view(ctx, number, stance)
    else:
        await record_view(ctx, number, stance, words[1], ctx.message.message_id)


async def ask_view(ctx: Ctx, number: int, stance: Stance) -> None:
    """/view N stance without text: the view question, as a reply to the member's command."""
    await service.ensure_can_view(ctx.rt, ctx.chat_id, await ctx.actor_in_person(), number)
    name = ctx.person.first_name if ctx.person else ""
    prompt = await ctx.reply(
        ctx.t(
            N_("{name}, reply to this message with your view ({stance}) on topic #{number}."),
            name=mention(ctx.user_id, name),
            stance=ctx._(cards.STANCE_LABEL[stance]),
            number=number,
        ),
        ForceReply(selective=True, input_field_placeholder=ctx._("Your view")),
    )
    await prompts.ask(
        ctx.rt,
        ctx.chat_id,
        ctx.user_id,
        VIEW_PROMPT,
        {"number": number, "stance": stance.value},
        prompt.message_id if prompt else None,
    )


def voice_of(message: Message) -> Voice | None:
    """A voice note as a view keeps it: its length, file id, and the link to the member's
    message (none in a basic group, whose messages have no links)."""
    voice = message.voice
    if voice is None:
        return None
    link = service.message_link(message.chat.id, message.message_id)
    return Voice(int(voice.duration), voice.file_id, link)


async def record_view(
    ctx: Ctx, number: int, stance: Stance, text: str, message_id: int, voice: Voice | None = None
) -> None:
    topic, saved = await service.add_view(
        ctx.rt, ctx.chat_id, await ctx.actor_in_person(), number, stance, text, voice=voice
    )
    await acknowledge(
        ctx,
        message_id,
        ctx.t(N_("View {view} on topic #{number} recorded."), view=saved.number, number=number),
    )


@edge
@about_a_topic("views")
async def views(ctx: Ctx) -> None:
    group_only(ctx)
    number = parse_number(need_args(ctx, 1, USAGE["views"], most=1)[0])
    header, items = await views_listing(ctx, number)
    if await listed_privately(ctx, number, header, items):
        ctx.went_private = True
        # The group gets no message: a reaction on the command says where the list went.
        try:
            await ctx.context.bot.set_message_reaction(
                ctx.chat_id, ctx.message.message_id, [ReactionTypeEmoji("👌")]
            )
        except BadRequest as exc:
            log.info("no reaction on /views in chat %s: %s", ctx.chat_id, exc)
        return
    await send_pages(ctx.context.bot, ctx.place, header, items)
    # A 📋 press soon after is pointed to this list.
    listed = ctx.context.application.bot_data.setdefault(LISTED_KEY, {})
    listed[(ctx.chat_id, number)] = ctx.rt.clock.now()


async def views_listing(ctx: Ctx, number: int) -> tuple[str, list[str]]:
    """The list of views on a topic (a refusal if there is no such topic), not yet sent."""
    grouped = await service.by_stance(ctx.rt, ctx.chat_id, number)
    authors = [v.author_id for group in grouped.groups.values() for v in group if not v.anonymous]
    names = await prompts.names(ctx.rt, authors)
    header, items = cards.views_list(ctx._, grouped.topic, grouped.groups, names)
    # 两商衔接: a members' topic put to the villages lists their answers too.
    villages = await consultations.answers_for(ctx.rt, grouped.topic)
    if villages and not any(grouped.groups.values()):
        items = []  # the group's own views are none: no empty stance headings before the villages
    return header, items + link_cards.consultation_items(ctx._, villages)


# In the group, the list of a topic's views is posted at most once in this while (📋 presses);
# a later press is pointed to the last one. Kept in the application's bot_data under
# LISTED_KEY, (chat, topic number) -> when: a restart forgets it, at the cost of one listing.
LIST_AGAIN_AFTER = timedelta(minutes=5)
LISTED_KEY = "views-listed"


async def list_views_pressed(ctx: Ctx, number: int) -> None:
    """📋: the list privately to a member who started the bot, else in the group, at most once
    per topic in LIST_AGAIN_AFTER; the press is answered before anything slow is sent."""
    query = ctx.update.callback_query
    header, items = await views_listing(ctx, number)  # a refusal (no such topic) comes first
    if await prompts.reachable_privately(ctx.rt, ctx.user_id):
        await answer_query(query, html_to_toast(ctx._("Sent to you in our private chat.")))
        if await listed_privately(ctx, number, header, items):
            return
    else:
        listed = ctx.context.application.bot_data.setdefault(LISTED_KEY, {})
        now = ctx.rt.clock.now()
        last = listed.get((ctx.chat_id, number))
        if last is not None and now - last < LIST_AGAIN_AFTER:
            await answer_query(
                query,
                html_to_toast(
                    ctx.t(
                        N_(
                            "The views on topic #{number} were listed in the group a moment ago: scroll up to that list. Start a private chat with me to get the list there."
                        ),
                        number=number,
                    )
                ),
                alert=True,
            )
            return
        listed[(ctx.chat_id, number)] = now
        await answer_query(query)
    await send_pages(ctx.context.bot, ctx.place, header, items)


async def listed_privately(ctx: Ctx, number: int, header: str, items: list[str]) -> bool:
    """The list sent privately to a member who started the bot, the group and topic named
    first (handlers/private.py); False when they have not, or no longer take the bot's
    messages (then the group gets it)."""
    if ctx.speaker is not Speaker.PERSON or not await prompts.reachable_privately(
        ctx.rt, ctx.user_id
    ):
        return False
    first = where(ctx._, ctx.chat.title, number) + "\n" + header
    try:
        await send_pages(ctx.context.bot, ctx.user_id, first, items)
    except Forbidden as exc:
        # Blocked since they started the bot: noted, and the list goes to the group.
        from bot.services.followup import mark_undeliverable

        await mark_undeliverable(ctx.rt, ctx.user_id, "views", None, str(exc))
        return False
    return True


@edge
@about_a_topic("editview")
async def edit_view(ctx: Ctx) -> None:
    """Also in private, where the author of an anonymous view stays anonymous."""
    parts = ctx.command_text().split(maxsplit=2)
    if len(parts) < 3:
        raise UserError(USAGE["editview"])
    number, view_no = parse_number(parts[0]), numbers.view_number(parts[1])
    chat_id = await target_chat(ctx, number)
    changed = await service.change_view(
        ctx.rt,
        chat_id,
        await ctx.actor_in_person(chat_id),  # a view is one member's voice, in the group now
        number,
        view_no,
        parts[2],
        in_private=ctx.chat.is_private,
    )
    done = ctx.t(N_("View {view} changed."), view=changed.number)
    if ctx.chat.is_private:
        await ctx.reply(done)  # names the group and topic, which a reaction could not
    else:
        await acknowledge(ctx, ctx.message.message_id, done)


@edge
@about_a_topic("retract")
async def retract(ctx: Ctx) -> None:
    if len(ctx.args) != 2:
        raise UserError(USAGE["retract"])
    number, view_no = parse_number(ctx.args[0]), numbers.view_number(ctx.args[1])
    chat_id = await target_chat(ctx, number)
    changed = await service.change_view(
        ctx.rt,
        chat_id,
        ctx.actor_given(),
        number,
        view_no,
        None,
        in_private=ctx.chat.is_private,
    )
    await ctx.reply(
        ctx.t(
            N_("View {view} on topic #{number} was retracted."),
            view=changed.number,
            number=number,
        )
    )


@edge
async def on_button(ctx: Ctx) -> None:
    query = ctx.update.callback_query
    press = callbacks.parse(query.data)
    if press is None:
        raise UserError(N_("This button is no longer valid."))
    if ctx.chat.is_private:
        await choose_anonymous_stance(ctx, press.number, press.stance)
        return
    # A press is answered once and within seconds: whatever can refuse it comes first, then
    # the answer, then the group messages (which may wait for the group's sending budget).
    if press.kind == callbacks.Kind.LIST_VIEWS:
        await list_views_pressed(ctx, press.number)
        return
    # Check now, so that nobody is asked to write a view that would then be refused.
    await service.ensure_can_view(ctx.rt, ctx.chat_id, await ctx.actor_in_person(), press.number)
    await answer_query(
        query, html_to_toast(ctx._("Write your view as a reply to the bot's question."))
    )
    name = ctx.person.first_name if ctx.person else ""
    prompt = await post(
        ctx.context.bot,
        ctx.place,  # the card's thread
        ctx.t(
            N_("{name}, reply to this message with your view ({stance}) on topic #{number}."),
            name=mention(ctx.user_id, name),
            stance=ctx._(cards.STANCE_LABEL[press.stance]),
            number=press.number,
        ),
        ForceReply(selective=True, input_field_placeholder=ctx._("Your view")),
    )
    await prompts.ask(
        ctx.rt,
        ctx.chat_id,
        ctx.user_id,
        VIEW_PROMPT,
        {"number": press.number, "stance": press.stance.value},
        prompt.message_id,
    )


# ----- anonymous views: deep link -> private chat -> posted in the group without a name ------


async def start_anonymous(ctx: Ctx, payload: str) -> bool:
    """/start av_<chat>_<number> in private; True when the payload was ours."""
    linked = await linked_group(ctx, payload, callbacks.Link.ANONYMOUS_VIEW)
    if linked is None:
        return False
    group, number = linked
    chat_id = group.chat_id
    topic = await service.ensure_can_view_anonymously(ctx.rt, chat_id, number, group.settings)
    buttons = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    ctx._(cards.STANCE_LABEL[s]), callback_data=callbacks.view(number, s)
                )
            ]
            for s in Stance
        ]
    )
    chooser = await ctx.reply(
        ctx.t(
            N_(
                "Anonymous view on topic #{number}: {title}\nChoose its stance, then write it here. It will be posted in the group without your name."
            ),
            number=number,
            title=topic.title,
        ),
        buttons,
    )
    # The stance buttons go once the view is posted (`post_anonymous`): the question is answered.
    payload = {
        "chat_id": chat_id,
        "number": number,
        CHOOSER: chooser.message_id if chooser else None,
    }
    await prompts.ask(ctx.rt, ctx.chat_id, ctx.user_id, ANON_PROMPT, payload, None)
    return True


# An anonymous view's pending payload key: the private message with the stance buttons.
CHOOSER = "chooser"


async def drop_buttons(ctx: Ctx, message_id: int | None) -> None:
    """An answered question's buttons go, so that nobody presses what no longer acts."""
    if not message_id:
        return
    try:
        await ctx.context.bot.edit_message_reply_markup(ctx.chat_id, message_id, reply_markup=None)
    except TelegramError as exc:
        log.info("buttons of answered question %s stay: %s", message_id, exc)


async def choose_anonymous_stance(ctx: Ctx, number: int, stance: Stance | None) -> None:
    pending = await prompts.awaiting(ctx.rt, ctx.chat_id, ctx.user_id)
    if (
        pending is None
        or pending.kind != ANON_PROMPT
        or pending.payload.get("number") != number
        or stance is None
    ):
        raise UserError(N_("This button is no longer valid."))
    await about(ctx, pending.payload["chat_id"], number)
    await prompts.ask(
        ctx.rt,
        ctx.chat_id,
        ctx.user_id,
        ANON_PROMPT,
        {**pending.payload, "stance": stance.value},
        None,
    )
    await answer_query(ctx.update.callback_query)
    await ctx.reply(
        ctx.t(
            N_("Stance: {stance}. Now send your view as a message here."),
            stance=ctx._(cards.STANCE_LABEL[stance]),
        )
    )


async def post_anonymous(ctx: Ctx, payload: dict, text: str) -> None:
    chat_id, number = payload["chat_id"], payload["number"]
    stance = Stance(payload["stance"])
    group = await load_chat_context(ctx.rt, chat_id)
    await about(ctx, group, number)
    # Still in the group when the view is posted (the link was opened a while ago, maybe).
    actor = Actor(ctx.user_id, member=await ctx.is_member_of(chat_id), message=ctx.own_message())
    topic, saved = await service.add_view(
        ctx.rt,
        chat_id,
        actor,
        number,
        stance,
        text,
        anonymous=True,
        allow_anonymous=group.settings.anonymous_views,
    )
    await prompts.answered(ctx.rt, ctx.chat_id, ctx.user_id)
    _ = translator(group.language)
    try:
        await post_about(
            ctx.context.bot,
            ctx.rt,
            group,
            topic,
            fill(
                _(N_("🕶 Anonymous view {view} on topic #{number} ({stance}):\n{text}")),
                {
                    "view": saved.number,
                    "number": number,
                    "stance": _(cards.STANCE_LABEL[stance]),
                    "text": saved.text,
                },
            ),
        )
    except TelegramError as exc:
        if rights.chat_refusal(exc) is None:
            raise
        # The view is kept and counted; the group, which refuses the bot now, pauses, and its
        # topic card (with the counts) waits to be posted when it takes messages again.
        await waiting.hold_card(ctx.rt, chat_id, "topic", topic.id, topic.card_message_id)
        await ctx.reply(
            ctx.t(
                N_(
                    "Your view is kept and counted, without your name; the group does not take my messages now, so it will read it in /views {number} and on the topic's card once I may post there again."
                ),
                number=number,
            )
        )
        return
    await drop_buttons(ctx, payload.get(CHOOSER))
    await ctx.reply(ctx.t(N_("Your view was posted in the group without your name.")))


def register(app) -> None:
    app.add_handler(CommandHandler("view", view))
    app.add_handler(CommandHandler("views", views))
    app.add_handler(CommandHandler("editview", edit_view))
    app.add_handler(CommandHandler("retract", retract))
    app.add_handler(
        CallbackQueryHandler(
            on_button, pattern=callbacks.pattern(callbacks.Kind.VIEW, callbacks.Kind.LIST_VIEWS)
        )
    )
