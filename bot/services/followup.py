"""Tracking and feedback (跟踪反馈改进): actions, progress, follow-up rounds, ratings, reopening."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from bot import numbers
from bot.errors import Msg, UserError
from bot.i18n import N_
from bot.ratios import parse_ratio
from bot.rules.followup import RATINGS, DueError, needs_reopen, parse_due, quiet_until
from bot.rules.permissions import Action
from bot.rules.phases import Status
from bot.runtime import Runtime
from bot.services.chats import ChatContext, load_chat
from bot.services.common import (
    ACTION_STATUS_TEXT,
    REASON_MAX,
    TEXT_MAX,
    Actor,
    authorize,
    bounded,
    load_topic,
    unit_of_work,
)
from bot.services.kinds import (
    ACTION_KINDS,
    DUE_SOON,
    FOLLOWUP,
    FOLLOWUP_TOPIC_KINDS,
    OVERDUE,
    OVERDUE_REOPEN,
    VIEWS_CLOSE,
)
from storage import Tx, schedule
from storage import followup as repo
from storage import topics as topic_repo
from storage import votes as vote_repo
from storage.followup import ActionRow, RoundRow
from storage.schedule import Job
from storage.topics import TopicRow

FOLLOWING = (Status.ADOPTED, Status.FOLLOWING_UP)

DUE_TEXT = {
    "invalid_date": N_("“{text}” is not a real date: write it as YYYY-MM-DD, e.g. 2026-05-31."),
    "past_date": N_(
        "{text} is already past: give a date from today on, or a duration such as 14d."
    ),
    "not_a_due": N_("“{text}” is neither a date (YYYY-MM-DD) nor a duration (14d)."),
    "too_far": N_("A due date can be at most ten years away."),
}


@dataclass(frozen=True)
class Progress:
    action: ActionRow
    topic: TopicRow
    topic_done: bool
    final_round: RoundRow | None


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


def parse_action_number(text: str) -> int:
    """An action number as typed (``A3``, ``#A3``, ``Ａ３``); the rule is in bot.numbers."""
    return numbers.action_number(text)


async def schedule_followups(tx: Tx, rt: Runtime, topic: TopicRow, now: datetime) -> None:
    """Adoption schedules the follow-up cards at the group's offsets (in the transaction that
    adopts, so that an adopted topic never lacks them)."""
    chat = await load_chat(tx, rt, topic.chat_id)
    settings = chat.settings if chat else rt.settings.defaults
    await repo.set_adopted(tx, topic.id, now)
    for index, offset in enumerate(settings.followup_offsets):
        await schedule.add(tx, topic.chat_id, FOLLOWUP, topic.id, now + offset, {"index": index})


async def add_action(
    rt: Runtime,
    chat: ChatContext,
    actor: Actor,
    number: int,
    due_text: str,
    text: str,
    owners: list[int],
) -> tuple[TopicRow, ActionRow]:
    text = bounded(text, TEXT_MAX, N_("action"))
    now = rt.clock.now()
    settings = chat.settings
    try:
        due_date, due_at = parse_due(due_text, now, settings.zone())
    except DueError as err:
        raise UserError(DUE_TEXT[err.kind], text=due_text[:20]) from None
    async with unit_of_work(rt, actor) as tx:
        topic = await load_topic(tx, chat.chat_id, number)
        authorize(Action.ADD_ACTION, topic, actor)
        action = await repo.add_action(
            tx, chat.chat_id, topic.id, text, due_date, due_at, owners, actor.user_id, now
        )
        if topic.status == Status.ADOPTED:
            await topic_repo.set_status(tx, topic.id, Status.FOLLOWING_UP)
        await topic_repo.record(
            tx, topic.id, now, actor.user_id, "action_added", f"A{action.number} due {due_date}"
        )
        reminder = due_at - settings.due_reminder
        if reminder > now:
            await schedule.add(tx, chat.chat_id, DUE_SOON, action.id, reminder)
        await schedule.add(tx, chat.chat_id, OVERDUE, action.id, due_at)
        await schedule.add(
            tx, chat.chat_id, OVERDUE_REOPEN, action.id, due_at + settings.overdue_reopen_after
        )
        topic = await topic_repo.get_topic_by_id(tx, topic.id)
    return topic, action


async def report(
    rt: Runtime,
    chat_id: int,
    actor: Actor,
    action_no: int,
    percent: int | None,
    note: str,
    done: bool = False,
    drop: bool = False,
) -> Progress:
    """A progress report by an owner or a convenor; `drop` (convenors only) gives up the action,
    `note` being the reason."""
    if drop:
        note = bounded(note, REASON_MAX, N_("reason"))
    if percent is not None and not 0 <= percent <= 100:
        raise UserError(N_("Progress is a percentage from 0 to 100."))
    note = note.strip()
    if len(note) > REASON_MAX:
        bounded(note, REASON_MAX, N_("note"))
    now = rt.clock.now()
    async with unit_of_work(rt, actor) as tx:
        action = await repo.get_action(tx, chat_id, action_no)
        if action is None:
            raise UserError(N_("There is no action A{action} in this group."), action=action_no)
        topic = await topic_repo.get_topic_by_id(tx, action.topic_id)
        if drop:
            # Giving an action up changes what was agreed: that is a convenor's call.
            authorize(Action.ADD_ACTION, topic, actor)
        else:
            authorize(Action.REPORT_PROGRESS, topic, actor, owner=actor.user_id in action.owners)
        if action.status in ("done", "dropped"):
            raise UserError(
                N_("Action A{action} is already {status}."),
                action=action_no,
                status=Msg(ACTION_STATUS_TEXT[action.status]),
            )
        if drop:
            value, status = action.percent, "dropped"
        else:
            value = 100 if done else int(percent or 0)
            status = "done" if value == 100 else ("in_progress" if value > 0 else "open")
        await repo.report(
            tx, action.id, actor.user_id, value, note, status, now, reason=note if drop else None
        )
        await topic_repo.record(
            tx,
            topic.id,
            now,
            actor.user_id,
            "dropped" if drop else "progress",
            f"A{action_no} {value}%",
        )
        if status in ("done", "dropped"):
            for kind in ACTION_KINDS:
                await schedule.cancel(tx, kind, action.id, now)
        topic_done, final_round = await _maybe_done(tx, topic, now)
        action = await repo.get_action_by_id(tx, action.id)
        topic = await topic_repo.get_topic_by_id(tx, topic.id)
    return Progress(action, topic, topic_done, final_round)


async def check_can_report(rt: Runtime, chat_id: int, actor: Actor, action_no: int) -> ActionRow:
    """Before asking for a figure: would the report be taken?"""
    async with rt.db.read() as tx:
        action = await repo.get_action(tx, chat_id, action_no)
        if action is None:
            raise UserError(N_("There is no action A{action} in this group."), action=action_no)
        topic = await topic_repo.get_topic_by_id(tx, action.topic_id)
    authorize(Action.REPORT_PROGRESS, topic, actor, owner=actor.user_id in action.owners)
    return action


async def _maybe_done(tx: Tx, topic: TopicRow, now: datetime) -> tuple[bool, RoundRow | None]:
    actions = await repo.actions_of(tx, topic.id)
    live = [a for a in actions if a.status != "dropped"]
    if not live or any(a.status != "done" for a in live):
        return False, None
    await topic_repo.set_status(tx, topic.id, Status.DONE)
    await topic_repo.record(tx, topic.id, now, None, "done", "every action done")
    await schedule.cancel_for_topic(
        tx, topic.id, [a.id for a in actions], FOLLOWUP_TOPIC_KINDS, ACTION_KINDS, now
    )
    return True, await repo.open_round(tx, topic.id, "final", now)


async def list_actions(rt: Runtime, chat_id: int, number: int) -> tuple[TopicRow, list[ActionRow]]:
    async with rt.db.read() as tx:
        topic = await load_topic(tx, chat_id, number)
        return topic, await repo.actions_of(tx, topic.id)


async def rate(
    rt: Runtime, chat_id: int, actor: Actor, number: int, round_id: int | None, value: str
) -> tuple[TopicRow, RoundRow, str | None]:
    if value not in RATINGS:
        raise UserError(N_("This button is no longer valid."))
    now = rt.clock.now()
    async with unit_of_work(rt, actor) as tx:
        topic = await load_topic(tx, chat_id, number)
        authorize(Action.RATE, topic, actor)
        latest = await repo.latest_round(tx, topic.id)
        if (
            latest is None
            or latest.closed_at is not None
            or (round_id is not None and latest.id != round_id)
        ):
            raise UserError(
                N_("This round of ratings is closed; rate on the newest follow-up card.")
            )
        previous = await repo.rate(tx, latest.id, actor.user_id, value, now)
    return topic, latest, previous


async def comment(rt: Runtime, chat_id: int, user_id: int, number: int, text: str) -> None:
    text = bounded(text, REASON_MAX, N_("comment"))
    async with rt.db.transaction() as tx:
        topic = await load_topic(tx, chat_id, number)
        latest = await repo.latest_round(tx, topic.id)
        if (
            latest is None
            or latest.closed_at is not None
            or not await repo.comment(tx, latest.id, user_id, text)
        ):
            raise UserError(
                N_("Rate on the follow-up card first; then your comment is added to your rating.")
            )


async def round_state(
    rt: Runtime, round_id: int
) -> tuple[TopicRow, RoundRow, list[ActionRow], dict[str, int], str]:
    async with rt.db.read() as tx:
        current = await repo.get_round(tx, round_id)
        topic = await topic_repo.get_topic_by_id(tx, current.topic_id)
        actions = await repo.actions_of(tx, topic.id)
        counts = await repo.rating_counts(tx, round_id)
        wording = await vote_repo.adopted_text(tx, topic.id) or ""
    return topic, current, actions, counts, wording


async def subscribe(
    rt: Runtime, chat_id: int, user_id: int, number: int, on: bool
) -> tuple[TopicRow, bool]:
    async with rt.db.transaction() as tx:
        topic = await load_topic(tx, chat_id, number)
        if on:
            changed = await repo.subscribe(tx, topic.id, user_id, rt.clock.now())
        else:
            changed = await repo.unsubscribe(tx, topic.id, user_id)
    return topic, changed


async def subscriptions(rt: Runtime, user_id: int) -> list[tuple[int, int, str, str]]:
    async with rt.db.read() as tx:
        return await repo.subscriptions_of(tx, user_id)


async def subscribers_of(rt: Runtime, topic_id: int) -> list[int]:
    async with rt.db.read() as tx:
        return await repo.reachable(tx, await repo.subscribers(tx, topic_id))


async def check_can_reopen(rt: Runtime, chat_id: int, actor: Actor, number: int) -> TopicRow:
    async with rt.db.read() as tx:
        topic = await load_topic(tx, chat_id, number)
    authorize(Action.REOPEN, topic, actor)
    return topic


async def reopen(rt: Runtime, chat: ChatContext, actor: Actor, number: int) -> TopicRow:
    now = rt.clock.now()
    deadline = now + chat.settings.views_duration
    async with unit_of_work(rt, actor) as tx:
        topic = await load_topic(tx, chat.chat_id, number)
        authorize(Action.REOPEN, topic, actor)
        actions = await repo.actions_of(tx, topic.id)
        await schedule.cancel_for_topic(
            tx, topic.id, [a.id for a in actions], FOLLOWUP_TOPIC_KINDS, ACTION_KINDS, now
        )
        await repo.close_rounds(tx, topic.id, now)
        await topic_repo.set_status(
            tx, topic.id, Status.DELIBERATING, deadline, round=topic.round + 1
        )
        await topic_repo.record(
            tx, topic.id, now, actor.user_id, "reopened", f"round {topic.round + 1}"
        )
        await schedule.add(
            tx, chat.chat_id, VIEWS_CLOSE, topic.id, deadline, {"round": topic.round + 1}
        )
        topic = await topic_repo.get_topic_by_id(tx, topic.id)
    return topic


async def mark_undeliverable(
    rt: Runtime, user_id: int, kind: str, ref_id: int | None, error: str
) -> None:
    async with rt.db.transaction() as tx:
        await repo.record_undeliverable(tx, user_id, kind, ref_id, error, rt.clock.now())


async def mark_private_ok(rt: Runtime, user_id: int) -> None:
    from storage import chats as chat_repo

    async with rt.db.transaction() as tx:
        await chat_repo.set_private_ok(tx, user_id, True, rt.clock.now())


async def take_job(rt: Runtime, job: Job, late: bool) -> Card | None:
    """Run a follow-up row: quiet hours postpone it; otherwise open (or reuse) its rating round.
    None when there is nothing to post (any more)."""
    now = rt.clock.now()
    async with rt.db.transaction() as tx:
        if not await schedule.is_pending(tx, job.id):
            return None
        chat = await load_chat(tx, rt, job.chat_id)
        if chat is None:
            await schedule.finish(tx, job.id, now, late, outcome="no chat")
            return None
        subject = None
        if job.kind == FOLLOWUP:
            topic = await topic_repo.get_topic_by_id(tx, job.ref_id)
        else:
            subject = await repo.get_action_by_id(tx, job.ref_id)
            topic = await topic_repo.get_topic_by_id(tx, subject.topic_id) if subject else None
        stale = (
            topic is None
            or topic.status not in FOLLOWING
            or (subject is not None and subject.status in ("done", "dropped"))
        )
        if stale:
            await schedule.finish(tx, job.id, now, late, outcome="obsolete")
            return None
        quiet_end = quiet_until(now, chat.settings.quiet_window(), chat.settings.zone())
        if quiet_end is not None:
            await schedule.postpone(tx, job.id, quiet_end)
            return None
        claimed = job.payload.get("round_id")
        current = await repo.get_round(tx, claimed) if claimed else None
        offer = None
        if current is None:
            previous = await repo.latest_round(tx, topic.id)
            if job.kind == OVERDUE_REOPEN:
                offer = (0, 0)
            elif previous is not None and previous.closed_at is None:
                counts = await repo.rating_counts(tx, previous.id)
                if needs_reopen(counts, parse_ratio(chat.settings.reopen_share)):
                    offer = (counts.get("not_satisfied", 0), sum(counts.values()))
            current = await repo.open_round(tx, topic.id, job.kind, now)
            # Claimed, not done: if posting fails, the retry reuses this round instead of
            # opening another; the row is marked done once the card is out (card_posted).
            await schedule.set_payload(
                tx, job.id, {**job.payload, "round_id": current.id, "offer": offer}
            )
        else:
            offer = tuple(job.payload["offer"]) if job.payload.get("offer") else None
        if topic.status == Status.ADOPTED:
            await topic_repo.set_status(tx, topic.id, Status.FOLLOWING_UP)
            topic = await topic_repo.get_topic_by_id(tx, topic.id)
        actions = await repo.actions_of(tx, topic.id)
        owners = sorted(
            {o for a in actions if a.status not in ("done", "dropped") for o in a.owners}
        )
        return Card(
            chat=chat,
            topic=topic,
            kind=job.kind,
            round=current,
            wording=await vote_repo.adopted_text(tx, topic.id) or "",
            actions=actions,
            counts={},
            subscribers=await repo.reachable(tx, await repo.subscribers(tx, topic.id)),
            owners=await repo.reachable(tx, owners),
            subject=subject,
            reopen_offer=offer,
            late=late,
            job_id=job.id,
        )


async def card_posted(rt: Runtime, card: Card, message_id: int) -> None:
    """The card is in the group: its message id and, for a scheduled card, its row's end are
    one transaction, so that nothing after the send can make it post twice."""
    async with rt.db.transaction() as tx:
        await repo.set_round_card(tx, card.round.id, message_id)
        if card.job_id is not None:
            await schedule.finish(tx, card.job_id, rt.clock.now(), card.late)
