"""The Application factory: the program and the tests build the bot the same way."""

from __future__ import annotations

import asyncio
import logging

from telegram import (
    BotCommand,
    BotCommandScopeAllChatAdministrators,
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
    LinkPreviewOptions,
)
from telegram.constants import ParseMode
from telegram.ext import AIORateLimiter, Application, Defaults
from telegram.request import BaseRequest, HTTPXRequest

from bot.clock import Clock
from bot.concurrency import PerChatUpdateProcessor
from bot.events import BallotCast, DraftChanged, FollowupChanged, GroupChanged, TopicChanged
from bot.i18n import LANGUAGES, N_, translator
from bot.inbox import Inbox
from bot.lanes import ChatLanes
from bot.logsetup import quiet_chatty_libraries
from bot.poller import Poller
from bot.runtime import RUNTIME_KEY, Runtime, runtime_of
from bot.scheduler import Scheduler
from bot.services.meetings import MeetingChanged
from bot.settings import Settings, require_token
from handlers import register_handlers

log = logging.getLogger(__name__)

CATCH_UP_KEY = "catch-up"

# (command, description) in the order the menu shows them; descriptions are translated.
GROUP_COMMANDS = (
    ("propose", N_("Propose a topic")),
    ("topics", N_("Open topics")),
    ("topic", N_("Show a topic card")),
    ("board", N_("Notice board of the group's topics")),
    ("support", N_("Second a proposed topic")),
    ("view", N_("Voice a view")),
    ("views", N_("Views on a topic")),
    ("draft", N_("Propose consensus wording")),
    ("amend", N_("Amend a draft (reply to it)")),
    ("drafts", N_("Drafts of a topic")),
    ("ballot", N_("Cast or change your ballot")),
    ("actions", N_("Action items of a topic")),
    ("progress", N_("Report progress on your action")),
    ("done", N_("Report your action done")),
    ("help", N_("How deliberation works here")),
    ("settings", N_("Group settings")),
    ("links", N_("Groups linked with this one")),
)
# Added to the menu group administrators see (they are convenors): Telegram shows a scope's
# list instead of the wider one, so theirs is the members' list and these.
CONVENOR_COMMANDS = (
    ("accept", N_("Accept a proposed topic")),
    ("decline", N_("Decline a proposed topic")),
    ("merge", N_("Merge a topic into another")),
    ("vote", N_("Put a draft to the vote")),
    ("close", N_("End a vote now")),
    ("extend", N_("Give the views or the vote more time")),
    ("round", N_("New round after a vote that failed")),
    ("action", N_("Add an action item (reply to its owner)")),
    ("drop", N_("Drop an action item")),
    ("end", N_("Close a topic")),
    ("reopen", N_("Reopen a finished topic")),
    ("escalate", N_("Send a matter to mediation or the shared court")),
    ("minutes", N_("The minutes of a topic, as a Word document")),
    ("form", N_("How a topic is talked over: online, roundtable, under the tree, open door")),
    ("meeting", N_("Call an offline meeting on a topic")),
    ("attendance", N_("How many came to the meeting")),
    ("tally", N_("A show of hands at the meeting ends the vote")),
    ("proxy", N_("Enter a ballot for a member without a phone")),
    ("resolve", N_("How an escalated matter was settled")),
    ("convenor", N_("Name or remove a convenor (reply to them)")),
    ("language", N_("Language of the group")),
    ("link", N_("Link a village group with a members' group")),
    ("unlink", N_("End a link with another group")),
    ("contact", N_("Name or remove a contact member (reply to them)")),
    ("refer", N_("Refer a topic to a linked members' group")),
    ("consult", N_("Ask the linked villages about a topic")),
)
PRIVATE_COMMANDS = (
    ("start", N_("Start")),
    ("ballot", N_("Cast or change your ballot")),
    ("mysubscriptions", N_("Topics you follow")),
    ("mygroups", N_("Villages you serve as contact member")),
    ("help", N_("How deliberation works here")),
)


def build_application(
    settings: Settings,
    *,
    request: BaseRequest | None = None,
    clock: Clock | None = None,
    runtime: Runtime | None = None,
    job_queue: bool = True,
) -> Application:
    """The Application, its handlers and its delivery path (inbox, lanes, schedule).

    `request` replaces the HTTP client (the tests' fake Bot API); `job_queue=False` leaves the
    schedule's wake-ups to the caller (tests move a frozen clock and call `run_due`).
    Raises ConfigError when no token is set.
    """
    token = require_token(settings)
    quiet_chatty_libraries()
    rt = runtime or Runtime.from_settings(settings, clock)
    lanes = ChatLanes()
    processor = PerChatUpdateProcessor(lanes)
    builder = (
        Application.builder()
        .token(token)
        .base_url(settings.telegram.base_url)
        .defaults(
            Defaults(
                parse_mode=ParseMode.HTML, link_preview_options=LinkPreviewOptions(is_disabled=True)
            )
        )
        .concurrent_updates(processor)
        # Our own poller (bot/poller.py) confirms nothing that is not stored.
        .updater(None)
    )
    if not job_queue:
        builder = builder.job_queue(None)
    if request is not None:
        builder = builder.request(request).get_updates_request(request)
    else:
        builder = builder.get_updates_request(
            HTTPXRequest(read_timeout=settings.telegram.poll_timeout + 10)
        )
    if settings.telegram.rate_limiter:
        builder = builder.rate_limiter(AIORateLimiter(max_retries=5))
    app = builder.build()
    app.bot_data[RUNTIME_KEY] = rt
    rt.lanes = lanes
    rt.job_queue = app.job_queue if job_queue else None
    rt.inbox = Inbox(rt, app.update_queue)
    processor.on_handled = rt.inbox.handled
    scheduler = rt.scheduler = Scheduler(rt, lanes)
    poller = rt.poller = Poller(
        app.bot,
        rt.inbox,
        timeout=settings.telegram.poll_timeout,
        give_up_after=settings.database.give_up_after.total_seconds(),
    )
    # A deadline waits while updates may be held at Telegram (start-up, an outage).
    scheduler.receiving = poller.caught_up
    poller.on_caught_up = scheduler.resume

    # The composition root: the one place where bot/ wires in the Telegram edge.
    register_handlers(app)
    _subscribe(app, rt)
    return app


