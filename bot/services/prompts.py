"""A question asked of one person, remembered in the database until they answer or it expires."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from bot.runtime import Runtime
from storage import chats as chat_repo
from storage import pending as repo
from storage import topics as topic_repo
from storage.chats import UserRow
from storage.pending import Pending

PROMPT_LIFETIME = timedelta(hours=24)


async def ask(
    rt: Runtime,
    chat_id: int,
    user_id: int,
    kind: str,
    payload: dict[str, Any],
    prompt_message_id: int | None,
) -> None:
    async with rt.db.transaction() as tx:
        await repo.put(
            tx, chat_id, user_id, kind, payload, prompt_message_id, rt.clock.now() + PROMPT_LIFETIME
        )


async def awaiting(rt: Runtime, chat_id: int, user_id: int) -> Pending | None:
    async with rt.db.read() as tx:
        return await repo.get(tx, chat_id, user_id, rt.clock.now())


async def answered(rt: Runtime, chat_id: int, user_id: int) -> None:
    async with rt.db.transaction() as tx:
        await repo.drop(tx, chat_id, user_id)


async def set_focus(rt: Runtime, user_id: int, chat_id: int) -> None:
    async with rt.db.transaction() as tx:
        await topic_repo.set_focus(tx, user_id, chat_id, rt.clock.now())


async def focus(rt: Runtime, user_id: int) -> int | None:
    async with rt.db.read() as tx:
        return await topic_repo.focus(tx, user_id)


async def names(rt: Runtime, user_ids: list[int]) -> dict[int, str]:
    async with rt.db.read() as tx:
        users = await chat_repo.get_users(tx, sorted(set(user_ids)))
    return {uid: display_name(u) for uid, u in users.items()}


def display_name(user: UserRow | None) -> str:
    if user is None:
        return "?"
    return user.first_name or user.username or "?"
