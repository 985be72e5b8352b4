"""Every convenor-only action, tried by a member, by another bot, by someone who is not in the
group (any more) and by a channel: refused with a clear reply, and nothing changes. The group's
anonymous administrators convene but have no voice; people outside the group pressing the
buttons of a public group change nothing."""

from __future__ import annotations

import itertools

import pytest

from tests.kit.story import Member, World, buttons

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
    "/action 6 14d Paint the poles @carol",
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
    hello = await members[1].says("I will buy them")
    await chen.replies_to(hello, "/action 6 30d Buy lamps")
    return group


CHANNEL_ASKED = (
    "You are writing as a channel. Here every voice is a person's: please write as yourself "
    "(tap the picture next to the message box and choose your own name), then send it again. "
    "Nothing was recorded."
)
NO_VOICE = (
    "You are writing as the group (an anonymous administrator), a name every anonymous "
    "administrator shares. Seconding, views and ballots count one person, one voice, so they "
    "need you as yourself: turn off “Remain anonymous” in your administrator rights, or press "
    "the card's buttons, which know who you are."
)
REFUSALS = (
    "Only a convenor of this group can do that.",
    "Only members of this group can do that.",
    "Only an owner of this action or a convenor can do that.",
)


@pytest.mark.parametrize("command", CONVENOR_ONLY)
@pytest.mark.parametrize("who", ["member", "bot", "outsider", "channel"])
async def test_convenor_only_action_is_refused(world, command, who):
    group = await stage(world)
    if who == "channel":
        person = group.channel("Dongshan news")
    elif who == "member":
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
    if who == "channel":
        assert replies == [CHANNEL_ASKED]
    else:
        assert replies[0] in REFUSALS[:2], replies[0]


# What counts one person, one voice, each possible at the stage set up above.
VOICES = ["/support 1", "/view 3 support Good idea", "/ballot 4 agree", "/ballot 4 block No"]


@pytest.mark.parametrize(
    ("command", "voice"), list(zip(CONVENOR_ONLY, itertools.cycle(VOICES), strict=False))
)
async def test_an_anonymous_administrator_convenes_but_has_no_voice(world, command, voice):
    group = await stage(world)
    admin = group.anonymous_admin()
    before = await snapshot(world)
    sent_before = len(group.sent())
    await admin.says(voice)
    assert await snapshot(world) == before, f"{voice} by the group changed the record"
    assert [c.text for c in group.sent()[sent_before:]] == [NO_VOICE]

    sent_before = len(group.sent())
    await admin.says(command)
    replies = [c.text for c in group.sent()[sent_before:]]
    assert not any(r in REFUSALS or r == NO_VOICE for r in replies), replies
    if command != "/language en":  # already English: nothing to change
        assert await snapshot(world) != before, f"{command} by the group did nothing"


def card_with(group, label: str, text: str) -> dict:
    """The latest message of the bot about `text` that has a button `label`."""
    for message in reversed(group.bot_messages()):
        current = group.world.api.messages[(group.chat_id, message["message_id"])]
        labels = [b["text"] for b in buttons(current)]
        if text in current["text"] and any(label in b for b in labels):
            return current
    raise AssertionError(f"no card about {text!r} with a button {label!r}")


# (the card's text, the button) for every button that counts a voice, at the stage above;
# "later" ones are on the follow-up card, a week on. (The convenors' buttons are refused to
# anyone who is not one: Telegram says they are not an administrator.)
BUTTONS = [
    ("Topic #1", "Second", False),
    ("Topic #3", "Support", False),
    ("Topic #3", "Suggestion", False),
    ("topic #4", "Agree", False),
    ("topic #4", "Disagree", False),
    ("topic #4", "Block", False),
    ("Follow-up on topic #6", "Satisfied", True),
    ("Follow-up on topic #6", "Not satisfied", True),
]


@pytest.mark.parametrize(("about", "label", "later"), BUTTONS, ids=lambda v: str(v))
@pytest.mark.parametrize("status", ["left", "kicked", "restricted"])
async def test_people_outside_the_group_pressing_buttons_change_nothing(
    world, about, label, later, status
):
    group = await stage(world)
    if later:
        await world.advance(days=7)
    card = card_with(group, label, about)
    stranger: Member = group.add(world.person("stranger", language="en"))
    if status == "restricted":
        group.restrict(stranger, is_member=False)  # restricted, and no longer in the group
    else:
        world.api.set_status(group.chat_id, stranger.id, status)
    before = await snapshot(world)
    sent_before = len(group.sent())
    answer = await stranger.presses(card, label)
    assert await snapshot(world) == before, f"{label} by someone outside changed the record"
    assert answer is not None and answer.params["text"] in REFUSALS, answer
    assert group.sent()[sent_before:] == [], "nobody outside the group is asked anything"
