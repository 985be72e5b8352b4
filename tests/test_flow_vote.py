"""The vote, step by step: ballot card, toasts, coalesced edits, block reasons, private ballots,
secret ballots, closing by a convenor or the deadline, and what follows a failed vote."""

from __future__ import annotations

from datetime import timedelta

from storage import topics as topic_repo
from storage import views as view_repo
from storage import votes as vote_repo
from tests.kit.story import button_labels, buttons, deep_link_payload

NAMES = ("alice", "bob", "carol", "dan", "emma")


async def with_draft(world, names=NAMES, settings=()):
    """English group: convenor chen, members, topic #1 accepted, draft 1 posted."""
    group = world.group("Dongshan village")
    chen = group.convenor("chen", language="en")
    await chen.says("/language en")
    for key, value in settings:
        await chen.says(f"/settings {key} {value}")
    people = [group.member(n, language="en") for n in names]
    await people[0].says("/propose Fix the well")
    await chen.says("/accept 1")
    await people[0].says("/draft 1 Repair the well this year, paid by the village fund.")
    return group, chen, people


async def voting(world, names=NAMES, settings=(), duration="1d"):
    group, chen, people = await with_draft(world, names, settings)
    await chen.says(f"/vote 1 1 {duration}".strip())
    return group, chen, people, group.last_bot_message()


async def topic_of(world, group, number=1):
    async with world.rt.db.read() as tx:
        return await topic_repo.get_topic(tx, group.chat_id, number)


async def vote_of(world, group, number=1):
    topic = await topic_of(world, group, number)
    async with world.rt.db.read() as tx:
        return await vote_repo.current_vote(tx, topic.id)


async def ballots_of(world, group, number=1):
    vote = await vote_of(world, group, number)
    async with world.rt.db.read() as tx:
        return {b.user_id: b for b in await vote_repo.ballots(tx, vote.id)}


async def tally_of(world, group, number=1):
    vote = await vote_of(world, group, number)
    async with world.rt.db.read() as tx:
        return await vote_repo.tally(tx, vote.id)


def current(world, group, message):
    return world.api.messages[(group.chat_id, message["message_id"])]


def private_link(message):
    [link] = [b for b in buttons(message) if "Vote in private" in b["text"]]
    return deep_link_payload(link["url"])


# ----- the ballot card ---------------------------------------------------------------------


async def test_vote_posts_a_ballot_card_with_wording_rule_deadline_and_buttons(world):
    group, _chen, _people, ballot = await voting(world)
    text = ballot["text"]
    assert text.startswith("Vote on topic #1: Fix the well")
    assert "Draft 1:" in text
    assert "Repair the well this year, paid by the village fund." in text
    # chen + 5 members = 6 eligible (the bot is left out); a third of 6 is 2.
    assert (
        "Adopted if at least 2 of 6 members vote, agree reaches 2/3 of agree + disagree + block, "
        "and no block allowed." in text
    )
    assert "Closes " in text and "0 voted so far; at least 2 needed." in text
    labels = button_labels(ballot)
    for label in ("Agree", "Abstain", "Disagree", "Block", "Vote in private"):
        assert any(label in shown for shown in labels), (label, labels)
    assert private_link(ballot) == f"bv_{group.chat_id}_1"

    topic = await topic_of(world, group)
    vote = await vote_of(world, group)
    assert topic.status == "voting"
    assert vote.closes_at == topic.phase_deadline
    assert (vote.eligible, vote.quorum, vote.threshold, vote.blocks_allowed, vote.secret) == (
        6,
        2,
        "2/3",
        0,
        False,
    )
    assert vote.card_message_id == ballot["message_id"]


async def test_the_vote_duration_set_at_accept_is_the_default(world):
    group = world.group()
    chen = group.convenor("chen", language="en")
    await chen.says("/language en")
    alice = group.member("alice", language="en")
    await alice.says("/propose Fix the well")
    await chen.says("/accept 1 1d 5h")
    await alice.says("/draft 1 Repair it.")
    opened = world.clock.now()
    await chen.says("/vote 1 1")
    assert (await vote_of(world, group)).closes_at == opened + timedelta(hours=5)


