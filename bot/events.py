"""Domain events: what a use case changed, told to subscribers once its transaction commits.

A service publishes inside its unit of work (`rt.events.publish(tx, TopicChanged(...))`); the
event reaches the subscribers only after the commit, in the event loop's thread, and never if
the unit rolls back. Subscribers are registered in one place, the bootstrap (bot/app.py), so
that a reader finds there what follows from what: a topic that changed gets its card
refreshed, a ballot the ballot card's tally, a follow-up change the topic's living
follow-up card.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from storage import Tx

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TopicChanged:
    """A topic's phase, supporters or wording changed: what its card shows is out of date."""

    chat_id: int
    topic_id: int


@dataclass(frozen=True)
class DraftChanged:
    """A draft's wording changed (its author edited the message that made it): the bot's post
    of the draft is out of date."""

    chat_id: int
    draft_id: int


@dataclass(frozen=True)
class BallotCast:
    """A ballot was cast or changed in an open vote: the ballot card's count is out of date."""

    chat_id: int
    vote_id: int


@dataclass(frozen=True)
class FollowupChanged:
    """What a topic's living follow-up card shows changed (an action added or reported on, a
    rating given, a round opened or closed, the topic reopened, ended or escalated): the card
    is edited in place, coalesced like the tallies."""

    chat_id: int
    topic_id: int


@dataclass(frozen=True)
class GroupChanged:
    """A group setting that every message shows changed (its language, its time zone): the
    notice board is redrawn (the live topic cards follow their own TopicChanged)."""

    chat_id: int


E = TypeVar("E")


class Events:
    """Subscribers by event type; `publish` hands an event to them after the commit."""

    def __init__(self) -> None:
        self._subscribers: dict[type, list[Callable[[Any], None]]] = defaultdict(list)

    def subscribe(self, kind: type[E], subscriber: Callable[[E], None]) -> None:
        """Call `subscriber(event)` for each committed event of type `kind` (in the event
        loop's thread; it must not block: start a task for slow work)."""
        self._subscribers[kind].append(subscriber)

    def publish(self, tx: Tx, event: object) -> None:
        """Publish `event` once `tx` commits; nothing happens if it rolls back."""
        tx.on_commit(lambda: self._deliver(event))

    def _deliver(self, event: object) -> None:
        for subscriber in self._subscribers.get(type(event), ()):
            try:
                subscriber(event)
            except Exception:
                log.exception("a subscriber of %s failed", type(event).__name__)
