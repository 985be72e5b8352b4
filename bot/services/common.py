"""What every use case needs: who acts, the topic they name, and the rules' verdict."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from bot import numbers
from bot.errors import Msg, UserError
from bot.i18n import N_
from bot.phase_words import FINISHED, PHASE_WORDS
from bot.rules.permissions import Action, Decision, Role, Verdict, Who, decide
from bot.rules.phases import Status
from bot.rules.speakers import Speaker
from bot.runtime import Runtime
from bot.services.chats import Person, name_changed, person_written, write_person
from storage import Tx, message_records, schedule
from storage import topics as topic_repo
from storage.db import Work
from storage.schedule import Job
from storage.topics import TopicRow

T = TypeVar("T")

TITLE_MAX = 120
TEXT_MAX = 2000
REASON_MAX = 500


@dataclass(frozen=True)
class MessageRef:
    """A member's message: the chat it is in, and its id there."""

    chat_id: int
    message_id: int


@dataclass(frozen=True)
class Actor:
    """Who acts, and the update they act by.

    `update_id` is the Telegram update this act came in (None for scheduled work): the use
    case's transaction marks it handled. `acted_at` (UTC) is when the member acted: a message's
    own date, or for a button press the moment the bot received it. Deadlines are judged by it,
    so a ballot sent before a deadline counts even when the bot handles it later (a restart).

    `speaker` says whether a person acts, or a name many share (the group's anonymous
    administrators, a channel); `member` is their membership of the group as Telegram gave it
    just now, for what counts one person, one voice (None: not asked, the act does not need it).
    """

    user_id: int
    is_convenor: bool = False
    is_bot: bool = False
    name: str = ""
    update_id: int | None = None
    acted_at: datetime | None = None
    # Their name as Telegram gives it now: written with the use case when it changed.
    person: Person | None = None
    # The member's own message this act came in (None for a press, or scheduled work): a record
    # the act creates is linked to it (`link_message`), so that an edit of that message finds
    # the record instead of creating another.
    message: MessageRef | None = None
    speaker: Speaker = Speaker.PERSON
    member: bool | None = None

    def when(self, now: datetime) -> datetime:
        """The moment a deadline is judged by: when they acted, never later than `now`."""
        return now if self.acted_at is None else min(self.acted_at, now)

    def roles(self, topic: TopicRow | None = None, owner: bool = False) -> frozenset[Role]:
        if self.speaker in (Speaker.CHANNEL, Speaker.AUTOMATIC):
            return frozenset({Role.CHANNEL})
        if self.is_bot and not self.is_convenor:
            return frozenset({Role.BOT})
        if self.member is False:
            return frozenset({Role.OUTSIDER})
        roles = {Role.MEMBER}
        if self.speaker is Speaker.GROUP:
            roles.add(Role.GROUP)
        if self.is_convenor:
            roles.add(Role.CONVENOR)
        if topic is not None and topic.proposer_id == self.user_id:
            roles.add(Role.PROPOSER)
        if owner:
            roles.add(Role.OWNER)
        return frozenset(roles)


async def run_unit(rt: Runtime, actor: Actor | None, work: Work[T]) -> T:
    """One update, one unit of work: the acting member's name (when it changed), the use case
    `work(tx)` and the update's handled mark commit together, or none of them does. It runs in
    the database thread in one hop and shares its COMMIT with other chats' units
    (storage.db.Database.run); `work` may await only its Tx.

    Raises what the use case raises (UserError for a refusal), and sqlite3.Error as SQLite does.
    """
    person = actor.person if actor is not None else None
    fresh = person is not None and not person.is_bot and name_changed(rt, person)

    async def with_name(tx: Tx) -> T:
        if fresh:
            await write_person(tx, rt, person)
        return await work(tx)

    result = await rt.db.run(with_name, handles=actor.update_id if actor else None)
    if fresh:
        person_written(rt, person)
    return result


async def link_message(tx: Tx, actor: Actor, kind: str, ref_id: int) -> None:
    """Link the record (kind, ref_id) just created to the member's message that created it."""
    if actor.message is not None:
        await message_records.remember(
            tx, actor.message.chat_id, actor.message.message_id, kind, ref_id, actor.user_id
        )


WHO_TEXT = {
    Who.ANY_MEMBER: N_("Only members of this group can do that."),
    Who.EACH_MEMBER: N_("Only members of this group can do that."),
    Who.PROPOSER: N_("Only the member who proposed topic #{number} can do that."),
    Who.OWNER_OR_CONVENOR: N_("Only an owner of this action or a convenor can do that."),
    Who.CONVENOR: N_("Only a convenor of this group can do that."),
}

