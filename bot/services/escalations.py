"""The law as the backstop (法治兜底): a matter deliberation cannot settle goes to civil mediation
(民事调解) or a shared court (共享法庭) with its record (/escalate N mediation|court reason);
after a set time (setting escalation_check, default 30 days) the convenors are asked how it was
settled, and /resolve N text records it, on the topic's card and in the minutes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot import times
from bot.errors import Msg, UserError
from bot.events import TopicChanged
from bot.group_settings import GroupSettings
from bot.i18n import N_
from bot.rules.permissions import Action
from bot.rules.phases import Status
from bot.runtime import Runtime
from bot.services.card_lines import CARD_LINES
from bot.services.chats import load_chat
from bot.services.common import REASON_MAX, Actor, authorize, bounded, load_topic, run_unit
from bot.services.kinds import ESCALATION_CHECK
from bot.text import fill
from storage import Tx, schedule
from storage import escalations as repo
from storage import topics as topic_repo
from storage.escalations import COURT, MEDIATION, EscalationRow
from storage.schedule import Job
from storage.topics import TopicRow

OUTCOME_MAX = 1000

# What a convenor may type for where it goes, in either language.
VENUE_WORDS = {
    "mediation": MEDIATION,
    "调解": MEDIATION,
    "民事调解": MEDIATION,
    "人民调解": MEDIATION,
    "court": COURT,
    "shared court": COURT,
    "法庭": COURT,
    "法院": COURT,
    "共享法庭": COURT,
}
# Words that name a place a matter may go but that this bot does not send it to: a polite
# refusal names the two it does (rather than taking the word as the start of the reason).
NOT_VENUES = frozenset(
    {
        "仲裁", "仲裁庭", "仲裁委", "劳动仲裁", "诉讼", "起诉", "打官司", "信访", "上访",
        "派出所", "公安", "律师", "arbitration", "lawsuit", "police", "lawyer",
    }
)  # fmt: skip
# A first word longer than this is the reason, not a venue named in a few characters.
VENUE_WORD_MAX = 6
NOT_A_VENUE = N_(
    "“{word}” is not where this bot sends a matter: it goes to mediation (调解) or to the shared court (court, 共享法庭). For example: /escalate {number} mediation the two sides cannot agree"
)
VENUE_TEXT = {
    MEDIATION: N_("mediation"),
    COURT: N_("the shared court"),
}


def parse_venue(word: str, number: int = 1) -> str | None:
    """mediation or court as typed ("调解", "共享法庭", "人民法院", "村调解"); None for a word
    that names no venue (the reason begins there). Raises UserError for a word that names a
    venue this bot does not send a matter to (仲裁, 诉讼: NOT_VENUES), its example naming topic
    `number`."""
    typed = word.strip().lower()
    if typed in VENUE_WORDS:
        return VENUE_WORDS[typed]
    if typed in NOT_VENUES:
        raise UserError(NOT_A_VENUE, word=word.strip()[:20], number=number)
    if len(typed) > VENUE_WORD_MAX or not typed.isalpha():
        return None  # a sentence: the reason ("费用谈不拢，请镇调解委员会调解")
    if typed.endswith(("法院", "法庭")):
        return COURT
    if typed.endswith("调解"):
        return MEDIATION
    if "仲裁" in typed:
        raise UserError(NOT_A_VENUE, word=word.strip()[:20], number=number)
    return None


def venue_name(venue: str) -> Msg:
    return Msg(VENUE_TEXT.get(venue, VENUE_TEXT[MEDIATION]))


async def record_escalation(
    tx: Tx,
    rt: Runtime,
    topic: TopicRow,
    venue: str,
    reason: str,
    actor_id: int,
    now: datetime,
) -> EscalationRow:
    """Inside /escalate's unit: where the matter went, and the row that asks about its outcome
    the group's `escalation_check` later."""
    row = await repo.add(tx, topic.id, venue, reason, actor_id, now)
    chat = await load_chat(tx, rt, topic.chat_id)
    wait = chat.settings.escalation_check if chat else GroupSettings().escalation_check
    await schedule.add(tx, topic.chat_id, ESCALATION_CHECK, row.id, now + wait)
    return row


@dataclass(frozen=True)
class Corrected:
    """An escalation corrected: where it went and why, before and now."""

    before: EscalationRow
    now: EscalationRow


