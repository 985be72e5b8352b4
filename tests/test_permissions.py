"""Every convenor-only action, tried by a member, by another bot, and by someone who is not in
the group (any more): refused with a clear reply, and nothing changes."""

from __future__ import annotations

import pytest

from tests.kit.story import World

TABLES = (
    "topics", "supporters", "views", "drafts", "votes", "ballots", "history", "convenors",
    "actions", "scheduled", "chats",
)  # fmt: skip

# Each command with arguments that a convenor could carry out at the stage set up below.
CONVENOR_ONLY = [
    "/accept 1",
    "/decline 1 not our business",
    "/merge 1 2",
    "/vote 3 1",
    "/close 4",
    "/round 5 views",
    "/end 5",
    "/action 6 14d Paint the poles",
    "/drop A1 no budget",
    "/reopen 6",
    "/settings quorum 5",
    "/language en",
]


async def snapshot(world: World) -> dict[str, list]:
    async with world.rt.db.read() as tx:
        return {t: [tuple(r) for r in await tx.fetchall(f"SELECT * FROM {t}")] for t in TABLES}


async def stage(world: World):
    """Topics in every phase a convenor acts on: 1, 2 proposed; 3 deliberating with a draft;
    4 voting; 5 not adopted; 6 adopted with action A1."""
    group = world.group()
    chen = group.convenor("chen", language="en")
    await chen.says("/language en")
    members = [group.member(n, language="en") for n in ("alice", "bob", "carol")]
    for title in ("Road", "Road again", "Well", "Bridge", "Pond", "Lights"):
        await members[0].says(f"/propose {title}")
    for number in (3, 4, 5, 6):
        await chen.says(f"/accept {number} 1d 1d")
        await members[0].says(f"/draft {number} Do it well.")
    await chen.says("/vote 4 1")
    for number in (5, 6):
        await chen.says(f"/vote {number} 1")
        ballot = world.api.messages[(group.chat_id, group.last_bot_message()["message_id"])]
        for person in members:
            await person.presses(ballot, "Disagree" if number == 5 else "Agree")
        await chen.says(f"/close {number}")
    await chen.says("/action 6 30d Buy lamps")
    return group


@pytest.mark.parametrize("command", CONVENOR_ONLY)
@pytest.mark.parametrize("who", ["member", "bot", "outsider"])
async def test_convenor_only_action_is_refused(world, command, who):
    group = await stage(world)
    if who == "member":
        person = group.member("dora", language="en")
    elif who == "bot":
        other = world.person("helperbot", language="en")
        other.user["is_bot"] = True
        person = group.add(other)
    else:
        # Someone of another chat: not (or no longer) a member of this group.
        stranger = world.person("stranger", language="en")
        person = group.add(stranger, status="left")
    before = await snapshot(world)
    sent_before = len(group.sent())
    await person.says(command)
    assert await snapshot(world) == before, f"{command} by a {who} changed the record"
    replies = [c.text for c in group.sent()[sent_before:]]
    assert len(replies) == 1, replies
    assert replies[0] in (
        "Only a convenor of this group can do that.",
        "Only members of this group can do that.",
    ), replies[0]
