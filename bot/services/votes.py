"""The vote on a consensus draft: open, cast (and change) ballots, close with a stated outcome."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.callbacks import Link, start_link
from bot.errors import UserError
from bot.events import BallotCast, TopicChanged
from bot.group_settings import GroupSettings
from bot.i18n import N_
from bot.ratios import parse_quorum, parse_threshold
from bot.rules import permissions
from bot.rules.permissions import Action
from bot.rules.phases import Choice, Status
from bot.rules.tally import Outcome, Tally, decide, eligible_members
from bot.runtime import Runtime
from bot.services import turnout
from bot.services.common import (
    MOVED,
    REASON_MAX,
    Actor,
    authorize,
    bounded,
    link_message,
    load_topic,
    run_unit,
)
from bot.services.followup import schedule_followups
from bot.services.kinds import POST_RESULT, VIEWS_CLOSE, VIEWS_REMIND, VOTE_CLOSE, VOTE_REMIND
from bot.services.topics import phase_duration, quiet_deadline
from storage import Tx, message_records, schedule
from storage import drafts as draft_repo
from storage import hands as hands_repo
from storage import topics as topic_repo
from storage import votes as repo
from storage.drafts import DraftRow
from storage.hands import HandsRow
from storage.topics import TopicRow
from storage.votes import BallotRow, VoteRow

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class VoteState:
    topic: TopicRow
    vote: VoteRow
    draft: DraftRow
    tally: Tally

    def outcome(self) -> Outcome:
        threshold = parse_threshold(self.vote.threshold)
        return decide(
            self.tally,
            self.vote.quorum,
            threshold.share,
            self.vote.blocks_allowed,
            strict=threshold.strict,
        )


@dataclass(frozen=True)
class Cast:
    """What a ballot changed; the card shows the tally later (its edits are coalesced)."""

    vote_id: int
    secret: bool
    choice: Choice
    previous: str | None


@dataclass(frozen=True)
class Closed:
    state: VoteState
    outcome: Outcome
    dissent: list[BallotRow]
    # A show of hands counted in this vote (bot/services/meetings.py tally): who recorded it.
    hands: HandsRow | None = None


async def check_can_open(rt: Runtime, chat_id: int, actor: Actor, number: int) -> None:
    """Before asking Telegram how many members the group has: would the vote be opened?"""
    topic = await rt.db.view(lambda tx: load_topic(tx, chat_id, number))
    authorize(Action.OPEN_VOTE, topic, actor)


async def check_can_cast(rt: Runtime, chat_id: int, actor: Actor, number: int) -> None:
    """Before asking a member for the reason of a block: may they cast a ballot on it now?"""
    topic = await rt.db.view(lambda tx: load_topic(tx, chat_id, number))
    authorize(Action.BALLOT, topic, actor)


async def open_vote(
    rt: Runtime,
    chat_id: int,
    actor: Actor,
    number: int,
    draft_no: int,
    settings: GroupSettings,
    member_count: int,
    duration_text: str | None = None,
    bot_can_delete: bool = True,
) -> VoteState:
    """`bot_can_delete`: may the bot delete a member's message in the group (checked now)? If
    not, a secret ballot takes no ballot typed in the group (it would stay readable)."""
    now = rt.clock.now()

    async def work(tx: Tx) -> VoteState:
        topic = await load_topic(tx, chat_id, number)
        authorize(Action.OPEN_VOTE, topic, actor)
        rt.events.publish(tx, TopicChanged(chat_id, topic.id))
        draft = await draft_repo.get_draft(tx, topic.id, draft_no)
        if draft is None:
            raise UserError(
                N_("Topic #{number} has no draft {draft}."), number=number, draft=draft_no
            )
        default = (
            timedelta(seconds=topic.vote_duration_s)
            if topic.vote_duration_s
            else settings.vote_duration
        )
        closes_at = quiet_deadline(now + phase_duration(duration_text, default), settings)
        eligible = eligible_members(member_count)
        vote = await repo.open_vote(
            tx,
            topic.id,
            draft.number,
            topic.round,
            now,
            closes_at,
            eligible,
            parse_quorum(settings.quorum).required(eligible),
            settings.threshold,
            settings.blocks_allowed,
            settings.secret_ballot,
            typed_ballot_stays=not bot_can_delete,
        )
        await topic_repo.set_status(tx, topic.id, Status.VOTING, closes_at)
        await topic_repo.record(
            tx, topic.id, now, actor.user_id, "vote_opened", {"draft": draft.number}
        )
        await schedule.cancel(tx, VIEWS_CLOSE, topic.id, now)
        await schedule.cancel(tx, VIEWS_REMIND, topic.id, now)
        await schedule.add(tx, chat_id, VOTE_CLOSE, vote.id, closes_at)
        await turnout.schedule_reminder(tx, rt, chat_id, VOTE_REMIND, vote.id, closes_at, now)
        return await _state(tx, vote.id)

    return await run_unit(rt, actor, work)


async def _state(tx: Tx, vote_id: int) -> VoteState:
    vote = await repo.get_vote(tx, vote_id)
    topic = await topic_repo.get_topic_by_id(tx, vote.topic_id)
    draft = await draft_repo.get_draft(tx, topic.id, vote.draft_no)
    counts = await repo.tally(tx, vote.id)
    return VoteState(topic, vote, draft, Tally(**{c.value: counts.get(c.value, 0) for c in Choice}))


async def state(rt: Runtime, vote_id: int) -> VoteState:
    return await rt.db.view(lambda tx: _state(tx, vote_id))


async def cast_ballot(
    rt: Runtime,
    chat_id: int,
    actor: Actor,
    number: int,
    choice: Choice,
    reason: str | None = None,
    vote_id: int | None = None,
    typed_in_group: bool = False,
) -> Cast:
    """`typed_in_group`: the ballot is a member's message in the group (/ballot N choice),
    which everyone can read until the bot deletes it."""
    if choice is Choice.BLOCK:
        if not reason or not reason.strip():
            raise UserError(
                N_("A block needs a reason: /ballot {number} block your reason"), number=number
            )
    if reason:
        reason = bounded(reason, REASON_MAX, N_("reason"))
    now = rt.clock.now()

    async def work(tx: Tx) -> Cast:
        topic = await load_topic(tx, chat_id, number)
        vote = await repo.current_vote(tx, topic.id)
        if vote_id is not None and (vote is None or vote.id != vote_id or not vote.is_open):
            raise UserError(N_("This vote is closed."))
        authorize(Action.BALLOT, topic, actor)
        if vote is None or not vote.is_open or actor.when(now) >= vote.closes_at:
            raise UserError(N_("This vote is closed."))
        if typed_in_group and vote.secret and vote.typed_ballot_stays:
            raise typed_ballot_refused(rt, chat_id, number)
        previous = await repo.cast(tx, vote.id, actor.user_id, choice.value, reason, now)
        rt.events.publish(tx, BallotCast(chat_id, vote.id))
        if previous is None:
            # Under secret ballot not even the record's timing ties a person to the live tally.
            who = None if vote.secret else actor.user_id
            await topic_repo.record(tx, topic.id, now, who, "ballot")
        await link_message(tx, actor, message_records.BALLOT, vote.id)
        return Cast(vote.id, vote.secret, choice, previous)

    return await run_unit(rt, actor, work)


async def change_from_message(
    rt: Runtime,
    actor: Actor,
    vote_id: int,
    number: int | None,
    choice: Choice | None,
    reason: str | None,
) -> Cast | None:
    """The member edited the message that cast their ballot in vote `vote_id`: the ballot
    follows while the vote is open. An edited /ballot gives `number` (which must be the vote's
    topic) and `choice`; an edited answer to the block question gives only the `reason`, which
    replaces the block's reason if the ballot is still a block (else nothing changes: None)."""
    if reason:
        reason = bounded(reason, REASON_MAX, N_("reason"))
    now = rt.clock.now()

    async def work(tx: Tx) -> Cast | None:
        vote = await repo.get_vote(tx, vote_id)
        topic = await topic_repo.get_topic_by_id(tx, vote.topic_id) if vote else None
        if vote is None or topic is None:
            raise UserError(N_("This vote is closed."))
        if number is not None and number != topic.number:
            raise UserError(MOVED, was=topic.number, number=number)
        if not vote.is_open or actor.when(now) >= vote.closes_at:
            raise UserError(
                N_("Too late to change your ballot: the vote on topic #{number} is closed."),
                number=topic.number,
            )
        authorize(Action.BALLOT, topic, actor)
        wanted = choice
        if wanted is None:
            current = await repo.ballot_of(tx, vote.id, actor.user_id)
            if current is None or current.choice != Choice.BLOCK.value:
                return None
            wanted = Choice.BLOCK
        if wanted is Choice.BLOCK and not reason:
            raise UserError(
                N_("A block needs a reason: /ballot {number} block your reason"),
                number=topic.number,
            )
        previous = await repo.cast(tx, vote.id, actor.user_id, wanted.value, reason, now)
        rt.events.publish(tx, BallotCast(topic.chat_id, vote.id))
        return Cast(vote.id, vote.secret, wanted, previous)

    return await run_unit(rt, actor, work)