async def correct_escalation(
    tx: Tx, rt: Runtime, topic: TopicRow, venue: str, reason: str, actor: Actor, now: datetime
) -> Corrected:
    """Inside /escalate's unit, on a topic already escalated: a convenor corrects where it
    went and why (a wrong venue typed). The row's venue and reason are replaced; the history
    keeps the first ("escalated") and the correction ("escalation_corrected"); the question
    about its outcome keeps its day. Raises UserError when the topic has no escalation."""
    authorize(Action.RESOLVE, topic, actor)  # the convenor's record of an escalated matter
    before = await repo.latest(tx, topic.id)
    if before is None:
        raise UserError(N_("Topic #{number} was never escalated."), number=topic.number)
    await repo.correct(tx, before.id, venue, reason)
    await topic_repo.record(
        tx,
        topic.id,
        now,
        actor.user_id,
        "escalation_corrected",
        {
            "venue": venue,
            "reason": reason,
            "old_venue": before.venue,
            "old_reason": before.reason,
        },
    )
    rt.events.publish(tx, TopicChanged(topic.chat_id, topic.id))
    after = await repo.get(tx, before.id)
    assert after is not None
    return Corrected(before, after)


@dataclass(frozen=True)
class Resolved:
    topic: TopicRow
    escalation: EscalationRow
    previous: str | None = None  # the outcome this one corrected, if any


async def resolve(rt: Runtime, chat_id: int, actor: Actor, number: int, text: str) -> Resolved:
    """A convenor records how an escalated matter was settled. A second record corrects the
    first: the row keeps the latest, the history both ("resolved", then
    "resolution_corrected" with the old outcome), and `previous` says what it was. The
    question about its outcome, if still to come, goes."""
    outcome = bounded(text, OUTCOME_MAX, N_("outcome"))
    now = rt.clock.now()

    async def work(tx: Tx) -> Resolved:
        topic = await load_topic(tx, chat_id, number)
        authorize(Action.RESOLVE, topic, actor)
        row = await repo.latest(tx, topic.id)
        if row is None:
            raise UserError(N_("Topic #{number} was never escalated."), number=number)
        await repo.resolve(tx, row.id, outcome, actor.user_id, now)
        if row.outcome is None:
            event, detail = "resolved", {"venue": row.venue, "outcome": outcome}
        else:
            event = "resolution_corrected"
            detail = {"venue": row.venue, "outcome": outcome, "old_outcome": row.outcome}
        await topic_repo.record(tx, topic.id, now, actor.user_id, event, detail)
        await schedule.cancel(tx, ESCALATION_CHECK, row.id, now)
        rt.events.publish(tx, TopicChanged(chat_id, topic.id))
        resolved = await repo.get(tx, row.id)
        assert resolved is not None
        return Resolved(topic, resolved, row.outcome)

    return await run_unit(rt, actor, work)


@dataclass(frozen=True)
class Check:
    topic: TopicRow
    escalation: EscalationRow


async def check_due(rt: Runtime, job: Job) -> Check | None:
    """The escalation row `job` asks about; None when it was settled (or the topic moved on)."""

    async def work(tx: Tx) -> Check | None:
        row = await repo.get(tx, job.ref_id)
        topic = await topic_repo.get_topic_by_id(tx, row.topic_id) if row else None
        if row is None or topic is None or row.outcome is not None:
            return None
        if topic.status != Status.ESCALATED:
            return None
        return Check(topic, row)

    return await rt.db.view(work)


async def finish_job(rt: Runtime, job_id: int, late: bool, outcome: str = "done") -> bool:
    now = rt.clock.now()
    return await rt.db.run(lambda tx: schedule.finish(tx, job_id, now, late, outcome))


def day_of(row: EscalationRow, settings: GroupSettings) -> str:
    """The day the matter was escalated, as the group reads it: 3月2日（周一）."""
    return times.day_text(row.escalated_at.astimezone(settings.zone()).date(), settings.language)


async def _card_lines(tx: Tx, topic: TopicRow, translate, settings: GroupSettings) -> list[str]:
    row = await repo.latest(tx, topic.id)
    if row is None:
        return []
    day = day_of(row, settings)
    lines = [
        fill(
            translate(N_("⚖️ Sent to {venue} on {day}: {reason}")),
            {"venue": venue_name(row.venue), "day": day, "reason": row.reason},
            translate,
        )
    ]
    if row.outcome is not None:
        lines.append(
            fill(translate(N_("✅ Settled: {outcome}")), {"outcome": row.outcome}, translate)
        )
    return lines


CARD_LINES.append(_card_lines)

__all__ = ["COURT", "MEDIATION", "REASON_MAX", "parse_venue", "record_escalation", "resolve"]
