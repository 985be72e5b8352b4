"""Private commands know their group: only the member's own press on a group's link chooses the
group a private /ballot, /progress, /subscribe ... acts on, and every private answer names the
group and the topic."""

from __future__ import annotations

from datetime import UTC, datetime

from storage import followup as followup_repo
from storage import topics as topic_repo
from storage import votes as vote_repo
from tests.kit.story import buttons, deep_link_payload


def link_of(message, label):
    [url] = [b["url"] for b in buttons(message) if label in b["text"] and "url" in b]
    return deep_link_payload(url)


async def ballots_on(world, group, number):
    async with world.rt.db.read() as tx:
        topic = await topic_repo.get_topic(tx, group.chat_id, number)
    async with world.rt.db.read() as tx:
        vote = await vote_repo.current_vote(tx, topic.id)
        return [(b.user_id, b.choice) for b in await vote_repo.ballots(tx, vote.id)]


async def progress_on(world, group, action_no):
    async with world.rt.db.read() as tx:
        action = await followup_repo.get_action(tx, group.chat_id, action_no)
    async with world.rt.db.read() as tx:
        return [(r.percent, r.by) for r in await followup_repo.progress_of(tx, action.id)]


async def english(world, title, convenor="chen"):
    group = world.group(title)
    chen = group.convenor(convenor, language="en")
    await chen.says("/language en")
    return group, chen


async def vote_on_topic_2(group, chen, proposer):
    """Topic #2, proposed already, is put to the vote on draft 1 for ten days."""
    await chen.says("/accept 2 1h 10d")
    await proposer.says("/draft 2 Lamps every 30 metres.")
    await chen.says("/vote 2 1")
    ballot = group.last_bot_message()
    assert ballot["text"].startswith("Vote on topic #2")
    return ballot


async def bob_owns_an_action(world, group, chen, bob, others):
    """Topic #1 adopted; action A1 is Bob's; the first follow-up card comes a day later."""
    await chen.says("/settings followup_offsets 1d")
    await others[0].says("/propose Fix the street lights")
    await chen.says("/accept 1 1h 1h")
    await others[0].says("/draft 1 Replace the lamps within a month.")
    await chen.says("/vote 1 1")
    ballot = group.last_bot_message()
    for person in (chen, *others):
        await person.presses(ballot, "Agree")
    await chen.says("/close 1")
    assert "adopted" in group.last_bot_message()["text"]
    hello = await bob.says("me")
    await chen.replies_to(hello, "/action 1 30d Paint the poles")


async def two_villages(world):
    """Bob lives in both villages. Dongshan votes on its topic #2; in Xishan, Bob owns action A1
    of topic #1 (its follow-up card is due in a day) and Xishan's topic #2 is voting too."""
    world.clock.set(datetime(2026, 3, 2, 2, 0, tzinfo=UTC))  # 10:00 in Shanghai: no quiet hours
    dongshan, chen_d = await english(world, "Dongshan village", "chen")
    xishan, chen_x = await english(world, "Xishan village", "xu")
    bob = world.person("bob", language="en")
    bob_d, bob_x = dongshan.add(bob), xishan.add(bob)
    alice = dongshan.member("alice", language="en")
    carol, dan = xishan.member("carol", language="en"), xishan.member("dan", language="en")
    await bob_owns_an_action(world, xishan, chen_x, bob_x, [carol, dan])
    await carol.says("/propose Light the lane")
    await vote_on_topic_2(xishan, chen_x, carol)
    await alice.says("/propose Fix the well")
    await alice.says("/propose Light the lane")
    dongshan_ballot = await vote_on_topic_2(dongshan, chen_d, alice)
    await bob.says_privately("/start")
    return dongshan, xishan, bob, bob_d, bob_x, dongshan_ballot


async def test_a_reminder_from_another_group_does_not_redirect_a_private_ballot(world):
    dongshan, xishan, bob, _bob_d, _bob_x, ballot = await two_villages(world)
    # Bob opens Dongshan's "Vote in private" link: his private commands act on Dongshan.
    await bob.says_privately(f"/start {link_of(ballot, 'Vote in private')}")
    card = bob.last_private_message()
    assert "Vote on topic #2: Light the lane" in card["text"]
    # A day later Xishan's follow-up card reminds him, privately, of his action there.
    await world.advance(days=1)
    reminder = bob.last_private_message()
    assert reminder["text"].startswith("Reminder for topic #1 in Xishan village")
    # Then he votes in private: the ballot is Dongshan's, and the answer says so.
    await bob.says_privately("/ballot 2 agree")
    assert await ballots_on(world, dongshan, 2) == [(bob.id, "agree")]
    assert await ballots_on(world, xishan, 2) == []
    assert bob.last_private_message()["text"] == (
        "Dongshan village · topic #2\nYour ballot: agree. You can change it until the vote closes."
    )
    assert card["text"].startswith("Dongshan village · topic #2\nVote on topic #2: Light the lane")


