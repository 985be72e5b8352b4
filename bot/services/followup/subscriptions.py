"""Who hears about a topic privately: subscribers, and who can be reached at all."""

from __future__ import annotations

from bot.runtime import Runtime
from bot.services.common import (
    load_topic,
)
from storage import followup as repo
from storage.topics import TopicRow


async def subscribe(
    rt: Runtime, chat_id: int, user_id: int, number: int, on: bool
) -> tuple[TopicRow, bool]:
    async with rt.db.transaction() as tx:
        topic = await load_topic(tx, chat_id, number)
        if on:
            changed = await repo.subscribe(tx, topic.id, user_id, rt.clock.now())
        else:
            changed = await repo.unsubscribe(tx, topic.id, user_id)
    return topic, changed


async def subscriptions(rt: Runtime, user_id: int) -> list[tuple[int, int, str, str]]:
    async with rt.db.read() as tx:
        return await repo.subscriptions_of(tx, user_id)


async def subscribers_of(rt: Runtime, topic_id: int) -> list[int]:
    async with rt.db.read() as tx:
        return await repo.reachable(tx, await repo.subscribers(tx, topic_id))


async def mark_undeliverable(
    rt: Runtime, user_id: int, kind: str, ref_id: int | None, error: str
) -> None:
    async with rt.db.transaction() as tx:
        await repo.record_undeliverable(tx, user_id, kind, ref_id, error, rt.clock.now())


async def mark_private_ok(rt: Runtime, user_id: int) -> None:
    from storage import chats as chat_repo

    async with rt.db.transaction() as tx:
        await chat_repo.set_private_ok(tx, user_id, True, rt.clock.now())
