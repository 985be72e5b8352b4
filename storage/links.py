"""Links between a members' group and village groups, the one-time codes that make them, and the
villages' contact members (migration 0010). Ended links and removed contacts are kept."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from storage import consultations
from storage.db import Tx
from storage.rows import from_row
from storage.timefmt import to_db


@dataclass(frozen=True)
class CodeRow:
    id: int
    members_chat_id: int
    created_by: int
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None
    used_by_chat_id: int | None


@dataclass(frozen=True)
class LinkRow:
    id: int
    members_chat_id: int
    village_chat_id: int
    linked_by: int
    linked_at: datetime
    ended_at: datetime | None
    ended_by: int | None
    # Titles of both groups, as last stored.
    members_title: str = ""
    village_title: str = ""

    @property
    def live(self) -> bool:
        return self.ended_at is None


@dataclass(frozen=True)
class ContactRow:
    id: int
    village_chat_id: int
    user_id: int
    members_chat_id: int
    added_by: int
    added_at: datetime
    removed_at: datetime | None


async def add_code(
    tx: Tx, code_hash: str, members_chat_id: int, by: int, now: datetime, expires: datetime
) -> int:
    return await tx.insert(
        "INSERT INTO link_codes(code_hash, members_chat_id, created_by, created_at, expires_at) "
        "VALUES (?,?,?,?,?)",
        (code_hash, members_chat_id, by, to_db(now), to_db(expires)),
    )


async def code_by_hash(tx: Tx, code_hash: str) -> CodeRow | None:
    row = await tx.fetchone("SELECT * FROM link_codes WHERE code_hash = ?", (code_hash,))
    return None if row is None else from_row(CodeRow, row)


async def use_code(tx: Tx, code_id: int, chat_id: int, now: datetime) -> bool:
    """Mark the code used by `chat_id`; False when it was used already (single use)."""
    return (
        await tx.execute(
            "UPDATE link_codes SET used_at = ?, used_by_chat_id = ? "
            "WHERE id = ? AND used_at IS NULL",
            (to_db(now), chat_id, code_id),
        )
        > 0
    )


_LINK_SELECT = (
    "SELECT l.*, COALESCE(m.title, '') AS members_title, COALESCE(v.title, '') AS village_title "
    "FROM links l LEFT JOIN chats m ON m.chat_id = l.members_chat_id "
    "LEFT JOIN chats v ON v.chat_id = l.village_chat_id "
)


def _link(row: Any) -> LinkRow:
    return from_row(LinkRow, row)


async def add_link(
    tx: Tx, members_chat_id: int, village_chat_id: int, code_id: int, by: int, now: datetime
) -> int:
    return await tx.insert(
        "INSERT INTO links(members_chat_id, village_chat_id, code_id, linked_by, linked_at) "
        "VALUES (?,?,?,?,?)",
        (members_chat_id, village_chat_id, code_id, by, to_db(now)),
    )


async def get_link(tx: Tx, link_id: int) -> LinkRow | None:
    row = await tx.fetchone(_LINK_SELECT + "WHERE l.id = ?", (link_id,))
    return None if row is None else _link(row)


async def live_between(tx: Tx, chat_a: int, chat_b: int) -> LinkRow | None:
    """A live link between the two groups, in either direction."""
    row = await tx.fetchone(
        _LINK_SELECT + "WHERE l.ended_at IS NULL AND ((l.members_chat_id = ? AND "
        "l.village_chat_id = ?) OR (l.members_chat_id = ? AND l.village_chat_id = ?))",
        (chat_a, chat_b, chat_b, chat_a),
    )
    return None if row is None else _link(row)


async def live_links(tx: Tx, chat_id: int) -> list[LinkRow]:
    """The group's live links, at either end, oldest first."""
    rows = await tx.fetchall(
        _LINK_SELECT + "WHERE l.ended_at IS NULL AND (l.members_chat_id = ? OR "
        "l.village_chat_id = ?) ORDER BY l.id",
        (chat_id, chat_id),
    )
    return [_link(r) for r in rows]


async def members_links(tx: Tx, village_chat_id: int) -> list[LinkRow]:
    """The live links where `village_chat_id` is the village: its members' groups."""
    rows = await tx.fetchall(
        _LINK_SELECT + "WHERE l.ended_at IS NULL AND l.village_chat_id = ? ORDER BY l.id",
        (village_chat_id,),
    )
    return [_link(r) for r in rows]


async def all_links(tx: Tx, chat_id: int) -> list[LinkRow]:
    """Every link of the group, ended ones included (the record), oldest first."""
    rows = await tx.fetchall(
        _LINK_SELECT + "WHERE l.members_chat_id = ? OR l.village_chat_id = ? ORDER BY l.id",
        (chat_id, chat_id),
    )
    return [_link(r) for r in rows]