async def test_the_reminders_own_link_points_private_reports_at_its_group(world):
    dongshan, xishan, bob, _bob_d, _bob_x, ballot = await two_villages(world)
    await bob.says_privately(f"/start {link_of(ballot, 'Vote in private')}")
    await world.advance(days=1)
    reminder = bob.last_private_message()
    # Until he presses it, a private report goes to the group he chose: Dongshan has no A1.
    await bob.says_privately("/progress A1 40")
    assert bob.last_private_message()["text"] == (
        "Dongshan village\nThere is no action A1 in this group."
    )
    payload = link_of(reminder, "Report here")
    assert payload == f"rp_{xishan.chat_id}_1"
    await bob.says_privately(f"/start {payload}")
    assert bob.last_private_message()["text"].startswith(
        "Xishan village · topic #1\nYour reports here now go to this group"
    )
    await bob.says_privately("/progress A1 40 half the poles")
    answer = bob.last_private_message()["text"]
    assert answer.startswith("Xishan village · topic #1\nA1 ")
    assert "in progress 40%" in answer
    assert await progress_on(world, xishan, 1) == [(40, bob.id)]
    await bob.says_privately("/done A1")
    assert bob.last_private_message()["text"].startswith("Xishan village · topic #1\nA1 ")
    assert await progress_on(world, xishan, 1) == [(40, bob.id), (100, bob.id)]


async def test_every_private_answer_names_the_group_and_the_topic(world):
    group, chen = await english(world, "Dongshan village")
    alice, dan = group.member("alice", language="en"), group.member("dan", language="en")
    await alice.says("/propose Fix the well")
    await chen.says("/accept 1 1d 1d")
    await dan.says_privately("/start")
    await dan.says_privately(f"/start av_{group.chat_id}_1")
    await dan.presses_privately(dan.last_private_message(), "Concern")
    await dan.says_privately("Who pays?")
    place = "Dongshan village · topic #1\n"
    assert dan.last_private_message()["text"] == (
        place + "Your view was posted in the group without your name."
    )
    await dan.says_privately("/editview 1 1 Who pays, and how much?")
    assert dan.last_private_message()["text"] == place + "View 1 changed."
    await dan.says_privately("/subscribe 1")
    assert dan.last_private_message()["text"] == place + "You now follow topic #1."
    await dan.says_privately("/unsubscribe 1")
    assert dan.last_private_message()["text"] == place + "You no longer follow topic #1."
    await dan.says_privately("/retract 1 1")
    assert dan.last_private_message()["text"] == place + "View 1 on topic #1 was retracted."
    # A refusal names them too.
    await dan.says_privately("/ballot 7 agree")
    assert dan.last_private_message()["text"] == (
        "Dongshan village · topic #7\nThere is no topic #7 in this group."
    )


async def test_a_group_title_is_escaped_in_the_private_answer(world):
    title = "<b>Kids & Co</b>"
    group, chen = await english(world, title)
    alice, dan = group.member("alice", language="en"), group.member("dan", language="en")
    await alice.says("/propose Fix the well")
    await chen.says("/accept 1 1d 1d")
    await dan.says_privately("/start")
    await dan.says_privately(f"/start sub_{group.chat_id}_1")
    answer = dan.last_private_message()
    assert answer["text"].startswith(f"{title} · topic #1\n")
    assert answer["html"].startswith("&lt;b&gt;Kids &amp; Co&lt;/b&gt; · topic #1\n")


async def test_chinese_private_answer_names_the_group_in_chinese(world):
    group = world.group("东山村")
    chen = group.convenor("chen")
    alice, dan = group.member("alice"), group.member("dan")
    await alice.says("/propose 修缮水井")
    await chen.says("/accept 1 1d 1d")
    await dan.says_privately("/start")
    await dan.says_privately(f"/start sub_{group.chat_id}_1")
    await dan.says_privately("/unsubscribe 1")
    assert dan.last_private_message()["text"].startswith("东山村 · 议题 #1\n")
