"""Consensus wording, step by step: /draft, /amend as a reply (history, versions, parents), /drafts."""

from __future__ import annotations

from storage import drafts as draft_repo
from storage import topics as topic_repo


async def deliberating(world):
    group = world.group("Dongshan village")
    chen = group.convenor("chen", language="en")
    await chen.says("/language en")
    alice = group.member("alice", language="en")
    await alice.says("/propose Fix the well")
    await chen.says("/accept 1")
    return group, chen, alice


async def drafts_of(world, group, number=1):
    async with world.rt.db.read() as tx:
        topic = await topic_repo.get_topic(tx, group.chat_id, number)
        return await draft_repo.list_drafts(tx, topic.id)


async def history_of(world, group, number=1):
    async with world.rt.db.read() as tx:
        topic = await topic_repo.get_topic(tx, group.chat_id, number)
        return await topic_repo.history(tx, topic.id)


async def test_draft_is_posted_and_remembered(world):
    group, _chen, alice = await deliberating(world)
    await alice.says("/draft 1 Repair the well this year, shared per household.")
    posted = group.last_bot_message()
    assert posted["text"].startswith("Draft 1 for topic #1 by Alice:")
    assert "Repair the well this year, shared per household." in posted["text"]
    assert "/amend" in posted["text"] and "/vote 1 1" in posted["text"]
    [draft] = await drafts_of(world, group)
    assert (draft.number, draft.version, draft.parent_no, draft.author_id) == (1, 1, None, alice.id)
    assert draft.text == "Repair the well this year, shared per household."
    assert draft.message_id == posted["message_id"]
    assert (await history_of(world, group))[-1].event == "draft"


async def test_draft_keeps_line_breaks(world):
    group, _chen, alice = await deliberating(world)
    await alice.says("/draft 1 First: repair.\nSecond: publish the budget.")
    [draft] = await drafts_of(world, group)
    assert draft.text == "First: repair.\nSecond: publish the budget."


async def test_amend_makes_a_new_version_and_keeps_the_parent(world):
    group, _chen, alice = await deliberating(world)
    emma = group.member("emma", language="en")
    bob = group.member("bob", language="en")
    await alice.says("/draft 1 Repair the well, shared per household.")
    first = group.last_bot_message()
    await emma.replies_to(first, "/amend Repair the well, paid by the village fund.")
    second = group.last_bot_message()
    assert second["text"].startswith("Draft 2 for topic #1, amending draft 1, by Emma:")
    await bob.replies_to(second, "/amend Repair the well by June, paid by the village fund.")
    third = group.last_bot_message()
    assert third["text"].startswith("Draft 3 for topic #1, amending draft 2, by Bob:")
    # An amendment of the first draft again: version 2, parent 1.
    await bob.replies_to(first, "/amend Repair the well, paid half by the county.")

    rows = await drafts_of(world, group)
    assert [(d.number, d.version, d.parent_no, d.author_id) for d in rows] == [
        (1, 1, None, alice.id),
        (2, 2, 1, emma.id),
        (3, 3, 2, bob.id),
        (4, 2, 1, bob.id),
    ]
    assert rows[0].text == "Repair the well, shared per household."
    assert rows[1].message_id == second["message_id"]
    amended = [h.detail for h in await history_of(world, group) if h.event == "amended"]
    assert amended == [
        {"parent": 1, "draft": 2},
        {"parent": 2, "draft": 3},
        {"parent": 1, "draft": 4},
    ]


async def test_amend_with_the_same_wording_is_refused(world):
    group, _chen, alice = await deliberating(world)
    await alice.says("/draft 1 Repair the well.")
    first = group.last_bot_message()
    await alice.replies_to(first, "/amend Repair the well.")
    assert group.last_bot_message()["text"] == "The new wording is the same as draft 1."
    assert len(await drafts_of(world, group)) == 1


async def test_amend_not_replying_to_a_draft_is_explained(world):
    group, _chen, alice = await deliberating(world)
    chatter = await alice.says("what do you think?")
    await alice.says("/amend Repair it")
    assert group.last_bot_message()["text"] == (
        "Reply to a draft's message with /amend and the new wording."
    )
    await alice.replies_to(chatter, "/amend Repair it")
    assert group.last_bot_message()["text"] == (
        "That message is not a draft: reply to a draft's message with /amend."
    )
    assert await drafts_of(world, group) == []


async def test_drafts_lists_versions_and_parents(world):
    group, _chen, alice = await deliberating(world)
    emma = group.member("emma", language="en")
    await alice.says("/drafts 1")
    assert "No drafts yet" in group.last_bot_message()["text"]
    await alice.says("/draft 1 Repair the well.")
    await emma.replies_to(group.last_bot_message(), "/amend Repair the well by June.")
    await emma.says("/drafts 1")
    listing = group.last_bot_message()["text"]
    assert listing.startswith("Drafts of topic #1: Fix the well")
    assert "Draft 1 (new) by Alice" in listing
    assert "Draft 2 (amends draft 1) by Emma" in listing
    assert listing.index("Repair the well.") < listing.index("Repair the well by June.")


async def test_drafts_go_on_after_views_close(world):
    group, _chen, alice = await deliberating(world)
    await world.advance(days=4)
    await alice.says("/draft 1 Repair the well.")
    assert len(await drafts_of(world, group)) == 1


async def test_no_draft_before_acceptance(world):
    group, _chen, alice = await deliberating(world)
    await alice.says("/propose Light the lane")
    await alice.says("/draft 2 Lamps every 30 m.")
    assert (
        group.last_bot_message()["text"]
        == "Topic #2 is waiting to be accepted: that cannot be done now."
    )
    assert await drafts_of(world, group, 2) == []
