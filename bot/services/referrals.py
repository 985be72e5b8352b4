"""Referral up (基层 → 委员): a village convenor sends a topic the village cannot settle alone to a
linked members' group (/refer N [note]); the members' convenors take it up (a topic of their own,
accepted, run with the same loop) or send it back with a reason; what happens to it there is
reported back to the village, a line at a time, and shown on the village topic's card.

Everything that crosses to the other group goes through the schedule (kinds REFERRAL_CARD and
REFERRAL_REPORT): the row is added in the unit that made the change, the message is posted when
the row runs, and the row is finished with what it posted; a restart loses nothing.

Nothing private crosses: the card shows views by stance with their texts, without names unless
the village's setting share_names says so (an anonymous view never carries one); a vote's count,
never who chose what; no private comments.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.errors import Msg, UserError
from bot.events import TopicChanged
from bot.i18n import N_
from bot.rules.links import Change, changes, snapshot
from bot.rules.permissions import Action
from bot.rules.phases import Status
from bot.runtime import Runtime
from bot.services import forms, turnout
from bot.services.chats import ChatContext, load_chat
from bot.services.common import (
    REASON_MAX,
    STATUS_TEXT,
    Actor,
    authorize,
    bounded,
    load_topic,
    row_card_posted,
    run_unit,
)
from bot.services.kinds import REFERRAL_CARD, REFERRAL_REPORT, VIEWS_CLOSE, VIEWS_REMIND
from bot.services.prompts import display_name
from bot.services.topics import quiet_deadline
from storage import Tx, schedule
from storage import chats as chat_repo
from storage import followup as followup_repo
from storage import links as link_repo
from storage import referrals as repo
from storage import topics as topic_repo
from storage import views as view_repo
from storage import votes as vote_repo
from storage.links import LinkRow
from storage.referrals import ReferralRow
from storage.schedule import Job
from storage.topics import TopicRow

NOTE_MAX = REASON_MAX
ALREADY_WAITING = N_(
    "Topic #{number} was referred to “{group}” and waits for its answer. A topic goes to one members' group at a time, so nothing was sent now."
)
ALREADY_TAKEN = N_(
    "Topic #{number} was referred to “{group}”, which took it up as its topic #{member} (now: {status}). A topic goes to one members' group at a time, so nothing was sent now."
)


async def _title(tx: Tx, chat_id: int | None) -> str:
    chat = await chat_repo.get_chat(tx, chat_id or 0)
    return chat.title if chat else ""


@dataclass(frozen=True)
class Referred:
    """What /refer did: sent to one members' group (`referral` with status "sent"), or asks which
    (`choices`, the links still free; `referral` waits with status "choosing")."""

    topic: TopicRow
    referral: ReferralRow
    members_title: str = ""
    choices: tuple[LinkRow, ...] = ()


async def refer(rt: Runtime, chat_id: int, actor: Actor, number: int, note: str) -> Referred:
    """Refer topic `number` of this village up. Raises UserError (nothing changes) for a
    non-convenor, a topic not yet accepted or closed, a group with no members' group linked, or
    a topic whose referral still waits or was taken up: a topic goes to one members' group at a
    time (the error names the group and where the referral stands)."""
    note = note.strip()
    if note:
        note = bounded(note, NOTE_MAX, N_("note"))
    now = rt.clock.now()

    async def work(tx: Tx) -> Referred:
        topic = await load_topic(tx, chat_id, number)
        authorize(Action.REFER, topic, actor)
        links = await link_repo.members_links(tx, chat_id)
        if not links:
            raise UserError(
                N_(
                    "This group is not linked to a members' group yet. A convenor of the members' group sends /link there, and you send /link CODE here."
                )
            )
        standing = await repo.standing_for_topic(tx, topic.id)
        # One members' group at a time: while a referral waits or is taken up, /refer says where
        # it went and changes nothing (sent back, or ended with its link, it may go again).
        for live in standing:
            if live.status == "sent":
                raise UserError(
                    ALREADY_WAITING, number=number, group=await _title(tx, live.members_chat_id)
                )
            if live.status == "taken":
                member = await topic_repo.get_topic_by_id(tx, live.member_topic_id or 0)
                raise UserError(
                    ALREADY_TAKEN,
                    number=number,
                    group=await _title(tx, live.members_chat_id),
                    member=member.number if member else 0,
                    status=Msg(STATUS_TEXT[Status(member.status)]) if member else "",
                )
        free = links
        # A choice left open by an earlier /refer gives way to this one.
        for old in standing:
            if old.status == "choosing":
                await _drop_choosing(tx, old.id, now)
        if len(free) > 1:
            referral_id = await repo.create(
                tx, chat_id, topic.id, None, None, note, "choosing", actor.user_id, now
            )
            await repo.add_event(tx, referral_id, now, actor.user_id, "referred", {"note": note})
            return Referred(topic, await repo.get(tx, referral_id), choices=tuple(free))
        link = free[0]
        referral_id = await repo.create(
            tx, chat_id, topic.id, link.members_chat_id, link.id, note, "sent", actor.user_id, now
        )
        await repo.add_event(tx, referral_id, now, actor.user_id, "referred", {"note": note})
        await _send(tx, rt, topic, referral_id, link, actor.user_id, now)
        return Referred(topic, await repo.get(tx, referral_id), link.members_title)

    return await run_unit(rt, actor, work)


async def _drop_choosing(tx: Tx, referral_id: int, now: Any) -> None:
    await repo.set_status(tx, referral_id, "withdrawn")
    await repo.add_event(tx, referral_id, now, None, "withdrawn")


async def _send(
    tx: Tx, rt: Runtime, topic: TopicRow, referral_id: int, link: LinkRow, by: int, now: Any
) -> None:
    """The referral goes to the members' group: its card becomes a schedule row there, and the
    village topic's history and card say so."""
    await schedule.add(tx, link.members_chat_id, REFERRAL_CARD, referral_id, now)
    await repo.add_event(tx, referral_id, now, by, "sent", {"to": link.members_chat_id})
    await topic_repo.record(
        tx, topic.id, now, by, "referred", {"group": link.members_title, "referral": referral_id}
    )
    rt.events.publish(tx, TopicChanged(topic.chat_id, topic.id))


