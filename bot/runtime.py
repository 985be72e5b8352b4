"""What a running bot owns: settings, the database, the clock and the in-memory caches."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from bot.clock import Clock
from bot.flood import FloodGuard
from bot.settings import Settings
from bot.ttlcache import TTLCache
from storage import Database


@dataclass
class Runtime:
    settings: Settings
    db: Database
    clock: Clock
    admin_cache: TTLCache[bool] = field(init=False)
    flood: FloodGuard = field(init=False)
    # Chat settings and user names change rarely; caching them keeps the hot path to one write.
    chats: dict[int, Any] = field(default_factory=dict)
    users: dict[int, tuple] = field(default_factory=dict)
    bot_username: str = ""
    # Update ids above this were never handled before this start: no need to look them up.
    processed_high_water: int = 0
    # Update ids handled since this start: a replayed update and Telegram's redelivery of the
    # same one must not both be handled.
    seen_updates: set[int] = field(default_factory=set)
    services: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        limits = self.settings.limits
        self.admin_cache = TTLCache(limits.admin_cache.total_seconds(), time.monotonic)
        self.flood = FloodGuard(
            limits.flood_burst, limits.flood_window.total_seconds(), time.monotonic
        )

    @classmethod
    def from_settings(cls, settings: Settings, clock: Clock | None = None) -> Runtime:
        db = Database(
            settings.database.path,
            synchronous=settings.database.synchronous,
            busy_timeout_ms=settings.database.busy_timeout_ms,
        )
        return cls(settings=settings, db=db, clock=clock or Clock())
