"""A member who floods the chat is asked once to slow down; the excess is dropped, not queued."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from enum import Enum


class FloodVerdict(Enum):
    ALLOW = "allow"
    WARN = "warn"  # first refusal in this window: tell them once
    DROP = "drop"  # already told: stay silent


class FloodGuard:
    def __init__(self, burst: int, window_seconds: float, clock: Callable[[], float]) -> None:
        self._burst = burst
        self._window = window_seconds
        self._clock = clock
        self._hits: dict[tuple[int, int], deque[float]] = {}
        self._warned: dict[tuple[int, int], float] = {}

    def check(self, chat_id: int, user_id: int) -> FloodVerdict:
        now = self._clock()
        key = (chat_id, user_id)
        hits = self._hits.setdefault(key, deque())
        while hits and now - hits[0] > self._window:
            hits.popleft()
        if len(hits) < self._burst:
            hits.append(now)
            self._warned.pop(key, None)
            return FloodVerdict.ALLOW
        warned_at = self._warned.get(key)
        if warned_at is not None and now - warned_at <= self._window:
            return FloodVerdict.DROP
        self._warned[key] = now
        return FloodVerdict.WARN

    def forget_idle(self) -> None:
        now = self._clock()
        for key in [k for k, h in self._hits.items() if not h or now - h[-1] > self._window]:
            self._hits.pop(key, None)
            self._warned.pop(key, None)
