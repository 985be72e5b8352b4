"""Topic setting (优化议题设置): propose, second, withdraw, accept, decline, merge, close."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bot.durations import DurationError, parse_duration
from bot.errors import Msg, UserError
from bot.events import FollowupChanged, TopicChanged
from bot.group_settings import GroupSettings
from bot.i18n import N_
from bot.rules.deadlines import outside_quiet_hours
from bot.rules.permissions import Action
from bot.rules.phases import Status
from bot.rules.speakers import GROUP_ANONYMOUS_BOT_ID
from bot.runtime import Runtime
from bot.services import threads, turnout

# The lines other parts add to a topic's card: kept in bot/services/card_lines.py, named here too.
from bot.services.card_lines import CARD_LINES  # noqa: F401
from bot.services.common import (
    REASON_MAX,
    TEXT_MAX,
    TITLE_MAX,
    Actor,
    authorize,
    authorize_edit,
    bounded,
    link_message,
    load_topic,
    run_unit,
)
from bot.services.kinds import ENDS_WITH_TOPIC, TOPIC_CARD, VIEWS_CLOSE, VIEWS_REMIND
from bot.services.prompts import display_name
from bot.usage import USAGE
from storage import Tx, message_records, schedule
from storage import chats as chat_repo
from storage import followup as followup_repo
from storage import forms as form_repo
from storage import topics as repo
from storage import views as view_repo
from storage.chats import UserRow
from storage.topics import TopicRow


@dataclass(frozen=True)
class Supported:
    topic: TopicRow
    added: bool
    count: int


def parse_proposal(text: str) -> tuple[str, str]:
    """The first line is the title; the lines after it are the details."""
    first, _, rest = text.strip().partition("\n")
    if len(first.strip()) > TITLE_MAX:
        # A long first line is usually the whole request: say where the rest can go.
        raise UserError(
            N_(
                "The title is too long: {length} characters, at most {limit}. You can put the details on the second line and below."
            ),
            length=len(first.strip()),
            limit=TITLE_MAX,
        )
    title = bounded(first, TITLE_MAX, N_("title"))
    details = rest.strip()
    if len(details) > TEXT_MAX:
        bounded(details, TEXT_MAX, N_("description"))
    return title, details


async def propose(
    rt: Runtime, chat_id: int, actor: Actor, text: str, thread_id: int | None = None
) -> TopicRow:
    """A new topic, living in the forum thread it was proposed in (`thread_id`; None: General,
    or a group without threads)."""
    authorize(Action.PROPOSE, None, actor)
    title, details = parse_proposal(text)
    now = rt.clock.now()

    async def work(tx: Tx) -> TopicRow:
        # The member tries again because the group never saw the card (the bot may not post
        # there for now): the topic stays stored once, its card still waiting.
        waiting = await repo.proposal_waiting(
            tx, chat_id, actor.user_id, title, details, TOPIC_CARD
        )
        if waiting is not None:
            return waiting
        number = await chat_repo.next_topic_number(tx, chat_id)
        topic = await repo.create_topic(
            tx, chat_id, number, title, details, actor.user_id, now, thread_id
        )
        await repo.record(tx, topic.id, now, actor.user_id, "proposed", {"title": title})
        await link_message(tx, actor, message_records.TOPIC, topic.id)
        return topic

    return await run_unit(rt, actor, work)


@dataclass(frozen=True)
class Edited:
    """What an edited proposal changed (`changed` False: nothing)."""

    topic: TopicRow
    changed: bool


async def edit_from_message(rt: Runtime, actor: Actor, topic_id: int, text: str) -> Edited:
    """The proposer edited the message that proposed topic `topic_id`: its title and details
    follow until a convenor accepts it (what they accepted is what the views are about); the
    history keeps the old and the new wording, and the card follows (TopicChanged)."""
    title, details = parse_proposal(text)
    now = rt.clock.now()

    async def work(tx: Tx) -> Edited:
        topic = await repo.get_topic_by_id(tx, topic_id)
        if topic is None:
            raise UserError(N_("This message no longer stands for a topic."))
        authorize_edit(
            Action.EDIT_TOPIC,
            topic,
            actor,
            N_(
                "Too late to edit topic #{number}: it is {status} now, so its title and details stay as they were."
            ),
        )
        if (title, details) == (topic.title, topic.details):
            return Edited(topic, False)
        await repo.set_wording(tx, topic.id, title, details)
        await repo.record(
            tx,
            topic.id,
            now,
            actor.user_id,
            "topic_edited",
            {
                "old_title": topic.title,
                "title": title,
                "old_details": topic.details,
                "details": details,
            },
        )
        rt.events.publish(tx, TopicChanged(topic.chat_id, topic.id))
        return Edited(await repo.get_topic_by_id(tx, topic.id), True)

    return await run_unit(rt, actor, work)


OWN_PROPOSAL = N_(
    "You proposed topic #{number} yourself: seconding is for the other members. Ask them to second it."
)


async def support(rt: Runtime, chat_id: int, actor: Actor, number: int) -> Supported:
    """`actor` seconds topic `number` (once; not their own proposal: UserError)."""
    now = rt.clock.now()

    async def work(tx: Tx) -> Supported:
        topic = await load_topic(tx, chat_id, number)
        authorize(Action.SUPPORT, topic, actor)
        # MISSION.md: anyone proposes a matter, *others* second it. A proposal is its proposer's
        # own support already; seconding it again would count them twice.
        if topic.proposer_id == actor.user_id:
            raise UserError(OWN_PROPOSAL, number=topic.number)
        added = await repo.add_supporter(tx, topic.id, actor.user_id, now)
        if added:
            await repo.record(tx, topic.id, now, actor.user_id, "supported")
        count = await repo.supporter_count(tx, topic.id)
        if added:
            rt.events.publish(tx, TopicChanged(chat_id, topic.id))
        return Supported(topic, added, count)

    return await run_unit(rt, actor, work)


async def withdraw(rt: Runtime, chat_id: int, actor: Actor, number: int) -> TopicRow:
    return await _end(
        rt, chat_id, actor, number, Action.WITHDRAW, Status.WITHDRAWN, "withdrawn", ""
    )


async def decline(rt: Runtime, chat_id: int, actor: Actor, number: int, reason: str) -> TopicRow:
    reason = bounded(reason, REASON_MAX, N_("reason"))
    return await _end(
        rt, chat_id, actor, number, Action.DECLINE, Status.DECLINED, "declined", reason
    )


async def _cancel_topic_jobs(tx: Tx, rt: Runtime, topic_id: int, now: datetime) -> None:
    """A topic that ended has nothing left to announce: its deadlines and follow-ups go, and
    its rating round closes (its living follow-up card, if it has one, loses the buttons)."""
    for kind in ENDS_WITH_TOPIC:
        await schedule.cancel(tx, kind, topic_id, now)
    if await followup_repo.close_rounds(tx, topic_id, now):
        topic = await repo.get_topic_by_id(tx, topic_id)
        rt.events.publish(tx, FollowupChanged(topic.chat_id, topic_id))


@dataclass(frozen=True)
class Escalated:
    """/escalate done: the topic; `corrected` when it was already escalated and this corrected
    where it went and why (bot/services/escalations.py Corrected), else None."""

    topic: TopicRow
    corrected: Any = None


async def escalate(
    rt: Runtime, chat_id: int, actor: Actor, number: int, reason: str, venue: str = "mediation"
) -> Escalated:
    """Consultation first, the law as the backstop: what deliberation cannot settle goes to
    civil mediation or a shared court (`venue`: mediation | court), with its record (the
    minutes); its outcome is asked about later (bot/services/escalations.py). A vote in
    progress is closed without a result. On a topic already escalated, a convenor's second
    /escalate corrects where it went and why (escalations.correct_escalation)."""
    from bot.services.escalations import correct_escalation, record_escalation
    from storage import votes as vote_repo

    reason = bounded(reason, REASON_MAX, N_("reason"))
    now = rt.clock.now()

    async def work(tx: Tx) -> Escalated:
        topic = await load_topic(tx, chat_id, number)
        if topic.status == Status.ESCALATED:
            corrected = await correct_escalation(tx, rt, topic, venue, reason, actor, now)
            return Escalated(topic, corrected)
        authorize(Action.ESCALATE, topic, actor)
        rt.events.publish(tx, TopicChanged(chat_id, topic.id))
        vote = await vote_repo.current_vote(tx, topic.id)
        if vote is not None and vote.is_open:
            await vote_repo.close_vote(tx, vote.id, now, None)
            await schedule.cancel(tx, "vote_close", vote.id, now)
        await repo.set_status(tx, topic.id, Status.ESCALATED)
        await repo.record(
            tx, topic.id, now, actor.user_id, "escalated", {"reason": reason, "venue": venue}
        )
        await _cancel_topic_jobs(tx, rt, topic.id, now)
        await record_escalation(tx, rt, topic, venue, reason, actor.user_id, now)
        await threads.follow_status(tx, topic, now)
        return Escalated(await repo.get_topic_by_id(tx, topic.id))

    return await run_unit(rt, actor, work)


async def close_topic(rt: Runtime, chat_id: int, actor: Actor, number: int) -> TopicRow:
    return await _end(rt, chat_id, actor, number, Action.CLOSE_TOPIC, Status.CLOSED, "closed", "")


async def _end(
    rt: Runtime,
    chat_id: int,
    actor: Actor,
    number: int,
    action: Action,
    status: Status,
    event: str,
    detail: str,
) -> TopicRow:
    now = rt.clock.now()

    async def work(tx: Tx) -> TopicRow:
        topic = await load_topic(tx, chat_id, number)
        authorize(action, topic, actor)
        rt.events.publish(tx, TopicChanged(chat_id, topic.id))
        await repo.set_status(tx, topic.id, status)
        await repo.record(
            tx, topic.id, now, actor.user_id, event, {"reason": detail} if detail else None
        )
        await _cancel_topic_jobs(tx, rt, topic.id, now)
        await threads.follow_status(tx, topic, now)
        return await repo.get_topic_by_id(tx, topic.id)

    return await run_unit(rt, actor, work)


def quiet_deadline(moment: datetime, settings: GroupSettings | None) -> datetime:
    """A views or vote deadline (UTC) moved out of the group's quiet hours, if it falls in them
    (bot.rules.deadlines); unchanged without settings."""
    if settings is None:
        return moment
    return outside_quiet_hours(moment, settings.quiet_window(), settings.zone())


def phase_duration(text: str | None, default: timedelta) -> timedelta:
    if not text:
        return default
    try:
        value = parse_duration(text)
    except DurationError:
        raise UserError(
            N_("“{text}” is not a duration: write 90s, 15m, 36h or 3d."), text=text[:20]
        ) from None
    if value > timedelta(days=366):
        raise UserError(N_("A phase can last a year at most."))
    return value


async def accept(
    rt: Runtime,
    chat_id: int,
    actor: Actor,
    number: int,
    views_for: timedelta,
    vote_for: timedelta,
    views_text: str | None = None,
    vote_text: str | None = None,
    settings: GroupSettings | None = None,
) -> TopicRow:
    """Views open on topic `number` for `views_for` (or `views_text`, a duration as typed); the
    vote will last `vote_for` (or `vote_text`). With the group's `settings`, a views deadline in
    the quiet hours moves to their end (bot.rules.deadlines)."""
    views_for = phase_duration(views_text, views_for)
    vote_for = phase_duration(vote_text, vote_for)
    now = rt.clock.now()
    deadline = quiet_deadline(now + views_for, settings)

    async def work(tx: Tx) -> TopicRow:
        topic = await load_topic(tx, chat_id, number)
        authorize(Action.ACCEPT, topic, actor)
        await repo.set_status(
            tx,
            topic.id,
            Status.DELIBERATING,
            deadline,
            vote_duration_s=int(vote_for.total_seconds()),
        )
        await repo.record(
            tx, topic.id, now, actor.user_id, "accepted", {"views_close": _iso(deadline)}
        )
        await schedule.add(tx, chat_id, VIEWS_CLOSE, topic.id, deadline, {"round": topic.round})
        await turnout.schedule_reminder(
            tx, rt, chat_id, VIEWS_REMIND, topic.id, deadline, now, topic.round
        )
        return await repo.get_topic_by_id(tx, topic.id)

    return await run_unit(rt, actor, work)


async def merge(
    rt: Runtime, chat_id: int, actor: Actor, number: int, into: int
) -> tuple[TopicRow, TopicRow, int]:
    if number == into:
        raise UserError(N_("A topic cannot be merged into itself."))
    now = rt.clock.now()

    async def work(tx: Tx) -> tuple[TopicRow, TopicRow, int]:
        source = await load_topic(tx, chat_id, number)
        target = await load_topic(tx, chat_id, into)
        authorize(Action.MERGE, source, actor)
        authorize(Action.MERGE, target, actor)
        rt.events.publish(tx, TopicChanged(chat_id, source.id))
        rt.events.publish(tx, TopicChanged(chat_id, target.id))
        await repo.move_supporters(tx, source.id, target.id)
        moved = await view_repo.move_views(tx, source.id, target.id)
        await repo.set_status(tx, source.id, Status.MERGED, merged_into=target.id)
        await repo.record(tx, source.id, now, actor.user_id, "merged", {"into": target.number})
        await repo.record(
            tx, target.id, now, actor.user_id, "merged_in", {"from": source.number, "views": moved}
        )
        await schedule.cancel(tx, VIEWS_CLOSE, source.id, now)
        await schedule.cancel(tx, VIEWS_REMIND, source.id, now)
        await threads.follow_status(tx, source, now)
        return source, await repo.get_topic_by_id(tx, target.id), moved

    return await run_unit(rt, actor, work)


async def new_round(
    rt: Runtime,
    chat_id: int,
    actor: Actor,
    number: int,
    mode: str,
    views_for: timedelta,
    duration_text: str | None = None,
    settings: GroupSettings | None = None,
) -> TopicRow:
    """After a vote that was not adopted: back to views (with a new deadline, moved out of the
    quiet hours of the group's `settings`) or to drafting."""
    if mode not in ("views", "drafts"):
        raise UserError(USAGE["round"])
    views_for = phase_duration(duration_text, views_for)
    now = rt.clock.now()

    async def work(tx: Tx) -> TopicRow:
        topic = await load_topic(tx, chat_id, number)
        authorize(Action.NEW_ROUND, topic, actor)
        deadline = quiet_deadline(now + views_for, settings) if mode == "views" else now
        await repo.set_status(tx, topic.id, Status.DELIBERATING, deadline, round=topic.round + 1)
        await repo.record(tx, topic.id, now, actor.user_id, "new_round", {"mode": mode})
        if mode == "views":
            await schedule.add(
                tx, chat_id, VIEWS_CLOSE, topic.id, deadline, {"round": topic.round + 1}
            )
            await turnout.schedule_reminder(
                tx, rt, chat_id, VIEWS_REMIND, topic.id, deadline, now, topic.round + 1
            )
        return await repo.get_topic_by_id(tx, topic.id)

    return await run_unit(rt, actor, work)


async def get(rt: Runtime, chat_id: int, number: int) -> TopicRow:
    return await rt.db.view(lambda tx: load_topic(tx, chat_id, number))


async def list_open(rt: Runtime, chat_id: int) -> list[TopicRow]:
    open_statuses = (
        Status.PROPOSED,
        Status.DELIBERATING,
        Status.VOTING,
        Status.ADOPTED,
        Status.NOT_ADOPTED,
        Status.FOLLOWING_UP,
    )
    statuses = tuple(s.value for s in open_statuses)
    return await rt.db.view(lambda tx: repo.list_topics(tx, chat_id, statuses))


async def get_by_id(rt: Runtime, topic_id: int) -> TopicRow | None:
    return await rt.db.view(lambda tx: repo.get_topic_by_id(tx, topic_id))


@dataclass(frozen=True)
class CardFacts:
    proposer: str
    supporters: int
    stances: dict[str, int]
    form: str | None = None


async def card_facts(rt: Runtime, topic: TopicRow) -> CardFacts:
    """What a topic card shows besides the topic itself, in one read."""

    async def work(tx: Tx) -> tuple[dict[int, UserRow], int, dict[str, int], str | None]:
        users = await chat_repo.get_users(tx, [topic.proposer_id])
        supporters = await repo.supporter_count(tx, topic.id)
        # This round's views only: a new round's card starts at 👍0, not with the last round's.
        stances = await view_repo.stance_counts(tx, topic.id, topic.round)
        form = await form_repo.current_form(tx, topic.id) or "online"
        return users, supporters, stances, form

    users, supporters, stances, form = await rt.db.view(work)
    return CardFacts(proposer_name(users, topic.proposer_id), supporters, stances, form)


def proposer_name(users: dict[int, UserRow], user_id: int) -> str:
    """The proposer as the card names them: an anonymous administrator wrote as the group, so
    the card says so (their own name is not known to anyone, the bot included)."""
    if user_id == GROUP_ANONYMOUS_BOT_ID and user_id not in users:
        return Msg(N_("an administrator, as the group"))
    return display_name(users.get(user_id))


async def set_card(rt: Runtime, topic_id: int, message_id: int | None) -> None:
    await rt.db.run(lambda tx: repo.set_card(tx, topic_id, message_id))


def views_open(topic: TopicRow, now: datetime) -> bool:
    """Does the topic take views at `now` (UTC)? While deliberating, until its deadline."""
    return topic.status == Status.DELIBERATING and (
        topic.phase_deadline is None or now < topic.phase_deadline
    )


def announces_views_closed(topic: TopicRow | None) -> bool:
    """At its views deadline a topic still deliberating gets a notice (one that moved on
    meanwhile, to a vote or an end, has had its own message)."""
    return topic is not None and topic.status == Status.DELIBERATING


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


async def in_phases(rt: Runtime, chat_id: int, statuses: frozenset[Status]) -> list[TopicRow]:
    """The group's topics in any of `statuses`, by number: what a command typed without a
    topic number may be about (bot/rules/topic_choice.py)."""
    wanted = tuple(sorted(s.value for s in statuses))
    return await rt.db.view(lambda tx: repo.list_topics(tx, chat_id, wanted))
