"""Topic setting, step by step: propose, second, withdraw, accept, decline, merge, /topics, /topic."""

from __future__ import annotations

from datetime import timedelta

from storage import topics as topic_repo
from storage import views as view_repo
from tests.kit.story import button_labels, buttons


async def english_group(world):
    group = world.group("Dongshan village")
    chen = group.convenor("chen", language="en")
    await chen.says("/language en")
    assert group.last_bot_message()["text"] == "This group now speaks English."
    return group, chen


async def topic_of(world, group, number):
    async with world.rt.db.read() as tx:
        return await topic_repo.get_topic(tx, group.chat_id, number)


async def history_of(world, topic_id):
    async with world.rt.db.read() as tx:
        return await topic_repo.history(tx, topic_id)


async def supporters_of(world, topic_id):
    async with world.rt.db.read() as tx:
        return await topic_repo.supporters(tx, topic_id)


def current(world, group, message):
    return world.api.messages[(group.chat_id, message["message_id"])]


# ----- propose ---------------------------------------------------------------------------


async def test_propose_with_details_posts_a_card_and_stores_the_topic(world):
    group, _chen = await english_group(world)
    alice = group.member("alice", language="en")
    await alice.says("/propose Fix the well\nIt leaks.\nSince May.")
    card = group.last_bot_message()
    assert card["text"].startswith("Topic #1: Fix the well")
    assert "It leaks.\nSince May." in card["text"]
    assert "Proposed by Alice · waiting to be accepted · seconded by 0 people" in card["text"]
    labels = button_labels(card)
    assert any("Second (0)" in label for label in labels)
    assert any("Accept" in label for label in labels)

    topic = await topic_of(world, group, 1)
    assert topic.title == "Fix the well"
    assert topic.details == "It leaks.\nSince May."
    assert topic.status == "proposed" and topic.proposer_id == alice.id
    assert topic.card_message_id == card["message_id"]
    assert [h.event for h in await history_of(world, topic.id)] == ["proposed"]


async def test_topics_are_numbered_per_group(world):
    group, _chen = await english_group(world)
    other = world.group("Xishan village")
    alice = group.member("alice", language="en")
    bob = other.member("bob", language="en")
    await alice.says("/propose First here")
    await alice.says("/propose Second here")
    await bob.says("/propose First there")
    assert (await topic_of(world, group, 2)).title == "Second here"
    assert (await topic_of(world, other, 1)).title == "First there"
    assert await topic_of(world, other, 2) is None


async def test_propose_alone_asks_then_a_reply_creates_the_topic(world):
    group, _chen = await english_group(world)
    alice = group.member("alice", language="en")
    await alice.says("/propose")
    prompt = group.last_bot_message()
    assert prompt["text"].startswith("Alice, reply to this message with the title")
    assert prompt["asked"].get("force_reply") is True
    assert prompt["asked"].get("selective") is True
    assert await topic_of(world, group, 1) is None

    await alice.replies_to(prompt, "Fix the road\nPotholes everywhere")
    topic = await topic_of(world, group, 1)
    assert topic.title == "Fix the road" and topic.details == "Potholes everywhere"
    assert topic.proposer_id == alice.id
    assert "Topic #1: Fix the road" in group.last_bot_message()["text"]
    # The answered question is removed from the group.
    assert (group.chat_id, prompt["message_id"]) not in world.api.messages

    # The question was answered: a second reply to it proposes nothing more.
    await alice.replies_to(prompt, "Another title")
    assert await topic_of(world, group, 2) is None


