"""What a running bot owns: settings, the database, the clock and the in-memory caches."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, TypeAlias

from bot.clock import Clock
from bot.events import Events
from bot.flood import FloodGuard
from bot.rules.speakers import ASK_CHANNEL_AGAIN_AFTER
from bot.settings import Settings
from bot.ttlcache import TTLCache
from storage import Database

if TYPE_CHECKING:
    from bot.inbox import Inbox
    from bot.lanes import ChatLanes
    from bot.poller import Poller
    from bot.scheduler import Scheduler

# The Telegram edge's application (python-telegram-bot's Application). bot/ never looks inside
# it (bot/ does not import telegram): it only hands it back to the edge, to the scheduled
# handlers and the card edits.
EdgeApp: TypeAlias = Any

# Where the application keeps its Runtime (python-telegram-bot's bot_data).
RUNTIME_KEY = "runtime"


class CardEdits(Protocol):
    """Coalesced edits of cards (the Telegram edge's CardRefresher, handlers/render.py)."""

    def request(self, app: EdgeApp, kind: str, ref_id: int, chat_id: int) -> None:
        """The card (kind, ref_id) in chat_id needs refreshing, once, soon."""

    def forget(self, kind: str, ref_id: int) -> None:
        """The card was brought up to date by other means."""

    async def flush(self, app: EdgeApp) -> None:
        """Every requested edit now (at stop, and when time passes in tests)."""


@dataclass
class Runtime:
    settings: Settings
    db: Database
    clock: Clock
    admin_cache: TTLCache[bool] = field(init=False)
    # Channels (per group) lately asked to write as a person: asked again only after a while.
    asked_in_person: TTLCache[bool] = field(init=False)
    flood: FloodGuard = field(init=False)
    # Chat settings and user names change rarely; caching them keeps the hot path to one write.
    chats: dict[int, Any] = field(default_factory=dict)
    users: dict[int, tuple] = field(default_factory=dict)
    bot_username: str = ""
    # The text last shown on each group's notice board (chat id -> HTML; handlers/board.py):
    # a refresh that would change nothing costs no call. A restart forgets it.
    boards_shown: dict[int, str] = field(default_factory=dict)
    # One board refresh at a time per chat (handlers/board.py): two at once posted two boards.
    board_locks: dict[int, asyncio.Lock] = field(default_factory=dict)
    # The delivery path, set by the application factory (bot/app.py).
    inbox: Inbox | None = None
    lanes: ChatLanes | None = None
    poller: Poller | None = None
    scheduler: Scheduler | None = None
    card_edits: CardEdits | None = None
    # Domain events, published by the services after commit; subscribed in bot/app.py.
    events: Events = field(default_factory=Events)
    # python-telegram-bot's JobQueue where it wakes the bot (None in tests: a frozen clock).
    job_queue: Any = None

    def __post_init__(self) -> None:
        limits = self.settings.limits
        self.admin_cache = TTLCache(limits.admin_cache.total_seconds(), time.monotonic)
        self.asked_in_person = TTLCache(
            ASK_CHANNEL_AGAIN_AFTER.total_seconds(), lambda: self.clock.now().timestamp()
        )
        self.flood = FloodGuard(
            limits.flood_burst, limits.flood_window.total_seconds(), time.monotonic
        )

    @classmethod
    def from_settings(cls, settings: Settings, clock: Clock | None = None) -> Runtime:
        clock = clock or Clock()
        db = Database(
            settings.database.path,
            synchronous=settings.database.synchronous,
            busy_timeout_ms=settings.database.busy_timeout_ms,
            now=clock.now,
        )
        return cls(settings=settings, db=db, clock=clock)


def runtime_of(app: EdgeApp) -> Runtime:
    """The Runtime of a python-telegram-bot Application built by bot.app.build_application."""
    return app.bot_data[RUNTIME_KEY]