async def choose(
    rt: Runtime, chat_id: int, actor: Actor, referral_id: int, link_id: int
) -> Referred:
    """The convenor picked the members' group (a button under /refer). Raises UserError when the
    choice was made already, or the link is no longer there."""
    now = rt.clock.now()

    async def work(tx: Tx) -> Referred:
        referral = await repo.get(tx, referral_id)
        if referral is None or referral.village_chat_id != chat_id:
            raise UserError(N_("This button is no longer valid."))
        topic = await topic_repo.get_topic_by_id(tx, referral.village_topic_id)
        authorize(Action.REFER, topic, actor)
        link = await link_repo.get_link(tx, link_id)
        if link is None or not link.live or link.village_chat_id != chat_id:
            raise UserError(N_("That members' group is no longer linked to this group."))
        if not await repo.choose(tx, referral.id, link.members_chat_id, link.id):
            raise UserError(
                N_(
                    "This choice is no longer open: topic #{number} was referred already, or a later /refer took its place."
                ),
                number=topic.number,
            )
        await _send(tx, rt, topic, referral.id, link, actor.user_id, now)
        return Referred(topic, await repo.get(tx, referral.id), link.members_title)

    return await run_unit(rt, actor, work)


# ----- the referral card -------------------------------------------------------------------------
@dataclass(frozen=True)
class CardView:
    stance: str
    text: str
    voice: int | None  # a voice note's length in seconds
    name: str | None  # only where the village shares names, and never for an anonymous view


@dataclass(frozen=True)
class ReferralFacts:
    """What the members' group sees of a referral (bot/link_cards.py draws it)."""

    referral: ReferralRow
    village_title: str
    topic: TopicRow
    counts: dict[str, int]
    views: list[CardView]
    wording: str | None
    vote_result: str | None  # "adopted" | "not_adopted" of the last closed vote
    tally: dict[str, int]
    member_topic_number: int | None = None
    decider: str = ""