# A reason is offered for a disagree ballot only (a block's is asked before it counts).
NOT_DISAGREE = N_(
    "A reason goes with a disagree ballot: press ❌ Disagree first, then ✍ to say why."
)


async def check_disagrees(
    rt: Runtime, chat_id: int, actor: Actor, number: int, vote_id: int
) -> None:
    """Before asking a member why they disagree: is their ballot in this open vote a disagree?
    UserError (the vote is closed; or NOT_DISAGREE) otherwise. The reason itself is never
    required."""
    now = rt.clock.now()

    async def work(tx: Tx) -> None:
        await _disagreeing(tx, chat_id, actor, number, vote_id, now)

    await rt.db.view(work)


async def _disagreeing(
    tx: Tx, chat_id: int, actor: Actor, number: int, vote_id: int, now: datetime
) -> VoteRow:
    topic = await load_topic(tx, chat_id, number)
    vote = await repo.get_vote(tx, vote_id)
    if vote is None or vote.topic_id != topic.id or not vote.is_open:
        raise UserError(N_("This vote is closed."))
    if actor.when(now) >= vote.closes_at:
        raise UserError(N_("This vote is closed."))
    authorize(Action.BALLOT, topic, actor)
    ballot = await repo.ballot_of(tx, vote.id, actor.user_id)
    if ballot is None or ballot.choice != Choice.DISAGREE.value:
        raise UserError(NOT_DISAGREE)
    return vote


