"""Consultation down (委员 → 基层, 开门协商): a members' convenor puts one of the group's topics to its
linked village groups (/consult N; with several villages, a button per village and one for all);
each village gets a card with the question and the stance buttons (a CONSULT_CARD schedule row,
so a restart loses none); a villager's stance and few words come back, one answer per person
(a later one replaces it), and the members' topic shows them per village and stance on its card
and in /views. `/consult N close` ends the collection.

Nothing private travels up: the answers go without names, unless the village's setting
share_names says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.errors import UserError
from bot.events import TopicChanged
from bot.i18n import N_
from bot.rules.permissions import Action
from bot.rules.phases import Stance
from bot.runtime import Runtime
from bot.services.chats import ChatContext, load_chat
from bot.services.common import (
    TEXT_MAX,
    Actor,
    authorize,
    bounded,
    load_topic,
    row_card_posted,
    run_unit,
)
from bot.services.kinds import CONSULT_CARD
from bot.services.prompts import display_name
from storage import Tx, schedule
from storage import chats as chat_repo
from storage import consultations as repo
from storage import links as link_repo
from storage import topics as topic_repo
from storage.consultations import AnswerRow, ConsultationRow
from storage.links import LinkRow
from storage.schedule import Job
from storage.topics import TopicRow

NO_VILLAGES = N_(
    "/consult is for a members' group (委员之家) linked with village groups: it puts one of its topics to them. No village group is linked with this group."
)
IS_VILLAGE = N_(
    "/consult is for a members' group (委员之家) linked with village groups: it puts one of its topics to them. This group is a village group; to send a topic up to “{group}”, a convenor uses /refer N."
)


@dataclass(frozen=True)
class Consulted:
    """What /consult did: the villages asked now (`asked`), or, with several linked villages and
    none named, the choice to offer (`choices`; nothing changed yet)."""

    topic: TopicRow
    asked: tuple[str, ...] = ()
    choices: tuple[LinkRow, ...] = ()


async def consult(
    rt: Runtime, chat_id: int, actor: Actor, number: int, link_id: int | None = None
) -> Consulted:
    """Put topic `number` of this members' group to its linked villages: `link_id` None asks
    the only one (or offers the choice when there are several), 0 every one not asked yet, else
    that one. Raises UserError (nothing changes) for a non-convenor, a topic not accepted or
    ended, no linked village, or villages asked already."""
    now = rt.clock.now()

    async def work(tx: Tx) -> Consulted:
        links = [
            link
            for link in await link_repo.live_links(tx, chat_id)
            if link.members_chat_id == chat_id
        ]
        if not links:
            # A village group is told so first, whatever the topic: /consult is not its command.
            ups = await link_repo.members_links(tx, chat_id)
            if ups:
                raise UserError(IS_VILLAGE, group=ups[0].members_title)
        topic = await load_topic(tx, chat_id, number)
        authorize(Action.CONSULT, topic, actor)
        if not links:
            raise UserError(NO_VILLAGES)
        if link_id is None and len(links) > 1:
            return Consulted(topic, choices=tuple(links))
        chosen = links if not link_id else [link for link in links if link.id == link_id]
        if not chosen:
            raise UserError(N_("That village is no longer linked to this group."))
        asked = []
        for link in chosen:
            consultation_id = await repo.open_one(
                tx, topic.id, chat_id, link.village_chat_id, link.id, actor.user_id, now
            )
            if consultation_id is None:
                continue
            await schedule.add(tx, link.village_chat_id, CONSULT_CARD, consultation_id, now)
            await topic_repo.record(
                tx, topic.id, now, actor.user_id, "consulted", {"village": link.village_title}
            )
            asked.append(link.village_title)
        if not asked:
            raise UserError(
                N_(
                    "Topic #{number} is being put to that village already. /consult {number} close ends the collection."
                ),
                number=number,
            )
        rt.events.publish(tx, TopicChanged(chat_id, topic.id))
        return Consulted(topic, asked=tuple(asked))

    return await run_unit(rt, actor, work)


async def close(rt: Runtime, chat_id: int, actor: Actor, number: int) -> list[ConsultationRow]:
    """End the collection on topic `number` in every village; the closed consultations (their
    cards are to lose their buttons). Raises UserError when none was open."""
    now = rt.clock.now()

    async def work(tx: Tx) -> list[ConsultationRow]:
        topic = await load_topic(tx, chat_id, number)
        authorize(Action.CONSULT, topic, actor)
        closed = []
        for found in await repo.of_topic(tx, topic.id):
            if await repo.close(tx, found.id, actor.user_id, now):
                closed.append(await repo.get(tx, found.id))
        if not closed:
            raise UserError(N_("No village is being consulted on topic #{number}."), number=number)
        await topic_repo.record(
            tx, topic.id, now, actor.user_id, "consultation_closed", {"villages": len(closed)}
        )
        rt.events.publish(tx, TopicChanged(chat_id, topic.id))
        return closed

    return await run_unit(rt, actor, work)


async def end_with_link(tx: Tx, rt: Runtime, link: LinkRow, by: int, now: Any) -> int:
    """Inside the unit that ends `link`: its open consultations close; the members' topic card
    follows, and each village card posted loses its buttons (a CONSULT_CARD row with event
    "ended", so a restart loses none). The number closed."""
    closed = 0
    for found in await repo.open_of_link(tx, link.id):
        if not await repo.close(tx, found.id, by, now):
            continue
        closed += 1
        await topic_repo.record(tx, found.topic_id, now, by, "consultation_closed", {"villages": 1})
        if found.card_message_id is not None:
            await schedule.add(
                tx, found.village_chat_id, CONSULT_CARD, found.id, now, {"event": "ended"}
            )
        rt.events.publish(tx, TopicChanged(found.members_chat_id, found.topic_id))
    return closed


# ----- the village's card -------------------------------------------------------------------------
@dataclass(frozen=True)
class CardDue:
    chat: ChatContext
    consultation: ConsultationRow
    topic: TopicRow
    members_title: str
    ended: bool = False  # redraw the posted card without buttons: the link ended


async def card_due(rt: Runtime, job: Job, late: bool) -> CardDue | None:
    """The CONSULT_CARD row runs: the card to post in the village, or None (row finished) when
    the consultation ended meanwhile or has its card already."""
    now = rt.clock.now()

    async def work(tx: Tx) -> CardDue | None:
        found = await repo.get(tx, job.ref_id)
        chat = await load_chat(tx, rt, job.chat_id)
        if job.payload.get("event") == "ended":
            if found is None or chat is None or not found.card_message_id:
                await schedule.finish(tx, job.id, now, late, outcome="obsolete")
                return None
            members = await chat_repo.get_chat(tx, found.members_chat_id)
            topic = await topic_repo.get_topic_by_id(tx, found.topic_id)
            return CardDue(chat, found, topic, members.title if members else "", ended=True)
        if found is None or chat is None or not found.is_open or found.card_message_id:
            await schedule.finish(tx, job.id, now, late, outcome="obsolete")
            return None
        members = await chat_repo.get_chat(tx, found.members_chat_id)
        topic = await topic_repo.get_topic_by_id(tx, found.topic_id)
        return CardDue(chat, found, topic, members.title if members else "")

    return await rt.db.run(work)


async def card_posted(rt: Runtime, job: Job, message_id: int, late: bool) -> bool:
    """The consultation card is in the village: its message id and the row's end, in one unit."""
    return await row_card_posted(rt, job, repo.set_card, message_id, late)