async def _facts(tx: Tx, referral: ReferralRow) -> ReferralFacts:
    topic = await topic_repo.get_topic_by_id(tx, referral.village_topic_id)
    village = await load_chat_settings(tx, referral.village_chat_id)
    share = bool(village and village.get("share_names"))
    views = await view_repo.list_views(tx, topic.id)
    names: dict[int, str] = {}
    if share:
        users = await chat_repo.get_users(tx, sorted({v.author_id for v in views}))
        names = {uid: display_name(u) for uid, u in users.items()}
    shown = [
        CardView(
            v.stance,
            v.text,
            v.voice_duration,
            # Named only if the village shared names both when it was written and now.
            names.get(v.author_id) if share and v.names_shared and not v.anonymous else None,
        )
        for v in views
    ]
    counts: dict[str, int] = {}
    for v in views:
        counts[v.stance] = counts.get(v.stance, 0) + 1
    closed = [v for v in await vote_repo.list_votes(tx, topic.id) if v.result is not None]
    last = closed[-1] if closed else None
    member_number = None
    if referral.member_topic_id is not None:
        member = await topic_repo.get_topic_by_id(tx, referral.member_topic_id)
        member_number = member.number if member else None
    decider = ""
    if referral.decided_by is not None:
        users = await chat_repo.get_users(tx, [referral.decided_by])
        decider = display_name(users.get(referral.decided_by))
    chat = await chat_repo.get_chat(tx, referral.village_chat_id)
    return ReferralFacts(
        referral=referral,
        village_title=chat.title if chat else "",
        topic=topic,
        counts=counts,
        views=shown,
        wording=await vote_repo.adopted_text(tx, topic.id),
        vote_result=last.result if last else None,
        tally=await vote_repo.tally(tx, last.id) if last else {},
        member_topic_number=member_number,
        decider=decider,
    )


async def load_chat_settings(tx: Tx, chat_id: int) -> dict[str, Any] | None:
    chat = await chat_repo.get_chat(tx, chat_id)
    return None if chat is None else chat.settings


async def facts(rt: Runtime, referral_id: int) -> ReferralFacts | None:
    async def work(tx: Tx) -> ReferralFacts | None:
        referral = await repo.get(tx, referral_id)
        return None if referral is None else await _facts(tx, referral)

    return await rt.db.view(work)


@dataclass(frozen=True)
class CardDue:
    chat: ChatContext
    facts: ReferralFacts
    redraw: bool = False  # edit the posted card (its referral ended with the link), not post


async def card_due(rt: Runtime, job: Job, late: bool) -> CardDue | None:
    """The REFERRAL_CARD row runs: the card to post in the members' group, or None (the row is
    finished) when the referral has no card to show any more or has one already."""
    now = rt.clock.now()

    async def work(tx: Tx) -> CardDue | None:
        referral = await repo.get(tx, job.ref_id)
        chat = await load_chat(tx, rt, job.chat_id)
        if job.payload.get("event") == "unlinked":
            # The posted card is redrawn without its buttons: the link ended.
            if referral is None or chat is None or referral.card_message_id is None:
                await schedule.finish(tx, job.id, now, late, outcome="obsolete")
                return None
            return CardDue(chat, await _facts(tx, referral), redraw=True)
        if (
            referral is None
            or chat is None
            or referral.status != "sent"
            or referral.card_message_id is not None
        ):
            await schedule.finish(tx, job.id, now, late, outcome="obsolete")
            return None
        return CardDue(chat, await _facts(tx, referral))

    return await rt.db.run(work)


async def card_posted(rt: Runtime, job: Job, message_id: int, late: bool) -> bool:
    """The card is in the members' group: its message id and the row's end, in one unit."""
    return await row_card_posted(rt, job, repo.set_card, message_id, late)


# ----- take up, send back ------------------------------------------------------------------------
async def _deciding(tx: Tx, chat_id: int, actor: Actor, referral_id: int) -> ReferralRow:
    authorize(Action.DECIDE_REFERRAL, None, actor)
    referral = await repo.get(tx, referral_id)
    if referral is None or referral.members_chat_id != chat_id:
        raise UserError(N_("This button is no longer valid."))
    if referral.status == "taken":
        raise UserError(N_("This referral has been taken up already."))
    if referral.status == "unlinked":
        raise UserError(N_("The link with that village has ended, and this referral with it."))
    if referral.status != "sent":
        raise UserError(N_("This referral has been sent back already."))
    return referral


