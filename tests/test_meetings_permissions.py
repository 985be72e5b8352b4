"""Issue 13's new actions behind the permissions table, each tried by a member, a convenor, a
convenor of another group, a bot and a stranger: only the convenor (or, for the RSVP buttons,
each member in person) changes anything; everyone else gets one clear reply and nothing
changes."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.kit.story import World

TABLES = ("topics", "history", "votes", "ballots", "scheduled")


async def snapshot(world: World) -> dict[str, list]:
    async with world.rt.db.read() as tx:
        return {t: [tuple(r) for r in await tx.fetchall(f"SELECT * FROM {t}")] for t in TABLES}


async def stage(world: World):
    """东山村: topic 1 deliberating; 西山村 has its own convenor, who is no member here."""
    world.clock.set(datetime(2026, 3, 2, 2, 0, tzinfo=UTC))
    group = world.group("东山村")
    chen = group.convenor("chen")
    wang = group.member("wang")
    await wang.says("/propose 修村口的路")
    await chen.says("/accept 1 3天 1天")
    other = world.group("西山村")
    li = other.convenor("li")
    return group, chen, wang, li


# Each convenor command, with arguments a convenor could carry out at the stage above.
CONVENOR_COMMANDS = ["/form 1 圆桌会谈"]
ONLY_CONVENOR = "只有本群的召集人可以进行此操作。"
ONLY_MEMBERS = "只有本群成员可以进行此操作。"


@pytest.mark.parametrize("command", CONVENOR_COMMANDS)
@pytest.mark.parametrize("who", ["member", "other_convenor", "bot", "stranger"])
async def test_convenor_command_refused_to_anyone_else(world, command, who):
    group, chen, wang, li = await stage(world)
    if who == "member":
        person = wang
    elif who == "other_convenor":
        # The convenor of 西山村 writes in 东山村, where they are no member.
        person = group.add(li, status="left")
    elif who == "bot":
        other = world.person("helperbot")
        other.user["is_bot"] = True
        person = group.add(other)
    else:
        person = group.add(world.person("stranger"), status="left")
    before = await snapshot(world)
    sent_before = len(group.sent())
    await person.says(command)
    assert await snapshot(world) == before, f"{command} by a {who} changed the record"
    replies = [c.text for c in group.sent()[sent_before:]]
    assert len(replies) == 1 and replies[0] in (ONLY_CONVENOR, ONLY_MEMBERS), replies


@pytest.mark.parametrize("command", CONVENOR_COMMANDS)
async def test_the_convenor_may(world, command):
    group, chen, wang, li = await stage(world)
    before = await snapshot(world)
    await chen.says(command)
    assert await snapshot(world) != before, f"{command} by the convenor did nothing"