# ----- a villager answers -------------------------------------------------------------------------
async def _open_here(tx: Tx, chat_id: int, actor: Actor, consultation_id: int) -> ConsultationRow:
    authorize(Action.ANSWER_CONSULTATION, None, actor)
    found = await repo.get(tx, consultation_id)
    if found is None or found.village_chat_id != chat_id:
        raise UserError(N_("This button is no longer valid."))
    if not found.is_open:
        raise UserError(N_("This consultation has ended; thank you."))
    return found


async def check_can_answer(
    rt: Runtime, chat_id: int, actor: Actor, consultation_id: int
) -> ConsultationRow:
    """Before asking for the few words: would the answer be taken?"""
    return await rt.db.view(lambda tx: _open_here(tx, chat_id, actor, consultation_id))


async def answer(
    rt: Runtime, chat_id: int, actor: Actor, consultation_id: int, stance: Stance, text: str
) -> bool:
    """A villager's answer (a later one replaces it); True when it is their first. The members'
    topic card follows (TopicChanged). Raises UserError as check_can_answer does, and for an
    empty or too long text."""
    text = bounded(text, TEXT_MAX, N_("view"))
    now = rt.clock.now()

    async def work(tx: Tx) -> bool:
        found = await _open_here(tx, chat_id, actor, consultation_id)
        first = await repo.answer(tx, found.id, actor.user_id, stance.value, text, now)
        rt.events.publish(tx, TopicChanged(found.members_chat_id, found.topic_id))
        return first

    return await run_unit(rt, actor, work)


# ----- what the members' group sees ---------------------------------------------------------------
@dataclass(frozen=True)
class VillageAnswers:
    village: str
    open: bool
    counts: dict[str, int]
    answers: list[tuple[str, str, str | None]]  # stance, text, name (only where shared)


async def answers_of(tx: Tx, topic: TopicRow) -> list[VillageAnswers]:
    """Each consulted village's answers on the members' topic, newest consultation last."""
    found = []
    for consultation in await repo.of_topic(tx, topic.id):
        said: list[AnswerRow] = await repo.answers(tx, consultation.id)
        village = await chat_repo.get_chat(tx, consultation.village_chat_id)
        share = bool(village and village.settings.get("share_names"))
        names = {}
        if share and said:
            users = await chat_repo.get_users(tx, [a.user_id for a in said])
            names = {uid: display_name(u) for uid, u in users.items()}
        counts: dict[str, int] = {}
        for a in said:
            counts[a.stance] = counts.get(a.stance, 0) + 1
        found.append(
            VillageAnswers(
                consultation.village_title,
                consultation.is_open,
                counts,
                [
                    (a.stance, a.text, names.get(a.user_id) if share and a.names_shared else None)
                    for a in said
                ],
            )
        )
    return found


async def answers_for(rt: Runtime, topic: TopicRow) -> list[VillageAnswers]:
    return await rt.db.view(lambda tx: answers_of(tx, topic))