async def test_group_rules_apply_to_the_vote(world):
    group, _chen, _people, ballot = await voting(
        world, settings=(("quorum", "5"), ("threshold", "75%"), ("blocks_allowed", "1"))
    )
    assert "at least 5 of 6 members vote, agree reaches 75%" in ballot["text"]
    assert "at most 1 blocks" in ballot["text"]


# ----- pressing buttons --------------------------------------------------------------------


async def test_a_press_answers_with_a_toast_and_no_group_message(world):
    group, _chen, people, ballot = await voting(world)
    sent_before = len(group.sent())
    answer = await people[1].presses(ballot, "Agree")
    assert answer.params["text"] == "Your ballot: agree. You can change it until the vote closes."
    assert not answer.params.get("show_alert")
    answer = await people[2].presses(ballot, "Abstain")
    assert answer.params["text"].startswith("Your ballot: abstain.")
    assert len(group.sent()) == sent_before
    assert await tally_of(world, group) == {"agree": 1, "abstain": 1}


async def test_thirty_presses_cost_at_most_a_couple_of_card_edits(world):
    names = tuple(f"member{i:02d}" for i in range(30))
    group, _chen, people, ballot = await voting(world, names=names)
    edits_before = len(group.edits())
    sent_before = len(group.sent())
    for index, person in enumerate(people):
        answer = await person.presses(ballot, "Agree" if index % 3 else "Disagree")
        assert answer is not None
    await world.run_due()
    assert len(group.edits()) - edits_before <= 2
    assert len(group.sent()) == sent_before
    assert "30 voted so far" in current(world, group, ballot)["text"]
    assert await tally_of(world, group) == {"agree": 20, "disagree": 10}


async def test_the_refreshed_ballot_card_keeps_every_button(world):
    group, _chen, people, ballot = await voting(world)
    before = button_labels(ballot)
    await people[1].presses(ballot, "Agree")
    await world.run_due()
    assert button_labels(current(world, group, ballot)) == before


async def test_changing_a_ballot_never_counts_twice(world):
    group, _chen, people, ballot = await voting(world)
    bob = people[1]
    await bob.presses(ballot, "Agree")
    await bob.presses(ballot, "Disagree")
    await bob.presses(ballot, "Disagree")
    await bob.says("/ballot 1 abstain")
    await bob.presses(ballot, "Agree")
    assert await tally_of(world, group) == {"agree": 1}
    [only] = (await ballots_of(world, group)).values()
    assert only.user_id == bob.id and only.choice == "agree"
    await world.run_due()
    assert "1 voted so far" in current(world, group, ballot)["text"]


async def test_ballot_command_in_the_group(world):
    group, _chen, people, _ballot = await voting(world)
    said = await people[3].says("/ballot 1 disagree Too costly for us")
    reactions = [
        c
        for c in world.api.calls_of("setMessageReaction", group.chat_id)
        if int(c.params["message_id"]) == said["message_id"]
    ]
    assert reactions
    ballot = (await ballots_of(world, group))[people[3].id]
    assert (ballot.choice, ballot.reason) == ("disagree", "Too costly for us")


async def test_block_needs_a_reason_asked_with_force_reply(world):
    group, _chen, people, ballot = await voting(world)
    carol, dan = people[2], people[3]
    answer = await carol.presses(ballot, "Block")
    assert answer.params["text"] == "A block needs a reason: reply to the bot's question."
    assert await tally_of(world, group) == {}
    prompt = group.last_bot_message()
    assert prompt["text"] == (
        "Carol, reply to this message with the reason for your block on topic #1."
    )
    assert prompt["asked"]["force_reply"] is True and prompt["asked"]["selective"] is True

    await dan.replies_to(prompt, "Dan has no business here")
    assert await tally_of(world, group) == {}

    await carol.replies_to(prompt, "The well is on my land")
    ballot_row = (await ballots_of(world, group))[carol.id]
    assert (ballot_row.choice, ballot_row.reason) == ("block", "The well is on my land")
    # The answered question is removed from the group.
    assert (group.chat_id, prompt["message_id"]) not in world.api.messages