async def check_decide(rt: Runtime, chat_id: int, actor: Actor, referral_id: int) -> ReferralRow:
    """Before asking for a reason to send back: would the decision be taken?"""
    return await rt.db.view(lambda tx: _deciding(tx, chat_id, actor, referral_id))


@dataclass(frozen=True)
class TakenUp:
    referral: ReferralRow
    topic: TopicRow  # the members' group's new topic, accepted


async def take_up(rt: Runtime, chat: ChatContext, actor: Actor, referral_id: int) -> TakenUp:
    """A members' convenor takes the referral up: a new topic of the members' group, linked to its
    origin and accepted at once (views open for the group's views_duration), run with the same
    loop; the village hears of it (REFERRAL_REPORT, added by the topic's history). Raises
    UserError when it was decided already, is not this group's, or the link has ended."""
    now = rt.clock.now()
    settings = chat.settings
    # As /accept: a deadline in the quiet hours moves to their end (bot.rules.deadlines).
    deadline = quiet_deadline(now + settings.views_duration, settings)

    async def work(tx: Tx) -> TakenUp:
        referral = await _deciding(tx, chat.chat_id, actor, referral_id)
        link = await link_repo.get_link(tx, referral.link_id) if referral.link_id else None
        if link is None or not link.live:
            raise UserError(N_("That village is no longer linked to this group."))
        origin = await topic_repo.get_topic_by_id(tx, referral.village_topic_id)
        number = await chat_repo.next_topic_number(tx, chat.chat_id)
        topic = await topic_repo.create_topic(
            tx, chat.chat_id, number, origin.title, origin.details, actor.user_id, now
        )
        await repo.take(tx, referral.id, actor.user_id, now, topic.id)
        await repo.add_event(tx, referral.id, now, actor.user_id, "taken", {"topic": number})
        await topic_repo.set_status(
            tx,
            topic.id,
            Status.DELIBERATING,
            deadline,
            vote_duration_s=int(settings.vote_duration.total_seconds()),
        )
        await topic_repo.record(
            tx,
            topic.id,
            now,
            actor.user_id,
            "proposed",
            {"title": origin.title, "referral": referral.id},
        )
        await topic_repo.record(
            tx,
            topic.id,
            now,
            actor.user_id,
            "accepted",
            {"views_close": deadline.isoformat(timespec="seconds")},
        )
        await schedule.add(tx, chat.chat_id, VIEWS_CLOSE, topic.id, deadline, {"round": 1})
        await turnout.schedule_reminder(
            tx, rt, chat.chat_id, VIEWS_REMIND, topic.id, deadline, now, 1
        )
        await topic_repo.record(
            tx,
            origin.id,
            now,
            None,
            "referral_taken",
            {"group": link.members_title, "number": number, "referral": referral.id},
        )
        rt.events.publish(tx, TopicChanged(origin.chat_id, origin.id))
        return TakenUp(
            await repo.get(tx, referral.id), await topic_repo.get_topic_by_id(tx, topic.id)
        )

    return await run_unit(rt, actor, work)


async def send_back(
    rt: Runtime, chat_id: int, actor: Actor, referral_id: int, reason: str
) -> ReferralRow:
    """A members' convenor sends the referral back with a reason; the village gets it (a
    REFERRAL_REPORT row). Raises UserError as take_up does, and for an empty or long reason."""
    reason = bounded(reason, REASON_MAX, N_("reason"))
    now = rt.clock.now()

    async def work(tx: Tx) -> ReferralRow:
        referral = await _deciding(tx, chat_id, actor, referral_id)
        await repo.send_back(tx, referral.id, actor.user_id, now, reason)
        await repo.add_event(tx, referral.id, now, actor.user_id, "returned", {"reason": reason})
        chat = await chat_repo.get_chat(tx, chat_id)
        await topic_repo.record(
            tx,
            referral.village_topic_id,
            now,
            None,
            "referral_returned",
            {"group": chat.title if chat else "", "reason": reason, "referral": referral.id},
        )
        await schedule.add(
            tx, referral.village_chat_id, REFERRAL_REPORT, referral.id, now, {"event": "returned"}
        )
        origin = await topic_repo.get_topic_by_id(tx, referral.village_topic_id)
        rt.events.publish(tx, TopicChanged(origin.chat_id, origin.id))
        return await repo.get(tx, referral.id)

    return await run_unit(rt, actor, work)