async def give_disagree_reason(
    rt: Runtime, chat_id: int, actor: Actor, number: int, vote_id: int, reason: str
) -> None:
    """The member says why they disagree (optional, offered by ✍ on the ballot card): kept with
    their ballot, shown where a block's reason is (the result card's minority note, the
    minutes). Their choice, its time and its count of changes stay. UserError if the vote has
    closed or their ballot is no longer a disagree."""
    reason = bounded(reason, REASON_MAX, N_("reason"))
    now = rt.clock.now()

    async def work(tx: Tx) -> None:
        vote = await _disagreeing(tx, chat_id, actor, number, vote_id, now)
        await repo.set_disagree_reason(tx, vote.id, actor.user_id, reason)

    await run_unit(rt, actor, work)


def typed_ballot_refused(rt: Runtime, chat_id: int, number: int) -> UserError:
    """Under secret ballot, a ballot typed in the group that the bot cannot delete would show
    everyone the member's choice: not counted; the buttons and the private chat keep it secret."""
    return UserError(
        N_(
            "This vote is secret, but I may not delete messages here, so a ballot typed in the group stays readable to everyone: it was not counted. Vote with the buttons on the ballot card, or privately: {link}"
        ),
        link=start_link(rt.bot_username, Link.PRIVATE_BALLOT, chat_id, number),
    )


async def note_bot_can_delete(rt: Runtime, chat_id: int, can_delete: bool) -> None:
    """The bot's right to delete messages in the group changed (or was confirmed): its open
    secret votes take typed ballots again, or no longer; their cards say so."""
    changed = await rt.db.run(lambda tx: _note_typed_ballots(tx, rt, chat_id, stay=not can_delete))
    if changed:
        log.info(
            "chat %s: typed secret ballots %s", chat_id, "deleted" if can_delete else "refused"
        )


async def _note_typed_ballots(tx: Tx, rt: Runtime, chat_id: int, stay: bool) -> list[int]:
    changed = await repo.note_typed_ballots(tx, chat_id, stay)
    for vote_id in changed:
        rt.events.publish(tx, BallotCast(chat_id, vote_id))
    return changed


VIEWS_STILL_OPEN = N_(
    "Views on topic #{number} are still being collected: there is no vote to close yet. When a draft is ready, a convenor opens the vote with /vote {number} draft number, for example /vote {number} 1."
)