async def test_a_reply_by_someone_else_to_the_prompt_is_ignored(world):
    group, _chen = await english_group(world)
    alice = group.member("alice", language="en")
    bob = group.member("bob", language="en")
    await alice.says("/propose")
    prompt = group.last_bot_message()
    sent_before = len(group.sent())

    await bob.replies_to(prompt, "Bob's own title")
    assert len(group.sent()) == sent_before  # Bob was asked nothing
    await alice.says("just chatting, not an answer")
    await alice.says("still chatting")
    assert await topic_of(world, group, 1) is None
    # Alice, whose question is open, is told once (and only once) to reply to it.
    assert len(group.sent()) == sent_before + 1
    assert group.last_bot_message()["text"].startswith("Alice, I did not take this as your answer")

    await alice.replies_to(prompt, "Alice's title")
    topic = await topic_of(world, group, 1)
    assert topic.title == "Alice's title" and topic.proposer_id == alice.id


# ----- second ---------------------------------------------------------------------------


async def test_second_with_the_button_counts_once_and_refreshes_the_card(world):
    group, _chen = await english_group(world)
    alice = group.member("alice", language="en")
    bob = group.member("bob", language="en")
    await alice.says("/propose Fix the well")
    card = group.last_bot_message()

    answer = await bob.presses(card, "Second")
    assert answer is not None
    assert answer.params["text"] == "Thank you: topic #1 is now seconded by 1 person."
    assert not answer.params.get("show_alert")
    await bob.presses(card, "Second")
    await world.run_due()
    shown = current(world, group, card)
    assert "seconded by 1 person" in shown["text"]
    assert any("Second (1)" in label for label in button_labels(shown))
    topic = await topic_of(world, group, 1)
    assert await supporters_of(world, topic.id) == [bob.id]


async def test_second_with_the_command_counts_each_member_once(world):
    group, _chen = await english_group(world)
    alice = group.member("alice", language="en")
    bob = group.member("bob", language="en")
    carol = group.member("carol", language="en")
    await alice.says("/propose Fix the well")
    card = group.last_bot_message()
    await carol.says("/support 1")
    assert group.last_bot_message()["text"] == "Thank you: topic #1 is now seconded by 1 person."
    await bob.says("/support #1")
    assert group.last_bot_message()["text"] == "Thank you: topic #1 is now seconded by 2 people."
    await carol.says("/support 1")
    await carol.presses(card, "Second")
    await world.run_due()
    assert "seconded by 2 people" in current(world, group, card)["text"]
    topic = await topic_of(world, group, 1)
    assert sorted(await supporters_of(world, topic.id)) == sorted([bob.id, carol.id])


DOUBLE_SECOND_BUG = (
    "BUG: storage/db.py Tx.execute (line 36) returns cursor.lastrowid for every INSERT, so "
    "storage/topics.py add_supporter's `INSERT OR IGNORE ... > 0` is true even when the row "
    "was ignored (supporters is WITHOUT ROWID; lastrowid is the connection's last rowid): a "
    "second 'Second' is thanked again ('Thank you: 1 now support') and a duplicate "
    "'supported' history row is written"
)


async def test_a_second_second_by_button_is_acknowledged_as_such(world):
    group, _chen = await english_group(world)
    alice = group.member("alice", language="en")
    bob = group.member("bob", language="en")
    await alice.says("/propose Fix the well")
    card = group.last_bot_message()
    await bob.presses(card, "Second")
    again = await bob.presses(card, "Second")
    assert again.params["text"] == "You already support topic #1."
    topic = await topic_of(world, group, 1)
    assert [h.event for h in await history_of(world, topic.id)].count("supported") == 1


async def test_a_second_support_command_is_acknowledged_as_such(world):
    group, _chen = await english_group(world)
    alice = group.member("alice", language="en")
    carol = group.member("carol", language="en")
    await alice.says("/propose Fix the well")
    await carol.says("/support 1")
    await carol.says("/support 1")
    assert group.last_bot_message()["text"] == "You already support topic #1."


# ----- withdraw ---------------------------------------------------------------------------


async def test_proposer_withdraws_a_proposal(world):
    group, _chen = await english_group(world)
    alice = group.member("alice", language="en")
    await alice.says("/propose Fix the well")
    card = group.last_bot_message()
    await alice.says("/withdraw 1")
    assert group.last_bot_message()["text"] == "Topic #1 was withdrawn by its proposer."
    topic = await topic_of(world, group, 1)
    assert topic.status == "withdrawn"
    assert [h.event for h in await history_of(world, topic.id)][-1] == "withdrawn"
    await world.run_due()
    shown = current(world, group, card)
    assert "withdrawn" in shown["text"] and not buttons(shown)


