"""What the parts of follow-up share: the phases it runs in and the card it posts."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.rules.phases import Status
from bot.services.chats import ChatContext
from storage.followup import ActionRow, RoundRow
from storage.topics import TopicRow

FOLLOWING = (Status.ADOPTED, Status.FOLLOWING_UP)


@dataclass(frozen=True)
class Card:
    """A follow-up card to post: what it is about and who else should get it."""

    chat: ChatContext
    topic: TopicRow
    kind: str
    round: RoundRow
    wording: str
    actions: list[ActionRow]
    counts: dict[str, int]
    subscribers: list[int] = field(default_factory=list)
    owners: list[int] = field(default_factory=list)
    subject: ActionRow | None = None
    reopen_offer: tuple[int, int] | None = None  # (not satisfied, total) of the previous round
    late: bool = False
    job_id: int | None = None
