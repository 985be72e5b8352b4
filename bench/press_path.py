"""The path of one ballot press, hop by hop: which function of ours handed work to aiosqlite's
thread, and how many COMMITs the press cost, for a member the bot already knows and for one
it meets for the first time. Run: python -m bench.press_path

Each hop is attributed to the innermost frame in bot/, handlers/ or storage/ (outside the
hand-off helpers themselves), so the listing reads as the path an update takes.
"""

from __future__ import annotations

import asyncio
import inspect
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

import aiosqlite.core

import storage.db
from bench.counting import counting
from bench.workload import with_button
from bench.world import BenchWorld

OURS = ("/bot/", "/handlers/", "/storage/")
PLUMBING = ("storage/thread.py", "storage/db.py")


def _work_name(work: Any) -> str:
    # run_unit wraps the use case's own work (to write the member's name with it): show that.
    code = getattr(work, "__code__", None)
    if code is not None and "work" in code.co_freevars and work.__closure__:
        work = work.__closure__[code.co_freevars.index("work")].cell_contents
    return _plain_name(work)


def _plain_name(work: Any) -> str:
    name = getattr(work, "__qualname__", None) or getattr(
        getattr(work, "func", None), "__qualname__", "?"
    )
    module = getattr(work, "__module__", None) or getattr(
        getattr(work, "func", None), "__module__", ""
    )
    return f"{module}.{name.replace('.<locals>', '')}"


def _caller() -> str:
    """The innermost frame of ours that is not the hand-off itself (else the hand-off's, e.g. a
    transaction's BEGIN or COMMIT in storage/db.py)."""
    plumbing = None
    for frame in inspect.stack()[2:]:
        path = frame.filename.replace("\\", "/")
        if not any(p in path for p in OURS):
            continue
        short = path[path.rfind("/", 0, path.rfind("/")) + 1 :]
        if not path.endswith(PLUMBING):
            return f"{short}:{frame.function}"
        plumbing = plumbing or f"{short}:{frame.function}"
    return plumbing or "storage/db.py: BEGIN or COMMIT (awaited in a task of its own)"


def _group_label(fn: Any) -> str | None:
    """A group commit's hop, named by the units of work it carried."""
    group = getattr(fn, "keywords", {}).get("group")
    if group is None:
        return None
    kind = "write" if any(u.writes for u in group) else "read"
    return f"one {kind} group: " + ", ".join(_work_name(u.work) for u in group)


async def _press(world: BenchWorld, payload: dict[str, Any]) -> tuple[list[str], int]:
    hops: list[str] = []
    original_hand_off = getattr(storage.db, "in_db_thread", None)  # absent before units
    label: list[str | None] = [None]

    async def hand_off(conn: Any, fn: Any) -> Any:
        label[0] = _group_label(fn)
        return await original_hand_off(conn, fn)

    async def traced(self: Any, fn: Any, *args: Any, **kwargs: Any) -> Any:
        hops.append(label[0] or _caller())
        label[0] = None
        return await original(self, fn, *args, **kwargs)

    with counting() as counts:
        original = aiosqlite.core.Connection._execute  # counting's own wrapper
        aiosqlite.core.Connection._execute = traced  # type: ignore[method-assign]
        storage.db.in_db_thread = hand_off
        try:
            _data, update = world.update(payload)
            await world.process(update)
            await world.rt.inbox.flush()  # the batched marks, as the JobQueue would
        finally:
            aiosqlite.core.Connection._execute = original  # type: ignore[method-assign]
            storage.db.in_db_thread = original_hand_off
    return hops, counts.commits


async def main() -> None:
    tmp = Path(tempfile.mkdtemp())
    world = BenchWorld(tmp / "press.db")
    await world.boot()
    g = world.group(6)

    async def feed(payload: dict[str, Any]) -> list[dict[str, Any]]:
        _data, update = world.update(payload)
        await world.process(update)
        return list(world.api.sent)

    await feed(g.says(g.members[0], "/propose 修缮村口水井\n水井年久失修"))
    await feed(g.says(g.convenor, "/accept 1"))
    await feed(g.says(g.members[1], "/draft 1 村委会年内修缮水井"))
    card = with_button(await feed(g.says(g.convenor, "/vote 1 1")), "bal:")
    assert card is not None
    await feed(g.says(g.members[2], "/view 1 support 好"))  # a known member
    await world.rt.inbox.flush()
    for who, person in (("known member", g.members[2]), ("new member", g.members[3])):
        payload = g.presses(person, card["message_id"], lambda d: d.startswith("bal:"))
        hops, commits = await _press(world, payload)
        print(f"One ballot press by a {who}: {len(hops)} hops, {commits} commits")
        for name, n in Counter(hops).items():
            print(f"  {n} x {name}")
    await world.stop()


if __name__ == "__main__":
    asyncio.run(main())