async def end_link(tx: Tx, link_id: int, by: int, from_chat: int, now: datetime) -> bool:
    """End a live link; False when it had ended already."""
    return (
        await tx.execute(
            "UPDATE links SET ended_at = ?, ended_by = ?, ended_from_chat = ? "
            "WHERE id = ? AND ended_at IS NULL",
            (to_db(now), by, from_chat, link_id),
        )
        > 0
    )


# ----- contact members ---------------------------------------------------------------------------
async def add_contact(
    tx: Tx, village_chat_id: int, user_id: int, members_chat_id: int, by: int, now: datetime
) -> bool:
    """False when they are a contact member of the village already."""
    return (
        await tx.execute(
            "INSERT OR IGNORE INTO contacts(village_chat_id, user_id, members_chat_id, added_by, "
            "added_at) VALUES (?,?,?,?,?)",
            (village_chat_id, user_id, members_chat_id, by, to_db(now)),
        )
        > 0
    )


async def remove_contact(
    tx: Tx, village_chat_id: int, user_id: int, by: int, now: datetime
) -> bool:
    return (
        await tx.execute(
            "UPDATE contacts SET removed_at = ?, removed_by = ? "
            "WHERE village_chat_id = ? AND user_id = ? AND removed_at IS NULL",
            (to_db(now), by, village_chat_id, user_id),
        )
        > 0
    )


async def contacts_of_village(tx: Tx, village_chat_id: int) -> list[ContactRow]:
    rows = await tx.fetchall(
        "SELECT * FROM contacts WHERE village_chat_id = ? AND removed_at IS NULL ORDER BY id",
        (village_chat_id,),
    )
    return [from_row(ContactRow, r) for r in rows]


async def villages_of_contact(tx: Tx, user_id: int) -> list[ContactRow]:
    rows = await tx.fetchall(
        "SELECT * FROM contacts WHERE user_id = ? AND removed_at IS NULL ORDER BY id", (user_id,)
    )
    return [from_row(ContactRow, r) for r in rows]


async def get_contact(tx: Tx, contact_id: int) -> ContactRow | None:
    """A standing contact member by row id (None when removed)."""
    row = await tx.fetchone(
        "SELECT * FROM contacts WHERE id = ? AND removed_at IS NULL", (contact_id,)
    )
    return None if row is None else from_row(ContactRow, row)


async def is_contact(tx: Tx, village_chat_id: int, user_id: int) -> bool:
    return (
        await tx.scalar(
            "SELECT 1 FROM contacts WHERE village_chat_id = ? AND user_id = ? "
            "AND removed_at IS NULL",
            (village_chat_id, user_id),
        )
        is not None
    )


# Every column of these tables that holds a group's chat id (storage.chats.migrate_chat).
_CHAT_COLUMNS = (
    ("link_codes", "members_chat_id"),
    ("link_codes", "used_by_chat_id"),
    ("links", "members_chat_id"),
    ("links", "village_chat_id"),
    ("links", "ended_from_chat"),
    ("contacts", "village_chat_id"),
    ("contacts", "members_chat_id"),
    ("referrals", "village_chat_id"),
    ("referrals", "members_chat_id"),
)


async def move_chat(tx: Tx, old_id: int, new_id: int) -> None:
    """A group upgraded to a supergroup keeps its links, contact members and referrals."""
    for table, column in _CHAT_COLUMNS:
        await tx.execute(f"UPDATE {table} SET {column} = ? WHERE {column} = ?", (new_id, old_id))
    await consultations.move_chat(tx, old_id, new_id)


# ----- the export ------------------------------------------------------------------------------
async def export_links(tx: Tx, chat_id: int) -> list[dict[str, Any]]:
    """The group's links (both ends, ended ones too) and contact members, for the JSON export."""
    out = []
    for link in await all_links(tx, chat_id):
        out.append(
            {
                "id": link.id,
                "members_group": {"chat_id": link.members_chat_id, "title": link.members_title},
                "village_group": {"chat_id": link.village_chat_id, "title": link.village_title},
                "this_group_is": "members" if link.members_chat_id == chat_id else "village",
                "status": "live" if link.live else "ended",
                "linked_by": link.linked_by,
                "linked_at": to_db(link.linked_at),
                "ended_at": to_db(link.ended_at),
                "ended_by": link.ended_by,
            }
        )
    return out


async def export_contacts(tx: Tx, chat_id: int) -> list[dict[str, Any]]:
    rows = await tx.fetchall(
        "SELECT * FROM contacts WHERE village_chat_id = ? ORDER BY id", (chat_id,)
    )
    return [
        {
            "user_id": r["user_id"],
            "members_chat_id": r["members_chat_id"],
            "added_by": r["added_by"],
            "added_at": r["added_at"],
            "removed_at": r["removed_at"],
        }
        for r in rows
    ]