def _subscribe(app: Application, rt: Runtime) -> None:
    """What follows, after commit, from what the services publish (bot/events.py)."""
    edits = rt.card_edits
    if edits is None:
        return
    rt.events.subscribe(TopicChanged, lambda e: edits.request(app, "topic", e.topic_id, e.chat_id))
    # The group's notice board lists every topic's phase: one edit for a burst of changes
    # (a follow-up moves a topic on too: adopted -> following up -> done, or reopened).
    for moved in (TopicChanged, FollowupChanged, GroupChanged):
        rt.events.subscribe(moved, lambda e: edits.request(app, "board", e.chat_id, e.chat_id))
    rt.events.subscribe(BallotCast, lambda e: edits.request(app, "vote", e.vote_id, e.chat_id))
    rt.events.subscribe(
        FollowupChanged, lambda e: edits.request(app, "followup", e.topic_id, e.chat_id)
    )
    rt.events.subscribe(DraftChanged, lambda e: edits.request(app, "draft", e.draft_id, e.chat_id))
    rt.events.subscribe(
        MeetingChanged, lambda e: edits.request(app, "meeting", e.meeting_id, e.chat_id)
    )


def poller_of(app: Application) -> Poller:
    """The application's poller (bot/poller.py)."""
    return runtime_of(app).poller


async def start_runtime(app: Application) -> None:
    """Open and migrate the database, register the command menus, and queue what was received
    but not handled before the last stop. The schedule starts later (`start_delivery`)."""
    rt = runtime_of(app)
    await rt.db.open()
    rt.bot_username = app.bot.username or ""
    await register_commands(app)
    await rt.inbox.replay(app.bot)
    if rt.job_queue is not None:
        rt.job_queue.run_repeating(lambda _ctx: rt.inbox.flush(), interval=2.0, name="inbox-flush")
    log.info("ready as @%s with database %s", rt.bot_username, rt.db.path)


async def start_delivery(app: Application) -> asyncio.Task:
    """Start polling, and beside it the catch-up: once what Telegram held at start-up has been
    received and everything received so far handled (a ballot sent before a deadline counts
    before the deadline's row runs), the schedule runs what fell due and arms. Returns the
    poller's task: it ends only by `stop_delivery` or by raising DeliveryStopped."""
    rt = runtime_of(app)
    poller = poller_of(app)
    task = poller.start()

    async def catch_up() -> None:
        await poller.caught_up.wait()
        await rt.inbox.settled()
        await rt.scheduler.start(app)

    app.bot_data[CATCH_UP_KEY] = asyncio.create_task(catch_up(), name="shangliang-catch-up")
    return task


async def stop_delivery(app: Application) -> None:
    """Stop polling (what is stored stays; an abandoned long poll confirms nothing) and a
    catch-up that has not run yet (the next start does it)."""
    catch_up = app.bot_data.pop(CATCH_UP_KEY, None)
    if catch_up is not None and not catch_up.done():
        catch_up.cancel()
    await poller_of(app).stop()


async def finish_work(app: Application) -> None:
    """After the last update, while the bot can still talk to Telegram: pending card edits go
    out, the schedule stops and handled updates are marked."""
    rt = runtime_of(app)
    try:
        if rt.card_edits is not None:
            await rt.card_edits.flush(app)
        await rt.scheduler.stop()
    except Exception:
        log.exception("while finishing work at stop")
    if rt.db.is_open:
        await rt.inbox.flush()


async def stop_runtime(app: Application) -> None:
    """Close the database, whatever happened before."""
    rt = runtime_of(app)
    if rt.db.is_open:
        await rt.db.close()
    log.info("stopped; database closed")


async def register_commands(app: Application) -> None:
    default_language = runtime_of(app).settings.defaults.language
    for scope, commands in (
        (BotCommandScopeAllGroupChats(), GROUP_COMMANDS),
        (BotCommandScopeAllPrivateChats(), PRIVATE_COMMANDS),
        (BotCommandScopeAllChatAdministrators(), GROUP_COMMANDS + CONVENOR_COMMANDS),
    ):
        for language in (*LANGUAGES, None):
            _ = translator(language or default_language)
            await app.bot.set_my_commands(
                [BotCommand(name, _(description)) for name, description in commands],
                scope=scope,
                language_code=language,
            )