# ----- the link ends ---------------------------------------------------------------------------
async def end_with_link(tx: Tx, rt: Runtime, link: LinkRow, by: int, now: Any) -> int:
    """Inside the unit that ends `link` (bot/services/links.unlink): each referral of it still
    waiting for the members' group ends unanswered (status 'unlinked'); the village is told in
    one line (a REFERRAL_REPORT row) and its topic card follows; the members' card loses its
    buttons (a REFERRAL_CARD row with event "unlinked"). Rows, so a restart loses none. The
    number of referrals ended."""
    ended = 0
    for referral in await repo.pending_of_link(tx, link.id):
        if not await repo.end_unlinked(tx, referral.id, now):
            continue
        ended += 1
        await repo.add_event(tx, referral.id, now, by, "link_ended")
        await topic_repo.record(
            tx,
            referral.village_topic_id,
            now,
            None,
            "referral_unlinked",
            {"group": link.members_title, "referral": referral.id},
        )
        await schedule.add(
            tx, referral.village_chat_id, REFERRAL_REPORT, referral.id, now, {"event": "unlinked"}
        )
        if referral.members_chat_id is not None and referral.card_message_id is not None:
            await schedule.add(
                tx, referral.members_chat_id, REFERRAL_CARD, referral.id, now, {"event": "unlinked"}
            )
        rt.events.publish(tx, TopicChanged(referral.village_chat_id, referral.village_topic_id))
    return ended


# ----- reports back to the village ---------------------------------------------------------------
@dataclass(frozen=True)
class Report:
    """A line the village is to see about its referred topic."""

    chat: ChatContext
    topic: TopicRow  # the village's topic
    members_title: str
    member_number: int | None
    changes: list[Change]
    returned: str | None  # the reason, when the referral was sent back
    told: dict[str, Any]  # what the village will have been told once it is posted
    job: Job
    late: bool
    unlinked: bool = False  # the link ended before the members' group answered


async def report_due(rt: Runtime, job: Job, late: bool) -> Report | None:
    """The REFERRAL_REPORT row runs: what the village has not been told yet, or None (the row is
    finished) when there is nothing new (another row reported it already)."""
    now = rt.clock.now()

    async def work(tx: Tx) -> Report | None:
        referral = await repo.get(tx, job.ref_id)
        chat = await load_chat(tx, rt, job.chat_id)
        if referral is None or chat is None:
            await schedule.finish(tx, job.id, now, late, outcome="obsolete")
            return None
        members = await chat_repo.get_chat(tx, referral.members_chat_id or 0)
        title = members.title if members else ""
        topic = await topic_repo.get_topic_by_id(tx, referral.village_topic_id)
        told = referral.reported
        if referral.status == "returned":
            if told.get("returned"):
                await schedule.finish(tx, job.id, now, late, outcome="nothing new")
                return None
            return Report(
                chat, topic, title, None, [], referral.reason or "", {**told, "returned": True},
                job, late,
            )  # fmt: skip
        if referral.status == "unlinked":
            if told.get("unlinked"):
                await schedule.finish(tx, job.id, now, late, outcome="nothing new")
                return None
            return Report(
                chat, topic, title, None, [], None, {**told, "unlinked": True}, job, late,
                unlinked=True,
            )  # fmt: skip
        if referral.status != "taken" or referral.member_topic_id is None:
            await schedule.finish(tx, job.id, now, late, outcome="obsolete")
            return None
        current = await _snapshot(tx, referral.member_topic_id)
        found = changes(told, current)
        if not found:
            await schedule.finish(tx, job.id, now, late, outcome="nothing new")
            return None
        return Report(chat, topic, title, current["number"], found, None, current, job, late)

    return await rt.db.run(work)


