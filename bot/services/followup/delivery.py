"""The follow-up schedule: one living card per topic, posted anew only at the follow-up offsets
(one rating round each), and short lines about actions due soon or overdue that point to it.
Each row is claimed and recorded once."""

from __future__ import annotations

from datetime import datetime

from bot.events import FollowupChanged
from bot.ratios import parse_ratio
from bot.rules.followup import is_finished, needs_reopen, quiet_until
from bot.rules.phases import Status
from bot.runtime import Runtime
from bot.services.chats import ChatContext, load_chat
from bot.services.followup.shared import FOLLOWING, Card, Notice
from bot.services.kinds import DUE_SOON, FOLLOWUP
from storage import Tx, schedule
from storage import followup as repo
from storage import topics as topic_repo
from storage import votes as vote_repo
from storage.followup import RoundRow
from storage.schedule import Job
from storage.topics import TopicRow


async def schedule_followups(tx: Tx, rt: Runtime, topic: TopicRow, now: datetime) -> None:
    """Adoption schedules the follow-up cards at the group's offsets (in the transaction that
    adopts, so that an adopted topic never lacks them)."""
    chat = await load_chat(tx, rt, topic.chat_id)
    settings = chat.settings if chat else rt.settings.defaults
    await repo.set_adopted(tx, topic.id, now)
    for index, offset in enumerate(settings.followup_offsets):
        await schedule.add(tx, topic.chat_id, FOLLOWUP, topic.id, now + offset, {"index": index})


async def build_card(
    tx: Tx, chat: ChatContext, topic: TopicRow, current: RoundRow, **extra
) -> Card:
    """The living card of `topic` for its round `current`, as the database has it now (inside a
    unit of work or a view); `extra` fills Card's delivery fields."""
    actions = await repo.actions_of(tx, topic.id)
    previous = await repo.round_before(tx, current.id)
    return Card(
        chat=chat,
        topic=topic,
        kind="final" if current.kind == "final" else "followup",
        round=current,
        wording=await vote_repo.adopted_text(tx, topic.id) or "",
        actions=actions,
        counts=await repo.rating_counts(tx, current.id),
        notes=await repo.latest_notes(tx, [a.id for a in actions]),
        previous=previous,
        previous_counts=await repo.rating_counts(tx, previous.id) if previous else {},
        **extra,
    )


async def take_job(rt: Runtime, job: Job, late: bool) -> Card | Notice | None:
    """Run a follow-up row. Quiet hours postpone it. At an offset (FOLLOWUP) a new rating round
    opens (or the one this row claimed before a failure is reused) and its card is to be posted
    anew: a Card. An action due soon, overdue or long overdue opens no round: a Notice (one
    line, or the reopen question; a due-soon line only when an owner cannot be reminded
    privately) and the living card is refreshed (FollowupChanged). None when there is nothing
    to post (any more); the row is then done. A Card's or Notice's row is done once it is out (card_posted, notice_posted)."""
    now = rt.clock.now()

    async def work(tx: Tx) -> Card | Notice | None:
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
            or (subject is not None and is_finished(subject.status))
        )
        if stale:
            await schedule.finish(tx, job.id, now, late, outcome="obsolete")
            return None
        quiet_end = quiet_until(now, chat.settings.quiet_window(), chat.settings.zone())
        if quiet_end is not None:
            await schedule.postpone(tx, job.id, quiet_end)
            return None
        if subject is not None:
            # The living card shows the action as it now stands (due soon, overdue: "已逾期").
            rt.events.publish(tx, FollowupChanged(chat.chat_id, topic.id))
            mentioned = subject.owners
            if job.kind == DUE_SOON:
                # Owners who started the bot are reminded privately (owners.py): the group's
                # line names only those it cannot reach, and there is none when it reaches all.
                reached = set(await repo.reachable(tx, list(subject.owners)))
                mentioned = tuple(o for o in subject.owners if o not in reached)
                if subject.owners and not mentioned:
                    await schedule.finish(tx, job.id, now, late, outcome="private")
                    return None
            living = await repo.living_round(tx, topic.id)
            return Notice(
                chat=chat,
                topic=topic,
                kind=job.kind,
                action=subject,
                card_message_id=living.card_message_id if living else None,
                late=late,
                job_id=job.id,
                mentioned=mentioned,
            )
        living = await repo.living_round(tx, topic.id)
        claimed = job.payload.get("round_id")
        current = await repo.get_round(tx, claimed) if claimed else None
        offer = None
        if current is None:
            previous = await repo.latest_round(tx, topic.id)
            if previous is not None and previous.closed_at is None:
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
        owners = sorted({o for a in actions if not is_finished(a.status) for o in a.owners})
        return await build_card(
            tx,
            chat,
            topic,
            current,
            subscribers=await repo.reachable(tx, await repo.subscribers(tx, topic.id)),
            owners=await repo.reachable(tx, owners),
            reopen_offer=offer,
            late=late,
            job_id=job.id,
            replaces=living.card_message_id if living else None,
        )

    return await rt.db.run(work)


async def card_posted(rt: Runtime, card: Card, message_id: int) -> None:
    """The card is in the group: its message id and, for a scheduled card, its row's end are
    one transaction, so that nothing after the send can make it post twice."""
    now = rt.clock.now()

    async def work(tx: Tx) -> None:
        await repo.set_round_card(tx, card.round.id, message_id)
        if card.job_id is not None:
            await schedule.finish(tx, card.job_id, now, card.late)

    await rt.db.run(work)


async def notice_posted(rt: Runtime, notice: Notice) -> None:
    """The notice is in the group: its row is done (right after the one send)."""
    now = rt.clock.now()
    await rt.db.run(lambda tx: schedule.finish(tx, notice.job_id, now, notice.late))


async def living_card(rt: Runtime, topic_id: int) -> Card | None:
    """The topic's living follow-up card as it stands, to edit in place; None before its first
    card, or when the group is gone."""

    async def work(tx: Tx) -> Card | None:
        current = await repo.living_round(tx, topic_id)
        topic = await topic_repo.get_topic_by_id(tx, topic_id)
        chat = await load_chat(tx, rt, topic.chat_id) if topic else None
        if current is None or chat is None:
            return None
        return await build_card(tx, chat, topic, current)

    return await rt.db.view(work)


async def round_card(rt: Runtime, round_id: int) -> Card | None:
    """The card of round `round_id` as it stands (the final round's, to post when the topic had
    no card yet); None when the group is gone."""

    async def work(tx: Tx) -> Card | None:
        current = await repo.get_round(tx, round_id)
        topic = await topic_repo.get_topic_by_id(tx, current.topic_id)
        chat = await load_chat(tx, rt, topic.chat_id)
        if chat is None:
            return None
        return await build_card(tx, chat, topic, current)

    return await rt.db.view(work)
