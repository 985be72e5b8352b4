"""Comments read: every private comment on a follow-up rating reaches the group's convenors,
unsigned, once, within DIGEST_AFTER (quiet hours aside).

A stored comment sets one schedule row per topic (COMMENT_DIGEST; a row already pending takes
the later comments too); when it runs, the comments not yet sent (those of any round: after the
last round and on the final round too) are claimed in the unit that ends the row, by a key kept
in its payload, so that a restart never sends one twice and none is left behind."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.rules.followup import quiet_until
from bot.runtime import Runtime
from bot.services.chats import ChatContext, load_chat
from bot.services.kinds import COMMENT_DIGEST
from storage import Tx, schedule
from storage import chats as chat_repo
from storage import followup as repo
from storage import topics as topic_repo
from storage.followup import RoundRow
from storage.schedule import Job
from storage.topics import TopicRow

# How long after a comment its digest goes (seconds in a timedelta): comments written close
# together go in one digest.
DIGEST_AFTER = timedelta(hours=1)


@dataclass(frozen=True)
class Digest:
    """The comments of one round not yet sent, without names: (rating, comment) each."""

    chat: ChatContext
    topic: TopicRow
    round: RoundRow  # the round the comments were made on
    comments: list[tuple[str, str]]
    named_convenors: list[int]  # the group's convenors named with /convenor


async def schedule_digest(tx: Tx, chat_id: int, topic_id: int, now: datetime) -> None:
    """A comment was stored (inside its unit of work): its digest goes within DIGEST_AFTER, by
    the topic's pending row if it has one, else a new one."""
    if not await schedule.is_waiting(tx, COMMENT_DIGEST, topic_id):
        await schedule.add(tx, chat_id, COMMENT_DIGEST, topic_id, now + DIGEST_AFTER)


def _key(round_id: int, user_id: int, text: str) -> str:
    """What tells a sent comment apart (a changed comment is a new one); no text is kept."""
    digest = hashlib.sha256(f"{round_id}:{user_id}:{text}".encode()).hexdigest()
    return digest[:20]


async def take_digest(rt: Runtime, job: Job, late: bool) -> list[Digest]:
    """Run a COMMENT_DIGEST row: the comments of the topic not sent before, one Digest per
    round, claimed (the row done, their keys in its payload) in this one unit. Quiet hours
    postpone the row; nothing new (or no group): an empty list, the row done all the same."""
    now = rt.clock.now()

    async def work(tx: Tx) -> list[Digest]:
        if not await schedule.is_pending(tx, job.id):
            return []
        topic = await topic_repo.get_topic_by_id(tx, job.ref_id)
        chat = await load_chat(tx, rt, job.chat_id)
        if topic is None or chat is None:
            await schedule.finish(tx, job.id, now, late, outcome="obsolete")
            return []
        quiet_end = quiet_until(now, chat.settings.quiet_window(), chat.settings.zone())
        if quiet_end is not None:
            await schedule.postpone(tx, job.id, quiet_end)
            return []
        sent = {
            key
            for payload in await schedule.payloads_done(tx, COMMENT_DIGEST, topic.id)
            for key in payload.get("sent", [])
        }
        fresh: dict[int, list[tuple[str, str]]] = {}
        keys = []
        for round_id, user_id, value, text in await repo.topic_comments(tx, topic.id):
            key = _key(round_id, user_id, text)
            if key in sent:
                continue
            keys.append(key)
            fresh.setdefault(round_id, []).append((value, text))
        await schedule.set_payload(tx, job.id, {**job.payload, "sent": keys})
        await schedule.finish(tx, job.id, now, late)
        named = await chat_repo.named_convenors(tx, chat.chat_id)
        return [
            Digest(chat, topic, await repo.get_round(tx, round_id), comments, named)
            for round_id, comments in fresh.items()
        ]

    return await rt.db.run(work)


async def reachable(rt: Runtime, user_ids: list[int]) -> list[int]:
    """Those of `user_ids` who started the bot (and have not blocked it since)."""
    return await rt.db.view(lambda tx: repo.reachable(tx, user_ids))
