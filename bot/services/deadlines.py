"""Moving a deadline: /extend N 1d gives the views or the vote of a topic more time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.durations import format_duration
from bot.errors import UserError
from bot.events import BallotCast, TopicChanged
from bot.group_settings import GroupSettings
from bot.i18n import N_
from bot.rules.permissions import Action
from bot.rules.phases import Status
from bot.runtime import Runtime
from bot.services import turnout
from bot.services.common import Actor, authorize, load_topic, run_unit
from bot.services.kinds import VIEWS_CLOSE, VIEWS_REMIND, VOTE_CLOSE, VOTE_REMIND
from bot.services.topics import phase_duration, quiet_deadline
from storage import Tx, schedule
from storage import topics as topic_repo
from storage import votes as vote_repo
from storage.topics import TopicRow

VIEWS = "views"
VOTE = "vote"


@dataclass(frozen=True)
class Extended:
    topic: TopicRow
    deadline: str  # VIEWS or VOTE
    was: datetime
    now_closes: datetime
    # The deadline fell in the quiet hours and moved to their end (bot.rules.deadlines).
    moved_out_of_quiet: bool = False


def _no_deadline(number: int) -> UserError:
    return UserError(
        N_(
            "Topic #{number} has no open deadline to extend: only the views or the vote of a topic can be given more time while they are open."
        ),
        number=number,
    )


async def extend(
    rt: Runtime,
    chat_id: int,
    actor: Actor,
    number: int,
    duration_text: str,
    settings: GroupSettings | None = None,
) -> Extended:
    """Moves the open deadline of topic `number` (its views, or its vote) later by the duration;
    the schedule row moves with it, the cards follow, the history records it. With the group's
    `settings`, a new deadline in the quiet hours moves on to their end (bot.rules.deadlines).
    Raises UserError when the topic has no open deadline or the actor may not extend it."""
    by: timedelta = phase_duration(duration_text, timedelta(0))
    now = rt.clock.now()

    async def work(tx: Tx) -> Extended:
        topic = await load_topic(tx, chat_id, number)
        if topic.status not in (Status.DELIBERATING, Status.VOTING):
            raise _no_deadline(topic.number)
        authorize(Action.EXTEND, topic, actor)
        if topic.status == Status.VOTING:
            vote = await vote_repo.current_vote(tx, topic.id)
            if vote is None or not vote.is_open or now >= vote.closes_at:
                raise _no_deadline(topic.number)
            which, was = VOTE, vote.closes_at
            closes = quiet_deadline(was + by, settings)
            await vote_repo.set_closes_at(tx, vote.id, closes)
            await schedule.move(tx, VOTE_CLOSE, vote.id, closes)
            await turnout.follow_deadline(tx, rt, chat_id, VOTE_REMIND, vote.id, closes, now)
            rt.events.publish(tx, BallotCast(chat_id, vote.id))
        elif (
            topic.status == Status.DELIBERATING
            and topic.phase_deadline is not None
            and now < topic.phase_deadline
        ):
            which, was = VIEWS, topic.phase_deadline
            closes = quiet_deadline(was + by, settings)
            await schedule.move(tx, VIEWS_CLOSE, topic.id, closes)
            await turnout.follow_deadline(
                tx, rt, chat_id, VIEWS_REMIND, topic.id, closes, now, topic.round
            )
        else:
            raise _no_deadline(topic.number)
        await topic_repo.set_status(tx, topic.id, topic.status, closes)
        rt.events.publish(tx, TopicChanged(chat_id, topic.id))
        await topic_repo.record(
            tx,
            topic.id,
            now,
            actor.user_id,
            "extended",
            {
                "deadline": which,
                "by": format_duration(by),
                "from": was.isoformat(timespec="seconds"),
                "to": closes.isoformat(timespec="seconds"),
            },
        )
        return Extended(
            await topic_repo.get_topic_by_id(tx, topic.id), which, was, closes, closes != was + by
        )

    return await run_unit(rt, actor, work)