# Why a name many share may not do what counts one person, one voice; and how to act in person.
IN_PERSON_TEXT = {
    Speaker.GROUP: N_(
        "You are writing as the group (an anonymous administrator), a name every anonymous administrator shares. Seconding, views and ballots count one person, one voice, so they need you as yourself: turn off “Remain anonymous” in your administrator rights, or press the card's buttons, which know who you are."
    ),
    Speaker.CHANNEL: N_(
        "You are writing as a channel. Here every voice is a person's: please write as yourself (tap the picture next to the message box and choose your own name), then send it again. Nothing was recorded."
    ),
}

# The phase words are one table (bot/phase_words.py).
STATUS_TEXT = PHASE_WORDS


def authorize(action: Action, topic: TopicRow | None, actor: Actor, owner: bool = False) -> None:
    status = Status(topic.status) if topic is not None else None
    decision: Decision = decide(action, status, actor.roles(topic, owner))
    if decision.allowed:
        return
    number = topic.number if topic else 0
    if decision.verdict is Verdict.NOT_IN_PERSON:
        channel = actor.speaker in (Speaker.CHANNEL, Speaker.AUTOMATIC)
        raise UserError(IN_PERSON_TEXT[Speaker.CHANNEL if channel else Speaker.GROUP])
    if decision.verdict in (Verdict.NOT_A_MEMBER, Verdict.WRONG_ROLE):
        raise UserError(WHO_TEXT[decision.needs], number=number)
    if status in FINISHED:
        # A finished topic will not come back to a phase that allows it: no "for now".
        raise UserError(
            N_("Topic #{number} is {status}: that can no longer be done."),
            number=number,
            status=Msg(STATUS_TEXT[status]),
        )
    raise UserError(
        N_("Topic #{number} is {status}: that cannot be done now."),
        number=number,
        status=Msg(STATUS_TEXT[status]) if status else "",
    )


# An edit of a message that named one topic, naming another now.
MOVED = N_(
    "This message was about topic #{was}: an edit cannot move it to topic #{number}. Send a new message instead."
)


def authorize_edit(
    action: Action, topic: TopicRow, actor: Actor, too_late: str, **params: object
) -> None:
    """As `authorize`, for an edit of the message that created a record: when the topic's phase
    no longer allows the change, the refusal is `too_late` (one polite line saying so)."""
    status = Status(topic.status)
    if decide(action, status, actor.roles(topic)).verdict is Verdict.WRONG_PHASE:
        raise UserError(too_late, number=topic.number, status=Msg(STATUS_TEXT[status]), **params)
    authorize(action, topic, actor)


async def load_topic(tx: Tx, chat_id: int, number: int) -> TopicRow:
    topic = await topic_repo.get_topic(tx, chat_id, number)
    if topic is None:
        raise UserError(N_("There is no topic #{number} in this group."), number=number)
    return topic


def bounded(text: str, limit: int, what: str) -> str:
    """User text, trimmed; empty or too long is refused with the limit in plain words."""
    cleaned = text.strip()
    if not cleaned:
        raise UserError(N_("The {what} is empty."), what=Msg(what))
    if len(cleaned) > limit:
        raise UserError(
            N_("The {what} is too long: {length} characters, at most {limit}."),
            what=Msg(what),
            length=len(cleaned),
            limit=limit,
        )
    return cleaned


def parse_number(text: str) -> int:
    """A topic number as typed (``3``, ``#3``, ``＃３``); the rule is in bot.numbers."""
    return numbers.topic_number(text)


ACTION_STATUS_TEXT = {
    "open": N_("open"),
    "in_progress": N_("in progress"),
    "done": N_("done"),
    "overdue": N_("overdue"),
    "dropped": N_("dropped"),
}


async def row_card_posted(
    rt: Runtime,
    job: Job,
    set_card: Callable[[Tx, int, int], Awaitable[None]],
    message_id: int,
    late: bool,
) -> bool:
    """A card a schedule row posted: its message id (kept by `set_card(tx, job.ref_id,
    message_id)`, a storage function) and the row's end in one unit, so that a retry after
    the send never posts the card twice. True when the row was still pending."""
    now = rt.clock.now()

    async def work(tx: Tx) -> bool:
        await set_card(tx, job.ref_id, message_id)
        return await schedule.finish(tx, job.id, now, late)

    return await rt.db.run(work)