async def _snapshot(tx: Tx, member_topic_id: int) -> dict[str, Any]:
    member = await topic_repo.get_topic_by_id(tx, member_topic_id)
    actions = await followup_repo.actions_of(tx, member_topic_id)
    return snapshot(
        member.number,
        member.status,
        await vote_repo.adopted_text(tx, member_topic_id),
        [(a.number, a.text, a.status, a.percent) for a in actions],
    )


async def report_posted(rt: Runtime, report: Report) -> bool:
    """The line is in the village group: what it told, the referral's record and the row's end,
    in one unit; the village topic's card follows (TopicChanged)."""
    now = rt.clock.now()
    referral_id = report.job.ref_id

    async def work(tx: Tx) -> bool:
        await repo.set_reported(tx, referral_id, report.told)
        if report.returned is not None:
            detail: dict[str, Any] = {"returned": True}
        elif report.unlinked:
            detail = {"unlinked": True}
        else:
            detail = {"status": report.told.get("status"), "changes": len(report.changes)}
        await repo.add_event(tx, referral_id, now, None, "reported", detail)
        rt.events.publish(tx, TopicChanged(report.topic.chat_id, report.topic.id))
        return await schedule.finish(tx, report.job.id, now, report.late)

    return await rt.db.run(work)


# ----- what the topic cards show ---------------------------------------------------------------
@dataclass(frozen=True)
class CardLink:
    """A line on a topic card: the village topic went up to `group` (status of the referral, and
    of the members' topic when taken up); or the members' topic came from `group`'s topic
    `number`."""

    up: bool
    group: str
    status: str
    number: int | None = None
    member_status: str | None = None


async def card_links(tx: Tx, topic: TopicRow) -> list[CardLink]:
    """The referral lines of a topic's card, as facts (empty for most topics)."""
    found = []
    for referral in await repo.of_village_topic(tx, topic.id):
        if referral.status in ("choosing", "withdrawn"):
            continue
        members = await chat_repo.get_chat(tx, referral.members_chat_id or 0)
        member_status = None
        if referral.member_topic_id is not None:
            member = await topic_repo.get_topic_by_id(tx, referral.member_topic_id)
            member_status = member.status if member else None
        found.append(
            CardLink(True, members.title if members else "", referral.status, None, member_status)
        )
    origin = await repo.of_member_topic(tx, topic.id)
    if origin is not None:
        village = await chat_repo.get_chat(tx, origin.village_chat_id)
        source = await topic_repo.get_topic_by_id(tx, origin.village_topic_id)
        found.append(
            CardLink(False, village.title if village else "", origin.status, source.number)
        )
    return found


async def referral_pending(tx: Tx, topic_id: int) -> bool:
    """Does a referral of the topic stand: waiting for the village's choice of group or the
    members' group's answer, or taken up and being handled there? The form rule suggests a
    roundtable then (bot/services/forms.py)."""
    return bool(await repo.standing_for_topic(tx, topic_id))


forms.REFERRAL_PROBES.append(referral_pending)


# ----- contact members: a village's new topic ---------------------------------------------------
@dataclass(frozen=True)
class ContactNotice:
    chat: ChatContext
    topic: TopicRow
    contacts: list[int]  # those who have started the bot


async def contact_notice_due(rt: Runtime, job: Job, late: bool) -> ContactNotice | None:
    """The CONTACT_TOPIC row runs: it is finished at once (private notices are best effort; a
    contact member who has not started the bot still finds the topic in /mygroups), and the
    notice to send is returned, or None."""
    now = rt.clock.now()

    async def work(tx: Tx) -> ContactNotice | None:
        if not await schedule.finish(tx, job.id, now, late):
            return None
        chat = await load_chat(tx, rt, job.chat_id)
        topic = await topic_repo.get_topic_by_id(tx, job.ref_id)
        if chat is None or topic is None:
            return None
        people = [c.user_id for c in await link_repo.contacts_of_village(tx, job.chat_id)]
        return ContactNotice(chat, topic, await followup_repo.reachable(tx, people))

    return await rt.db.run(work)
