"""Turnout: before the views and vote deadlines of a topic, the people who took part in it but
have not yet given a view or cast a ballot are reminded, once.

Who is reminded:
- before the views close: the proposer and the seconders who have given no view this round;
- before the vote closes: everyone who proposed, seconded, drafted or gave a view, and has cast
  no ballot.
How: privately to those who started the bot (users.private_ok); the others are named in one line
in the group. A name in the group says only that someone has not voted yet, never a choice; but
under secret ballot even that is more than the ballot card shows (it shows no voter), so a secret
vote reminds privately only. Someone whose only part was an anonymous view is likewise reminded
privately only: naming them in the group would tell that they gave a view.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.rules.followup import quiet_until
from bot.rules.phases import Status
from bot.rules.speakers import GROUP_ANONYMOUS_BOT_ID
from bot.runtime import Runtime
from bot.services.chats import ChatContext, load_chat
from bot.services.kinds import VIEWS_REMIND
from storage import Tx, schedule
from storage import followup as followup_repo
from storage import topics as topic_repo
from storage import turnout as repo
from storage import votes as vote_repo
from storage.schedule import Job
from storage.topics import TopicRow

# Names in the group line at most; a larger crowd is counted, not named.
MOST_NAMED = 30


@dataclass(frozen=True)
class Reminder:
    chat: ChatContext
    topic: TopicRow
    kind: str  # VIEWS_REMIND or VOTE_REMIND
    closes_at: datetime
    privately: list[int]
    in_group: list[int]
    cast: int = 0
    quorum: int = 0


def remind_at(deadline: datetime, chat: ChatContext, now: datetime) -> datetime | None:
    """When to remind before `deadline`: the group's `turnout_reminder` before it, moved out of
    the quiet hours to their end if that is still before the deadline; None if already past."""
    at = deadline - chat.settings.turnout_reminder
    quiet_end = quiet_until(at, chat.settings.quiet_window(), chat.settings.zone())
    if quiet_end is not None and quiet_end < deadline:
        at = quiet_end
    return at if at > now else None


async def schedule_reminder(
    tx: Tx,
    rt: Runtime,
    chat_id: int,
    kind: str,
    ref_id: int,
    deadline: datetime,
    now: datetime,
    round_no: int | None = None,
) -> None:
    """A reminder row before a deadline just set (views: ref_id = topic id, with its round;
    vote: ref_id = vote id), unless the deadline is too near for one."""
    chat = await load_chat(tx, rt, chat_id)
    if chat is None:
        return
    at = remind_at(deadline, chat, now)
    if at is not None:
        payload = {} if round_no is None else {"round": round_no}
        await schedule.add(tx, chat_id, kind, ref_id, at, payload)


async def follow_deadline(
    tx: Tx,
    rt: Runtime,
    chat_id: int,
    kind: str,
    ref_id: int,
    deadline: datetime,
    now: datetime,
    round_no: int | None = None,
) -> None:
    """A deadline moved: its reminder still to come moves with it; one that was already sent
    is not sent again (once per deadline); one never planned (the deadline was too near) now is."""
    await schedule.cancel(tx, kind, ref_id, now)
    sent = await schedule.payloads_done(tx, kind, ref_id)
    if any(round_no is None or p.get("round") == round_no for p in sent):
        return
    await schedule_reminder(tx, rt, chat_id, kind, ref_id, deadline, now, round_no)


def _people(ids: set[int]) -> set[int]:
    return {u for u in ids if u > 0 and u != GROUP_ANONYMOUS_BOT_ID}


async def skipped(rt: Runtime, job_id: int, late: bool) -> bool:
    """The row's deadline no longer stands, or nobody is left to remind: marked, nothing sent."""
    now = rt.clock.now()
    return await rt.db.run(lambda tx: schedule.finish(tx, job_id, now, late, "skipped"))


async def due(rt: Runtime, job: Job) -> Reminder | None:
    """Who the reminder of row `job` is for; None when its deadline no longer stands (the phase
    moved on or ended) or nobody is left to remind."""
    now = rt.clock.now()

    async def work(tx: Tx) -> Reminder | None:
        chat = await load_chat(tx, rt, job.chat_id)
        if chat is None:
            return None
        cast = quorum = 0
        secret = False
        if job.kind == VIEWS_REMIND:
            topic = await topic_repo.get_topic_by_id(tx, job.ref_id)
            if (
                topic is None
                or topic.status != Status.DELIBERATING
                or job.payload.get("round", topic.round) != topic.round
                or topic.phase_deadline is None
                or now >= topic.phase_deadline
            ):
                return None
            closes_at = topic.phase_deadline
            named = _people(await repo.seconders(tx, topic.id))
            quiet: set[int] = set()
            named -= await repo.view_authors(tx, topic.id, topic.round)
        else:
            vote = await vote_repo.get_vote(tx, job.ref_id)
            topic = await topic_repo.get_topic_by_id(tx, vote.topic_id) if vote else None
            if (
                vote is None
                or topic is None
                or topic.status != Status.VOTING
                or not vote.is_open
                or now >= vote.closes_at
            ):
                return None
            closes_at, secret, quorum = vote.closes_at, vote.secret, vote.quorum
            voted = await repo.voters(tx, vote.id)
            cast = len(voted)
            named = _people(await repo.named_participants(tx, topic.id)) - voted
            quiet = _people(await repo.anonymous_view_authors(tx, topic.id)) - voted - named
        everyone = sorted(named | quiet)
        if not everyone:
            return None
        privately = await followup_repo.reachable(tx, everyone)
        in_group = [] if secret else sorted(named - set(privately))
        return Reminder(chat, topic, job.kind, closes_at, privately, in_group, cast, quorum)

    return await rt.db.view(work)
