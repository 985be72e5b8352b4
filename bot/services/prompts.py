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
    expires = rt.clock.now() + PROMPT_LIFETIME
    await rt.db.run(
        lambda tx: repo.put(tx, chat_id, user_id, kind, payload, prompt_message_id, expires)
    )


async def awaiting(rt: Runtime, chat_id: int, user_id: int) -> Pending | None:
    now = rt.clock.now()
    return await rt.db.view(lambda tx: repo.get(tx, chat_id, user_id, now))


async def asked_by(rt: Runtime, chat_id: int, message_id: int) -> Pending | None:
    """The open question that message `message_id` of the bot asks (of whom, about what)."""
    now = rt.clock.now()
    return await rt.db.view(lambda tx: repo.asked_by(tx, chat_id, message_id, now))


async def answered(rt: Runtime, chat_id: int, user_id: int) -> None:
    await rt.db.run(lambda tx: repo.drop(tx, chat_id, user_id))


async def set_focus(rt: Runtime, user_id: int, chat_id: int) -> None:
    now = rt.clock.now()
    await rt.db.run(lambda tx: topic_repo.set_focus(tx, user_id, chat_id, now))


async def focus(rt: Runtime, user_id: int) -> int | None:
    return await rt.db.view(lambda tx: topic_repo.focus(tx, user_id))


async def names(rt: Runtime, user_ids: list[int]) -> dict[int, str]:
    wanted = sorted(set(user_ids))
    users = await rt.db.view(lambda tx: chat_repo.get_users(tx, wanted))
    return {uid: display_name(u) for uid, u in users.items()}


def display_name(user: UserRow | None) -> str:
    if user is None:
        return "?"
    return user.first_name or user.username or "?"


async def reachable_privately(rt: Runtime, user_id: int) -> bool:
    """Has this person started a private chat with the bot (and not blocked it since)? Then a
    question can go to them there (Telegram refuses a bot's first private word otherwise)."""
    users = await rt.db.view(lambda tx: chat_repo.get_users(tx, [user_id]))
    user = users.get(user_id)
    return bool(user is not None and user.private_ok)