async def close_vote(
    rt: Runtime,
    chat_id: int | None,
    actor: Actor | None,
    number: int | None = None,
    vote_id: int | None = None,
    job_id: int | None = None,
    late: bool = False,
) -> Closed | None:
    """Close by a convenor (number) or by the deadline (vote_id, job_id); None if already closed.
    A convenor's /close while views are still collected is refused saying so (VIEWS_STILL_OPEN:
    open the vote with /vote N draft)."""
    now = rt.clock.now()

    async def work(tx: Tx) -> Closed | None:
        if actor is not None:
            topic = await load_topic(tx, chat_id, number)
            status = Status(topic.status)
            if (
                status is Status.DELIBERATING
                and permissions.decide(Action.CLOSE_VOTE, status, actor.roles(topic)).verdict
                is permissions.Verdict.WRONG_PHASE
            ):
                # A convenor who meant to end the views: there is no vote yet, say what to do.
                raise UserError(VIEWS_STILL_OPEN, number=topic.number)
            authorize(Action.CLOSE_VOTE, topic, actor)
            vote = await repo.current_vote(tx, topic.id)
        else:
            vote = await repo.get_vote(tx, vote_id)
            if job_id is not None:
                await schedule.finish(tx, job_id, now, late)
        if vote is None or not vote.is_open:
            return None
        return await decide_and_close(tx, rt, vote, actor.user_id if actor else None, now)

    return await run_unit(rt, actor, work)


async def decide_and_close(
    tx: Tx, rt: Runtime, vote: VoteRow, actor_id: int | None, now: datetime
) -> Closed:
    """The one path by which an open vote ends with a result, inside the caller's unit: the
    tally (ballots, and what was counted in person: a show of hands, proxy ballots) decided by
    the vote's rule; the topic adopted or not, the history row, its deadline and reminder
    cancelled, follow-up scheduled when adopted, and the result card due now. Used by the
    deadline, /close, and a show of hands at a meeting (bot/services/meetings.py)."""
    current = await _state(tx, vote.id)
    outcome = current.outcome()
    result = "adopted" if outcome.adopted else "not_adopted"
    await repo.close_vote(tx, vote.id, now, result)
    status = Status.ADOPTED if outcome.adopted else Status.NOT_ADOPTED
    await topic_repo.set_status(tx, current.topic.id, status)
    await topic_repo.record(
        tx, current.topic.id, now, actor_id, result, {"tally": outcome.tally.as_dict()}
    )
    await schedule.cancel(tx, VOTE_CLOSE, vote.id, now)
    await schedule.cancel(tx, VOTE_REMIND, vote.id, now)
    if outcome.adopted:
        await schedule_followups(tx, rt, current.topic, now)
    await schedule.add(tx, current.topic.chat_id, POST_RESULT, vote.id, now)
    dissent = [
        b for b in await repo.ballots(tx, vote.id) if b.choice in ("disagree", "block") and b.reason
    ]
    return Closed(
        await _state(tx, vote.id), outcome, dissent, await hands_repo.hands_of(tx, vote.id)
    )


async def result_of(rt: Runtime, vote_id: int) -> Closed:
    async def work(tx: Tx) -> Closed:
        current = await _state(tx, vote_id)
        dissent = [
            b
            for b in await repo.ballots(tx, vote_id)
            if b.choice in ("disagree", "block") and b.reason
        ]
        return Closed(current, current.outcome(), dissent, await hands_repo.hands_of(tx, vote_id))

    return await rt.db.view(work)


async def finish_job(rt: Runtime, job_id: int, late: bool) -> bool:
    now = rt.clock.now()
    return await rt.db.run(lambda tx: schedule.finish(tx, job_id, now, late))


async def set_card(rt: Runtime, vote_id: int, message_id: int | None) -> None:
    await rt.db.run(lambda tx: repo.set_card(tx, vote_id, message_id))


async def current_vote(rt: Runtime, chat_id: int, number: int) -> VoteState:
    async def work(tx: Tx) -> VoteState:
        topic = await load_topic(tx, chat_id, number)
        vote = await repo.current_vote(tx, topic.id)
        if vote is None:
            raise UserError(N_("Topic #{number} has no vote."), number=number)
        return await _state(tx, vote.id)

    return await rt.db.view(work)


async def chat_of_vote(rt: Runtime, vote_id: int) -> int | None:
    async def work(tx: Tx) -> int | None:
        vote = await repo.get_vote(tx, vote_id)
        topic = await topic_repo.get_topic_by_id(tx, vote.topic_id) if vote else None
        return topic.chat_id if topic else None

    return await rt.db.view(work)
