"""The inbox: updates received from Telegram, kept until they have been handled."""

from __future__ import annotations

from storage.db import Tx


async def store(tx: Tx, update_id: int, payload: str) -> None:
    await tx.execute(
        "INSERT OR IGNORE INTO inbox(update_id, payload) VALUES (?, ?)", (update_id, payload)
    )


async def forget(tx: Tx, update_ids: list[int]) -> None:
    await tx.executemany("DELETE FROM inbox WHERE update_id = ?", [(u,) for u in update_ids])


async def waiting(tx: Tx) -> list[tuple[int, str]]:
    rows = await tx.fetchall("SELECT update_id, payload FROM inbox ORDER BY update_id")
    return [(r[0], r[1]) for r in rows]
