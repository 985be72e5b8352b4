"""Residents' satisfaction (满意度) with each follow-up round, and private comments."""

from __future__ import annotations

from bot.errors import UserError
from bot.events import FollowupChanged
from bot.i18n import N_
from bot.rules.followup import RATINGS
from bot.rules.permissions import Action
from bot.runtime import Runtime
from bot.services.common import (
    REASON_MAX,
    Actor,
    authorize,
    bounded,
    load_topic,
    run_unit,
)
from bot.services.followup.digest import schedule_digest
from storage import Tx
from storage import followup as repo
from storage.followup import RoundRow
from storage.topics import TopicRow


async def rate(
    rt: Runtime, chat_id: int, actor: Actor, number: int, round_id: int | None, value: str
) -> tuple[TopicRow, RoundRow, str | None]:
    if value not in RATINGS:
        raise UserError(N_("This button is no longer valid."))
    now = rt.clock.now()

    async def work(tx: Tx) -> tuple[TopicRow, RoundRow, str | None]:
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
        rt.events.publish(tx, FollowupChanged(chat_id, topic.id))
        return topic, latest, previous

    return await run_unit(rt, actor, work)


async def comment(rt: Runtime, chat_id: int, user_id: int, number: int, text: str) -> None:
    """A private comment on one's rating of the topic's open round; it reaches the convenors,
    unsigned, by the topic's digest row (digest.py). UserError when there is no rating to add
    it to."""
    text = bounded(text, REASON_MAX, N_("comment"))
    now = rt.clock.now()

    async def work(tx: Tx) -> None:
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
        await schedule_digest(tx, chat_id, topic.id, now)

    await rt.db.run(work)