async def test_others_cannot_withdraw_a_proposal(world):
    group, chen = await english_group(world)
    alice = group.member("alice", language="en")
    bob = group.member("bob", language="en")
    await alice.says("/propose Fix the well")
    await bob.says("/withdraw 1")
    assert group.last_bot_message()["text"] == "Only the member who proposed topic #1 can do that."
    await chen.says("/withdraw 1")
    assert group.last_bot_message()["text"] == "Only the member who proposed topic #1 can do that."
    assert (await topic_of(world, group, 1)).status == "proposed"


async def test_proposer_cannot_withdraw_once_accepted(world):
    group, chen = await english_group(world)
    alice = group.member("alice", language="en")
    await alice.says("/propose Fix the well")
    await chen.says("/accept 1")
    await alice.says("/withdraw 1")
    assert group.last_bot_message()["text"] == "Topic #1 is deliberating: that cannot be done now."
    assert (await topic_of(world, group, 1)).status == "deliberating"


# ----- accept, decline, merge ---------------------------------------------------------------


async def test_convenor_accepts_with_durations(world):
    group, chen = await english_group(world)
    alice = group.member("alice", language="en")
    await alice.says("/propose Fix the well")
    proposal_card = group.last_bot_message()
    accepted_at = world.clock.now()
    await chen.says("/accept 1 2d 12h")

    topic = await topic_of(world, group, 1)
    assert topic.status == "deliberating"
    assert topic.phase_deadline == accepted_at + timedelta(days=2)
    assert topic.vote_duration_s == 12 * 3600
    assert [h.event for h in await history_of(world, topic.id)][-1] == "accepted"

    card = group.last_bot_message()
    assert card["message_id"] == topic.card_message_id != proposal_card["message_id"]
    assert "Views close" in card["text"] and "views being gathered" in card["text"]
    labels = button_labels(card)
    for stance in ("Support", "Oppose", "Concern", "Suggestion", "All views", "Anonymous"):
        assert any(stance in label for label in labels), (stance, labels)
    # The proposal card loses its Second and Accept buttons.
    assert not buttons(current(world, group, proposal_card))


async def test_convenor_accepts_with_the_card_button_and_the_default_schedule(world):
    group, chen = await english_group(world)
    alice = group.member("alice", language="en")
    await alice.says("/propose Fix the well")
    card = group.last_bot_message()
    accepted_at = world.clock.now()
    answer = await chen.presses(card, "Accept")
    assert answer.params["text"] == "Topic #1 accepted."
    topic = await topic_of(world, group, 1)
    assert topic.status == "deliberating"
    assert topic.phase_deadline == accepted_at + timedelta(days=3)
    assert topic.vote_duration_s == 2 * 86400


async def test_a_member_pressing_accept_is_refused_with_an_alert(world):
    group, _chen = await english_group(world)
    alice = group.member("alice", language="en")
    bob = group.member("bob", language="en")
    await alice.says("/propose Fix the well")
    card = group.last_bot_message()
    answer = await bob.presses(card, "Accept")
    assert answer.params["text"] == "Only a convenor of this group can do that."
    assert answer.params["show_alert"] is True
    assert (await topic_of(world, group, 1)).status == "proposed"


async def test_convenor_declines_with_a_reason(world):
    group, chen = await english_group(world)
    alice = group.member("alice", language="en")
    await alice.says("/propose Paint the town hall gold")
    await chen.says("/decline 1 Not a matter for the village fund")
    assert (
        group.last_bot_message()["text"]
        == "Topic #1 was declined: Not a matter for the village fund"
    )
    topic = await topic_of(world, group, 1)
    assert topic.status == "declined"
    last = (await history_of(world, topic.id))[-1]
    assert last.event == "declined"
    assert last.detail == {"reason": "Not a matter for the village fund"}
    assert last.actor_id == chen.id