async def test_block_by_command_without_a_reason_is_refused(world):
    group, _chen, people, _ballot = await voting(world)
    await people[2].says("/ballot 1 block")
    assert group.last_bot_message()["text"] == "A block needs a reason: /ballot 1 block your reason"
    assert await tally_of(world, group) == {}
    await people[2].says("/ballot 1 block It floods my field")
    assert await tally_of(world, group) == {"block": 1}


# ----- private ballots ---------------------------------------------------------------------


async def test_ballot_in_private_after_the_deep_link(world):
    group, _chen, people, ballot = await voting(world)
    emma = people[4]
    await emma.says_privately("/ballot 1 agree")
    assert emma.last_private_message()["text"] == (
        "Use this command in the group, or open the group's card link first."
    )
    assert await tally_of(world, group) == {}

    await emma.says_privately(f"/start {private_link(ballot)}")
    card = emma.last_private_message()
    assert "Vote on topic #1: Fix the well" in card["text"]
    assert "paid by the village fund" in card["text"]
    await emma.says_privately("/ballot 1 disagree The fund is for roads")
    assert emma.last_private_message()["text"].startswith(
        "Dongshan village · topic #1\nYour ballot: disagree."
    )
    mine = (await ballots_of(world, group))[emma.id]
    assert (mine.choice, mine.reason) == ("disagree", "The fund is for roads")

    answer = await emma.presses_privately(card, "Agree")
    assert answer.params["text"].startswith("Your ballot: agree.")
    assert await tally_of(world, group) == {"agree": 1}


async def test_private_ballot_link_refused_to_non_members(world):
    group, _chen, _people, ballot = await voting(world)
    stranger = world.person("stranger", language="en")
    world.api.set_status(group.chat_id, stranger.id, "left")
    await stranger.says_privately(f"/start {private_link(ballot)}")
    assert stranger.last_private_message()["text"] == "This link is for members of that group only."
    await stranger.says_privately("/ballot 1 agree")
    assert await tally_of(world, group) == {}


async def test_secret_ballot_shows_no_names(world):
    group, chen, people, ballot = await voting(world, settings=(("secret_ballot", "on"),))
    alice, bob, carol, dan, emma = people
    # Removing a member's message takes an administrator's right to delete messages; Telegram
    # tells the bot when it is given one (my_chat_member), and the open vote follows.
    await group.bot_becomes("administrator", can_delete_messages=True)
    assert "Secret ballot" in ballot["text"]
    await alice.presses(ballot, "Agree")
    await dan.presses(ballot, "Agree")
    said = await bob.says("/ballot 1 disagree Too expensive for us")
    assert (group.chat_id, said["message_id"]) not in world.api.messages, "still shown"

    # Carol has a private chat with the bot, where it can ask for her reason.
    await carol.starts_bot()
    sent_in_group = len(group.sent())
    answer = await carol.presses(ballot, "Block")
    assert answer.params["text"] == "I asked for your reason in our private chat."
    assert len(group.sent()) == sent_in_group
    prompt = carol.last_private_message()
    assert "reason for your block on topic #1" in prompt["text"]
    await carol.says_privately("It floods my field", reply_to=prompt)
    assert (await ballots_of(world, group))[carol.id].choice == "block"

    await chen.says("/close 1")
    result = group.last_bot_message()["text"]
    assert result.startswith("Topic #1 not adopted: Fix the well")
    assert "Minority note" in result
    assert "Too expensive for us" in result and "It floods my field" in result
    for person in people:
        assert person.name not in result
    for message in group.bot_messages():
        assert "Carol" not in message["text"] and "Bob" not in message["text"]


async def test_secret_block_by_someone_the_bot_cannot_write_to_is_refused_with_a_way_out(world):
    group, _chen, people, ballot = await voting(world, settings=(("secret_ballot", "on"),))
    carol = people[2]  # never opened a private chat with the bot: Telegram refuses it (403)
    sent_in_group = len(group.sent())
    answer = await carol.presses(ballot, "Block")
    assert answer.params["show_alert"] is True
    assert answer.params["text"].startswith("Under secret ballot I ask for the reason privately")
    assert len(group.sent()) == sent_in_group  # nothing about it in the group
    assert carol.private_messages() == []
    assert carol.id not in await ballots_of(world, group)
    # Once she has started the bot, the same press asks her privately.
    await carol.starts_bot()
    answer = await carol.presses(ballot, "Block")
    assert answer.params["text"] == "I asked for your reason in our private chat."
    assert "reason for your block on topic #1" in carol.last_private_message()["text"]


