"""The Application factory: the program and the tests build the bot the same way."""

from __future__ import annotations

import logging

from telegram import (
    BotCommand,
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
    LinkPreviewOptions,
)
from telegram.constants import ParseMode
from telegram.ext import AIORateLimiter, Application, Defaults
from telegram.request import BaseRequest, HTTPXRequest

from bot.clock import Clock
from bot.concurrency import PerChatUpdateProcessor
from bot.i18n import LANGUAGES, N_, translator
from bot.inbox import DurableUpdateQueue
from bot.logsetup import quiet_chatty_libraries
from bot.runtime import Runtime
from bot.services import chats
from bot.settings import Settings, require_token

log = logging.getLogger(__name__)

RUNTIME_KEY = "runtime"

# (command, description) in the order the menu shows them; descriptions are translated.
GROUP_COMMANDS = (
    ("propose", N_("Propose a topic")),
    ("topics", N_("Open topics")),
    ("topic", N_("Show a topic card")),
    ("support", N_("Second a proposed topic")),
    ("view", N_("Voice a view")),
    ("views", N_("Views on a topic")),
    ("draft", N_("Propose consensus wording")),
    ("drafts", N_("Drafts of a topic")),
    ("ballot", N_("Cast or change your ballot")),
    ("actions", N_("Action items of a topic")),
    ("help", N_("How deliberation works here")),
    ("settings", N_("Group settings")),
)
PRIVATE_COMMANDS = (
    ("start", N_("Start")),
    ("ballot", N_("Cast or change your ballot")),
    ("mysubscriptions", N_("Topics you follow")),
    ("help", N_("How deliberation works here")),
)


def build_application(
    settings: Settings,
    *,
    request: BaseRequest | None = None,
    clock: Clock | None = None,
    runtime: Runtime | None = None,
) -> Application:
    token = require_token(settings)
    quiet_chatty_libraries()
    inbox = DurableUpdateQueue()
    processor = PerChatUpdateProcessor()
    processor.on_handled = inbox.handled
    builder = (
        Application.builder()
        .token(token)
        .base_url(settings.telegram.base_url)
        .defaults(
            Defaults(
                parse_mode=ParseMode.HTML, link_preview_options=LinkPreviewOptions(is_disabled=True)
            )
        )
        .update_queue(inbox)
        .concurrent_updates(processor)
        .post_init(start_runtime)
        .post_stop(finish_work)
        .post_shutdown(stop_runtime)
    )
    if request is not None:
        builder = builder.request(request).get_updates_request(request)
    else:
        builder = builder.get_updates_request(
            HTTPXRequest(read_timeout=settings.telegram.poll_timeout + 10)
        )
    if settings.telegram.rate_limiter:
        builder = builder.rate_limiter(AIORateLimiter(max_retries=5))
    app = builder.build()
    app.bot_data[RUNTIME_KEY] = runtime or Runtime.from_settings(settings, clock)
    inbox.rt = app.bot_data[RUNTIME_KEY]

    # The composition root: the one place where bot/ wires in the Telegram edge.
    from handlers import register_handlers

    register_handlers(app)
    return app


def runtime_of(app: Application) -> Runtime:
    return app.bot_data[RUNTIME_KEY]


async def start_runtime(app: Application) -> None:
    """Open and migrate the database, put the schedule back, register the command menus, and
    queue what was received but not handled before the last stop."""
    rt = runtime_of(app)
    await rt.db.open()
    rt.bot_username = app.bot.username or ""
    await chats.load_processed_high_water(rt)
    for hook in rt.services.get("on_start", []):
        await hook(app)
    await register_commands(app)
    if isinstance(app.update_queue, DurableUpdateQueue):
        await app.update_queue.replay(app.bot)
        rt.services.setdefault("tick", []).append(lambda _app: app.update_queue.flush())
        app.job_queue.run_repeating(
            lambda _ctx: app.update_queue.flush(), interval=2.0, name="inbox-flush"
        )
    log.info("ready as @%s with database %s", rt.bot_username, rt.db.path)


async def finish_work(app: Application) -> None:
    """After the last update, while the bot can still talk to Telegram: pending card edits go
    out and the schedule stops."""
    rt = runtime_of(app)
    for hook in rt.services.get("on_stop", []):
        try:
            await hook(app)
        except Exception:
            log.exception("while finishing work at stop")
    if isinstance(app.update_queue, DurableUpdateQueue):
        await app.update_queue.flush()


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
    ):
        for language in (*LANGUAGES, None):
            _ = translator(language or default_language)
            await app.bot.set_my_commands(
                [BotCommand(name, _(description)) for name, description in commands],
                scope=scope,
                language_code=language,
            )
