"""Chats, users, convenors and the bookkeeping tables that belong to no topic."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from storage import links
from storage.db import Tx
from storage.rows import from_row
from storage.timefmt import to_db


@dataclass(frozen=True)
class ChatRow:
    chat_id: int
    type: str
    title: str
    settings: dict[str, Any]
    active: bool
    created_at: datetime
    # As Telegram last reported it (chat.is_forum): a supergroup with threads.
    is_forum: bool = False


@dataclass(frozen=True)
class UserRow:
    user_id: int
    first_name: str
    username: str | None
    language_code: str | None
    private_ok: bool


def _chat(row: Any) -> ChatRow:
    return from_row(ChatRow, row, settings=json.loads(row["settings_json"]))


async def get_chat(tx: Tx, chat_id: int) -> ChatRow | None:
    row = await tx.fetchone("SELECT * FROM chats WHERE chat_id = ?", (chat_id,))
    return None if row is None else _chat(row)


async def ensure_chat(
    tx: Tx,
    chat_id: int,
    chat_type: str,
    title: str,
    now: datetime,
    settings: dict[str, Any],
    is_forum: bool | None = None,
) -> ChatRow:
    """The chat's row, created with the given settings on first sight; the title, type and
    forum flag are kept as Telegram last reported them (`is_forum` None: not reported, kept)."""
    forum = None if is_forum is None else int(is_forum)
    await tx.execute(
        "INSERT INTO chats(chat_id, type, title, settings_json, created_at, is_forum) "
        "VALUES (?,?,?,?,?,?) "
        "ON CONFLICT(chat_id) DO UPDATE SET title = excluded.title, type = excluded.type, "
        "is_forum = COALESCE(?, chats.is_forum) "
        "WHERE chats.title IS NOT excluded.title OR chats.type IS NOT excluded.type "
        "OR chats.is_forum IS NOT COALESCE(?, chats.is_forum)",
        (
            chat_id,
            chat_type,
            title,
            json.dumps(settings, ensure_ascii=False),
            to_db(now),
            forum or 0,
            forum,
            forum,
        ),
    )
    chat = await get_chat(tx, chat_id)
    assert chat is not None
    return chat


async def save_chat_settings(tx: Tx, chat_id: int, settings: dict[str, Any]) -> None:
    await tx.execute(
        "UPDATE chats SET settings_json = ? WHERE chat_id = ?",
        (json.dumps(settings, ensure_ascii=False), chat_id),
    )


async def set_chat_active(tx: Tx, chat_id: int, active: bool) -> bool:
    """Returns whether the flag changed."""
    changed = await tx.execute(
        "UPDATE chats SET active = ? WHERE chat_id = ? AND active != ?",
        (int(active), chat_id, int(active)),
    )
    return changed > 0


async def next_topic_number(tx: Tx, chat_id: int) -> int:
    number = await tx.scalar("SELECT next_topic_no FROM chats WHERE chat_id = ?", (chat_id,))
    await tx.execute(
        "UPDATE chats SET next_topic_no = next_topic_no + 1 WHERE chat_id = ?", (chat_id,)
    )
    return int(number)


async def upsert_user(
    tx: Tx,
    user_id: int,
    first_name: str,
    username: str | None,
    language_code: str | None,
    is_bot: bool,
    now: datetime,
) -> None:
    await tx.execute(
        "INSERT INTO users(user_id, first_name, username, language_code, is_bot, updated_at) "
        "VALUES (?,?,?,?,?,?) ON CONFLICT(user_id) DO UPDATE SET "
        "first_name = excluded.first_name, username = excluded.username, "
        "language_code = excluded.language_code, is_bot = excluded.is_bot, "
        "updated_at = excluded.updated_at "
        "WHERE users.first_name IS NOT excluded.first_name "
        "OR users.username IS NOT excluded.username "
        "OR users.language_code IS NOT excluded.language_code",
        (user_id, first_name, username, language_code, int(is_bot), to_db(now)),
    )


async def set_private_ok(tx: Tx, user_id: int, ok: bool, now: datetime) -> None:
    await tx.execute(
        "INSERT INTO users(user_id, private_ok, updated_at) VALUES (?,?,?) "
        "ON CONFLICT(user_id) DO UPDATE SET private_ok = excluded.private_ok",
        (user_id, int(ok), to_db(now)),
    )


async def get_users(tx: Tx, user_ids: list[int]) -> dict[int, UserRow]:
    if not user_ids:
        return {}
    marks = ",".join("?" * len(user_ids))
    rows = await tx.fetchall(f"SELECT * FROM users WHERE user_id IN ({marks})", user_ids)
    return {
        r["user_id"]: UserRow(
            r["user_id"], r["first_name"], r["username"], r["language_code"], bool(r["private_ok"])
        )
        for r in rows
    }


async def find_user_by_username(tx: Tx, username: str) -> int | None:
    return await tx.scalar(
        "SELECT user_id FROM users WHERE username = ? COLLATE NOCASE", (username.lstrip("@"),)
    )


async def add_convenor(tx: Tx, chat_id: int, user_id: int, by: int | None, now: datetime) -> bool:
    return (
        await tx.execute(
            "INSERT OR IGNORE INTO convenors(chat_id, user_id, added_by, added_at) VALUES (?,?,?,?)",
            (chat_id, user_id, by, to_db(now)),
        )
        > 0
    )


async def remove_convenor(tx: Tx, chat_id: int, user_id: int) -> bool:
    return (
        await tx.execute(
            "DELETE FROM convenors WHERE chat_id = ? AND user_id = ?", (chat_id, user_id)
        )
        > 0
    )


async def is_named_convenor(tx: Tx, chat_id: int, user_id: int) -> bool:
    return (
        await tx.scalar(
            "SELECT 1 FROM convenors WHERE chat_id = ? AND user_id = ?", (chat_id, user_id)
        )
        is not None
    )


async def named_convenors(tx: Tx, chat_id: int) -> list[int]:
    rows = await tx.fetchall(
        "SELECT user_id FROM convenors WHERE chat_id = ? ORDER BY added_at", (chat_id,)
    )
    return [r[0] for r in rows]


# Every table that carries a chat id, so that a group upgraded to a supergroup keeps its record.
_CHAT_TABLES = ("convenors", "pending_inputs", "scheduled", "topics", "actions")


async def migrate_chat(tx: Tx, old_id: int, new_id: int) -> bool:
    """Move everything of `old_id` to `new_id`; False when there was nothing to move."""
    if await get_chat(tx, old_id) is None:
        return False
    if await get_chat(tx, new_id) is not None:
        # The new chat was seen first (an update raced the migration): its bare row yields.
        await tx.execute("DELETE FROM convenors WHERE chat_id = ?", (new_id,))
        await tx.execute("DELETE FROM pending_inputs WHERE chat_id = ?", (new_id,))
        await tx.execute("DELETE FROM chats WHERE chat_id = ? AND next_topic_no = 1", (new_id,))
    await tx.execute("PRAGMA defer_foreign_keys = ON")
    await tx.execute(
        "UPDATE chats SET chat_id = ?, type = 'supergroup' WHERE chat_id = ?", (new_id, old_id)
    )
    for table in _CHAT_TABLES:
        await tx.execute(f"UPDATE {table} SET chat_id = ? WHERE chat_id = ?", (new_id, old_id))
    # 两商衔接: links, codes, contact members and referrals name the group at either end.
    await links.move_chat(tx, old_id, new_id)
    # Private state that names the group: a member's focus, and questions awaiting an answer.
    await tx.execute("UPDATE users SET focus_chat_id = ? WHERE focus_chat_id = ?", (new_id, old_id))
    await tx.execute(
        "UPDATE pending_inputs SET payload_json = json_set(payload_json, '$.chat_id', ?) "
        "WHERE json_extract(payload_json, '$.chat_id') = ?",
        (new_id, old_id),
    )
    return True