async def test_secret_ballot_command_is_refused_when_the_bot_may_not_delete_it(world):
    group, _chen, people, ballot = await voting(world, settings=(("secret_ballot", "on"),))
    bob = people[1]
    # The bot is no administrator: it could not take the command back from the group's eyes,
    # and the card says how to vote secretly.
    assert "do not type /ballot here" in ballot["text"]
    said = await bob.says("/ballot 1 disagree Too expensive for us")
    refusal = group.last_bot_message()
    assert refusal["text"].startswith("This vote is secret, but I may not delete messages here")
    assert refusal["reply_to_message"]["message_id"] == said["message_id"]
    assert bob.id not in await ballots_of(world, group)


# ----- closing -----------------------------------------------------------------------------


async def test_convenor_closes_and_the_result_card_states_every_rule(world):
    group, chen, people, ballot = await voting(world)
    alice, bob, carol, dan, _emma = people
    for person in (alice, carol, dan):
        await person.presses(ballot, "Agree")
    await bob.says("/ballot 1 disagree Too costly")
    await chen.says("/close 1")

    result = group.last_bot_message()["text"]
    assert result.startswith("Topic #1 adopted: Fix the well")
    assert "Repair the well this year, paid by the village fund." in result
    assert "✅ Agree 3 · ⚪ Abstain 0 · ❌ Disagree 1 · ⛔ Block 0" in result
    assert "✅ Quorum: 4 ballots cast, 2 needed" in result
    assert "✅ Threshold: 75% agree, 2/3 needed" in result
    assert "✅ Blocks: 0, at most 0 allowed" in result
    assert "Minority note\n• Bob: Too costly" in result

    vote = await vote_of(world, group)
    assert vote.result == "adopted" and vote.closed_at is not None
    assert (await topic_of(world, group)).status == "adopted"
    frozen = current(world, group, ballot)
    assert "This vote is closed." in frozen["text"]
    assert not [b for b in buttons(frozen) if "callback_data" in b]

    await chen.says("/close 1")
    assert group.last_bot_message()["text"] == "Topic #1 is adopted: that cannot be done now."


async def test_a_member_cannot_close_a_vote(world):
    group, _chen, people, _ballot = await voting(world)
    await people[0].says("/close 1")
    assert group.last_bot_message()["text"] == "Only a convenor of this group can do that."
    assert (await vote_of(world, group)).closed_at is None


async def test_the_deadline_closes_the_vote(world):
    group, _chen, people, ballot = await voting(world, duration="1d")
    for person in people[:3]:
        await person.presses(ballot, "Agree")
    await world.advance(hours=23)
    assert (await vote_of(world, group)).closed_at is None
    await world.advance(hours=2)
    vote = await vote_of(world, group)
    assert vote.result == "adopted" and vote.closed_at is not None
    assert group.last_bot_message()["text"].startswith("Topic #1 adopted: Fix the well")
    # A press after the deadline changes nothing.
    answer = await people[4].presses_data(ballot, f"bal:1:{vote.id}:d")
    assert answer.params["text"] == "This vote is closed."
    assert await tally_of(world, group) == {"agree": 3}


async def test_quorum_not_met_is_not_adopted(world):
    group, _chen, people, ballot = await voting(world)
    await people[0].presses(ballot, "Agree")
    await world.advance(days=2)
    result = group.last_bot_message()["text"]
    assert result.startswith("Topic #1 not adopted")
    assert "❌ Quorum: 1 ballots cast, 2 needed" in result
    assert "✅ Threshold: 100% agree, 2/3 needed" in result
    assert "/round 1 views" in result and "/end 1" in result
    assert (await topic_of(world, group)).status == "not_adopted"


