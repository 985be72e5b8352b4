"""Who hears about a topic privately: subscribers, and who can be reached at all."""

from __future__ import annotations

from bot.runtime import Runtime
from bot.services.common import (
    load_topic,
)
from storage import Tx
from storage import followup as repo
from storage.topics import TopicRow


async def subscribe(
    rt: Runtime, chat_id: int, user_id: int, number: int, on: bool
) -> tuple[TopicRow, bool]:
    now = rt.clock.now()

    async def work(tx: Tx) -> tuple[TopicRow, bool]:
        topic = await load_topic(tx, chat_id, number)
        if on:
            changed = await repo.subscribe(tx, topic.id, user_id, now)
        else:
            changed = await repo.unsubscribe(tx, topic.id, user_id)
        return topic, changed

    return await rt.db.run(work)


async def subscriptions(rt: Runtime, user_id: int) -> list[tuple[int, int, str, str]]:
    return await rt.db.view(lambda tx: repo.subscriptions_of(tx, user_id))


async def subscribers_of(rt: Runtime, topic_id: int) -> list[int]:
    async def work(tx: Tx) -> list[int]:
        return await repo.reachable(tx, await repo.subscribers(tx, topic_id))

    return await rt.db.view(work)


async def mark_undeliverable(
    rt: Runtime, user_id: int, kind: str, ref_id: int | None, error: str
) -> None:
    now = rt.clock.now()
    await rt.db.run(lambda tx: repo.record_undeliverable(tx, user_id, kind, ref_id, error, now))


async def mark_private_ok(rt: Runtime, user_id: int) -> None:
    from storage import chats as chat_repo

    now = rt.clock.now()
    await rt.db.run(lambda tx: chat_repo.set_private_ok(tx, user_id, True, now))