async def test_merge_moves_supporters_and_views_and_records_it(world):
    group, chen = await english_group(world)
    alice, bob, carol, dan = (
        group.member(n, language="en") for n in ("alice", "bob", "carol", "dan")
    )
    await alice.says("/propose Fix the well")
    await dan.says("/propose Repair the village well")
    await bob.says("/support 1")
    await carol.says("/support 1")
    await bob.says("/support 2")
    await chen.says("/accept 1")
    await chen.says("/accept 2")
    await carol.says("/view 1 concern Who pays?")
    await dan.says("/view 2 support Yes please")

    await chen.says("/merge 1 2")
    assert group.last_bot_message()["text"] == (
        "Topic #1 was merged into #2; its supporters and 1 views moved over."
    )
    source, target = await topic_of(world, group, 1), await topic_of(world, group, 2)
    assert source.status == "merged" and source.merged_into == target.id
    assert target.status == "deliberating"
    assert sorted(await supporters_of(world, target.id)) == sorted([bob.id, carol.id])
    async with world.rt.db.read() as tx:
        moved = await view_repo.list_views(tx, target.id)
        left = await view_repo.list_views(tx, source.id)
    assert not left
    assert [(v.number, v.author_id, v.stance, v.text) for v in moved] == [
        (1, dan.id, "support", "Yes please"),
        (2, carol.id, "concern", "Who pays?"),
    ]
    source_history = await history_of(world, source.id)
    target_history = await history_of(world, target.id)
    assert source_history[-1].event == "merged" and source_history[-1].detail == {"into": 2}
    assert target_history[-1].event == "merged_in"
    assert target_history[-1].detail == {"from": 1, "views": 1}


async def test_merging_a_proposal_into_a_proposal(world):
    group, chen = await english_group(world)
    alice = group.member("alice", language="en")
    bob = group.member("bob", language="en")
    await alice.says("/propose Fix the well")
    await alice.says("/propose Well again")
    await bob.says("/support 2")
    await chen.says("/merge 2 1")
    source, target = await topic_of(world, group, 2), await topic_of(world, group, 1)
    assert source.status == "merged" and target.status == "proposed"
    assert await supporters_of(world, target.id) == [bob.id]


# ----- /topics and /topic ---------------------------------------------------------------


async def test_topics_lists_open_topics_by_phase(world):
    group, chen = await english_group(world)
    alice = group.member("alice", language="en")
    await alice.says("/topics")
    assert "No open topics" in group.last_bot_message()["text"]
    for title in ("Fix the well", "Light the lane", "Paint the hall", "Plant trees"):
        await alice.says(f"/propose {title}")
    await chen.says("/accept 2")
    await chen.says("/decline 3 Too costly")
    await alice.says("/topics")
    listing = group.last_bot_message()["text"]
    assert listing.startswith("Open topics")
    proposed_at = listing.index("waiting to be accepted")
    deliberating_at = listing.index("deliberating")
    assert listing.index("#1 Fix the well") > proposed_at
    assert listing.index("#4 Plant trees") > proposed_at
    assert deliberating_at < listing.index("#2 Light the lane")
    assert "Paint the hall" not in listing


async def test_topic_reposts_the_card_and_remembers_the_new_one(world):
    group, chen = await english_group(world)
    alice = group.member("alice", language="en")
    await alice.says("/propose Fix the well\nIt leaks.")
    await chen.says("/accept 1")
    old = (await topic_of(world, group, 1)).card_message_id
    await alice.says("chatter")
    await alice.says("/topic 1")
    card = group.last_bot_message()
    assert "Topic #1: Fix the well" in card["text"] and "It leaks." in card["text"]
    assert any("Support" in label for label in button_labels(card))
    topic = await topic_of(world, group, 1)
    assert topic.card_message_id == card["message_id"] != old