async def test_all_abstaining_is_not_adopted(world):
    group, chen, people, ballot = await voting(world)
    for person in people:
        await person.presses(ballot, "Abstain")
    await chen.says("/close 1")
    result = group.last_bot_message()["text"]
    assert result.startswith("Topic #1 not adopted")
    assert "✅ Quorum: 5 ballots cast" in result
    assert "❌ Threshold: — agree, 2/3 needed" in result


async def test_the_topic_card_follows_the_result(world):
    group, chen, people, ballot = await voting(world)
    card_id = (await topic_of(world, group)).card_message_id
    await world.run_due()  # the card shows the vote
    for person in people:
        await person.presses(ballot, "Agree")
    await chen.says("/close 1")
    await world.run_due()
    card = world.api.messages[(group.chat_id, card_id)]
    assert "adopted" in card["text"] and "Vote closes" not in card["text"]


# ----- after a failed vote ------------------------------------------------------------------


async def failed_vote(world):
    group, chen, people, ballot = await voting(world)
    ballot = {**ballot, "reply_markup": ballot["reply_markup"]}  # a copy, as the buttons were
    await people[0].presses(ballot, "Agree")
    await people[1].says("/ballot 1 disagree No")
    await people[2].says("/ballot 1 disagree No again")
    await chen.says("/close 1")
    assert (await topic_of(world, group)).status == "not_adopted"
    return group, chen, people, ballot


async def test_a_new_round_of_views(world):
    group, chen, people, ballot = await failed_vote(world)
    now = world.clock.now()
    await chen.says("/round 1 views 1d")
    texts = group.texts()
    assert any(t.startswith("Round 2 of topic #1: views are open again until") for t in texts[-2:])
    topic = await topic_of(world, group)
    assert (topic.status, topic.round) == ("deliberating", 2)
    assert topic.phase_deadline == now + timedelta(days=1)
    card = group.last_bot_message()
    assert card["message_id"] == topic.card_message_id
    assert any("Support" in label for label in button_labels(card))

    await people[3].says("/view 1 suggestion Ask the county to pay half")
    async with world.rt.db.read() as tx:
        [view] = await view_repo.list_views(tx, topic.id)
    assert view.round == 2
    # The old ballot card is dead.
    old = await people[4].presses_data(ballot, ballot_data(ballot, "Agree"))
    assert old is None or old.params["text"] == "This vote is closed."


def ballot_data(message, label):
    return next(b["callback_data"] for b in buttons(message) if label in b["text"])


async def test_a_new_round_of_drafting_then_a_second_vote(world):
    group, chen, people, _ballot = await failed_vote(world)
    await chen.says("/round 1 drafts")
    texts = group.texts()
    assert any("Round 2 of topic #1: propose new wording" in t for t in texts[-2:])
    topic = await topic_of(world, group)
    assert (topic.status, topic.round) == ("deliberating", 2)
    await people[1].says("/view 1 support too late")
    assert group.last_bot_message()["text"] == "Views on topic #1 are closed."
    await people[1].says("/draft 1 Repair the well, paid half by the county.")
    await chen.says("/vote 1 2")
    second = group.last_bot_message()
    assert "paid half by the county" in second["text"]
    await people[0].presses(second, "Agree")
    async with world.rt.db.read() as tx:
        votes = await vote_repo.list_votes(tx, topic.id)
    assert [(v.draft_no, v.round, v.result) for v in votes] == [(1, 1, "not_adopted"), (2, 2, None)]
    assert await tally_of(world, group) == {"agree": 1}


async def test_end_closes_the_topic(world):
    group, chen, people, _ballot = await failed_vote(world)
    await people[0].says("/end 1")
    assert group.last_bot_message()["text"] == "Only a convenor of this group can do that."
    await chen.says("/end 1")
    assert group.last_bot_message()["text"] == "Topic #1 is closed."
    assert (await topic_of(world, group)).status == "closed"
    await chen.says("/round 1 views")
    assert group.last_bot_message()["text"] == "Topic #1 is closed: that can no longer be done."
    await people[0].says("/topics")
    assert "Fix the well" not in group.last_bot_message()["text"]
