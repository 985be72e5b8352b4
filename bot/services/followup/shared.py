"""What the parts of follow-up share: the phases it runs in, the living card and the notices."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.rules.phases import Status
from bot.services.chats import ChatContext
from storage.followup import ActionRow, RoundRow
from storage.topics import TopicRow

FOLLOWING = (Status.ADOPTED, Status.FOLLOWING_UP)


@dataclass(frozen=True)
class Card:
    """A topic's living follow-up card (one per topic, edited in place), as it stands: the
    wording, each action with its latest note, and the ratings of its round beside those of the
    round before. To post at an offset (with who else should get it), or to refresh."""

    chat: ChatContext
    topic: TopicRow
    kind: str  # "final" for the round after every action is done, else "followup"
    round: RoundRow
    wording: str
    actions: list[ActionRow]
    counts: dict[str, int]
    notes: dict[int, str] = field(default_factory=dict)  # action id -> its latest note
    previous: RoundRow | None = None  # the round before, whose result shows beside
    previous_counts: dict[str, int] = field(default_factory=dict)
    subscribers: list[int] = field(default_factory=list)
    owners: list[int] = field(default_factory=list)
    reopen_offer: tuple[int, int] | None = None  # (not satisfied, total) of the previous round
    late: bool = False
    job_id: int | None = None
    # The card this one replaces (the previous round's message), edited to point here once
    # this one is posted; None when there is none or it is this very message.
    replaces: int | None = None

    @property
    def rating_open(self) -> bool:
        """Do the rating buttons take a rating (the round is open and the topic still followed
        up or done)?"""
        return self.round.closed_at is None and self.topic.status in (
            *FOLLOWING,
            Status.DONE,
        )


@dataclass(frozen=True)
class Notice:
    """One short line in the group about an action (due soon, overdue), or the convenors'
    reopen question for a long overdue one: it mentions the action's owners and points to the
    living card (`card_message_id`, None before the first card). No round is opened."""

    chat: ChatContext
    topic: TopicRow
    kind: str  # DUE_SOON, OVERDUE or OVERDUE_REOPEN (bot/services/kinds.py)
    action: ActionRow
    card_message_id: int | None
    late: bool
    job_id: int
    # The owners the line mentions: all of them, except on a due-soon line, which mentions only
    # those the bot cannot remind privately (the others have their private reminders).
    mentioned: tuple[int, ...] = ()
