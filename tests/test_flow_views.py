"""Deliberation, step by step: views by command, by button, anonymously; edit, retract, list."""

from __future__ import annotations

from storage import topics as topic_repo
from storage import views as view_repo
from tests.kit.story import button_labels, buttons, deep_link_payload


async def deliberating(world, title="Fix the well"):
    """An English group with topic #1 accepted (views open three days)."""
    group = world.group("Dongshan village")
    chen = group.convenor("chen", language="en")
    await chen.says("/language en")
    alice = group.member("alice", language="en")
    await alice.says(f"/propose {title}")
    await chen.says("/accept 1")
    return group, chen, alice, group.last_bot_message()


async def topic_of(world, group, number=1):
    async with world.rt.db.read() as tx:
        return await topic_repo.get_topic(tx, group.chat_id, number)


async def views_of(world, group, number=1, include_retracted=False):
    topic = await topic_of(world, group, number)
    async with world.rt.db.read() as tx:
        return await view_repo.list_views(tx, topic.id, include_retracted)


def reactions_on(world, group, message):
    return [
        c
        for c in world.api.calls_of("setMessageReaction", group.chat_id)
        if int(c.params["message_id"]) == message["message_id"]
    ]


def current(world, group, message):
    return world.api.messages[(group.chat_id, message["message_id"])]


async def test_view_by_command_is_recorded_with_a_reaction_and_no_message(world):
    group, _chen, _alice, _card = await deliberating(world)
    dan = group.member("dan", language="en")
    sent_before = len(group.sent())
    said = await dan.says("/view 1 support About time too")
    assert len(group.sent()) == sent_before
    assert reactions_on(world, group, said)
    [view] = await views_of(world, group)
    assert (view.number, view.author_id, view.stance, view.text) == (
        1,
        dan.id,
        "support",
        "About time too",
    )
    assert not view.anonymous and view.round == 1


async def test_view_command_takes_stance_words_in_either_language(world):
    group, _chen, _alice, _card = await deliberating(world)
    dan = group.member("dan", language="en")
    await dan.says("/view 1 Concern who pays")
    await dan.says("/view #1 建议 publish the budget")
    assert [(v.stance, v.text) for v in await views_of(world, group)] == [
        ("concern", "who pays"),
        ("suggestion", "publish the budget"),
    ]


async def test_stance_counts_show_on_the_card_after_a_refresh(world):
    group, _chen, _alice, card = await deliberating(world)
    dan = group.member("dan", language="en")
    emma = group.member("emma", language="en")
    await dan.says("/view 1 support yes")
    await emma.says("/view 1 oppose no")
    await emma.says("/view 1 oppose still no")
    await world.run_due()
    text = current(world, group, card)["text"]
    assert "Views so far: 👍1 👎2 ⚠️0 💡0" in text


async def test_view_by_button_asks_then_the_reply_records_it_and_the_prompt_goes(world):
    group, _chen, _alice, card = await deliberating(world)
    carol = group.member("carol", language="en")
    answer = await carol.presses(card, "Suggestion")
    assert answer.params["text"] == "Write your view as a reply to the bot's question."
    prompt = group.last_bot_message()
    assert "reply to this message with your view (💡 Suggestion) on topic #1" in prompt["text"]
    assert prompt["text"].startswith("Carol")
    assert prompt["asked"]["force_reply"] is True and prompt["asked"]["selective"] is True
    assert f"tg://user?id={carol.id}" in world.api.calls_of("sendMessage")[-1].params["text"]

    reply = await carol.replies_to(prompt, "Publish the budget first")
    [view] = await views_of(world, group)
    assert (view.author_id, view.stance, view.text) == (
        carol.id,
        "suggestion",
        "Publish the budget first",
    )
    assert reactions_on(world, group, reply)
    # The answered question is removed from the group.
    assert (group.chat_id, prompt["message_id"]) not in world.api.messages


async def test_someone_else_replying_to_a_view_prompt_is_ignored(world):
    group, _chen, _alice, card = await deliberating(world)
    carol = group.member("carol", language="en")
    dan = group.member("dan", language="en")
    await carol.presses(card, "Oppose")
    prompt = group.last_bot_message()
    await dan.replies_to(prompt, "Dan sneaks in")
    assert await views_of(world, group) == []
    await carol.replies_to(prompt, "Carol's view")
    [view] = await views_of(world, group)
    assert (view.author_id, view.stance, view.text) == (carol.id, "oppose", "Carol's view")


async def test_anonymous_view_through_the_deep_link(world):
    group, _chen, _alice, card = await deliberating(world)
    dan = group.member("dan", language="en")
    [link] = [b for b in buttons(card) if "Anonymous" in b["text"]]
    payload = deep_link_payload(link["url"])
    assert payload == f"av_{group.chat_id}_1"

    await dan.says_privately(f"/start {payload}")
    question = dan.last_private_message()
    # The private chat names the group and topic it is about, first thing.
    assert question["text"].startswith("Dongshan village · topic #1\nAnonymous view on topic #1")
    assert "Anonymous view on topic #1: Fix the well" in question["text"]
    assert "without your name" in question["text"]
    assert len(button_labels(question)) == 4

    # Text before a stance is chosen is not taken as the view.
    await dan.says_privately("too early")
    assert (
        dan.last_private_message()["text"]
        == "First choose the stance of your view with the buttons above."
    )
    assert await views_of(world, group) == []

    await dan.presses_privately(question, "Concern")
    assert dan.last_private_message()["text"] == (
        "Dongshan village · topic #1\nStance: ⚠️ Concern. Now send your view as a message here."
    )
    await dan.says_privately("The fee will hurt poorer families")
    assert dan.last_private_message()["text"] == (
        "Dongshan village · topic #1\nYour view was posted in the group without your name."
    )

    posted = group.last_bot_message()["text"]
    assert (
        posted == "🕶 Anonymous view 1 on topic #1 (⚠️ Concern):\nThe fee will hurt poorer families"
    )
    assert "Dan" not in posted and "dan" not in posted
    [view] = await views_of(world, group)
    assert view.anonymous and view.stance == "concern" and view.author_id == dan.id
    topic = await topic_of(world, group)
    async with world.rt.db.read() as tx:
        history = await topic_repo.history(tx, topic.id)
    assert history[-1].event == "view" and history[-1].actor_id is None

    # Dan has started the bot: the list reaches him privately, naming the group first.
    await dan.says("/views 1")
    listing = dan.last_private_message()["text"]
    assert listing.startswith("Dongshan village · topic #1\n")
    assert "The fee will hurt poorer families — anonymous" in listing
    assert "Dan" not in listing

    # The dialogue is over: a further private message posts nothing.
    sent_before = len(group.sent())
    await dan.says_privately("one more thing")
    assert len(group.sent()) == sent_before


async def test_anonymous_link_refused_when_the_group_turned_anonymous_views_off(world):
    group, chen, _alice, card = await deliberating(world)
    dan = group.member("dan", language="en")
    payload = deep_link_payload([b for b in buttons(card) if "Anonymous" in b["text"]][0]["url"])
    await chen.says("/settings anonymous_views off")
    await dan.says_privately(f"/start {payload}")
    assert dan.last_private_message()["text"] == (
        "Dongshan village · topic #1\nThis group does not take anonymous views."
    )


async def test_anonymous_link_refused_to_someone_outside_the_group(world):
    group, _chen, _alice, card = await deliberating(world)
    stranger = world.person("stranger", language="en")
    world.api.set_status(group.chat_id, stranger.id, "left")
    payload = deep_link_payload([b for b in buttons(card) if "Anonymous" in b["text"]][0]["url"])
    await stranger.says_privately(f"/start {payload}")
    assert stranger.last_private_message()["text"] == "This link is for members of that group only."


async def test_author_edits_and_retracts_a_view(world):
    group, _chen, _alice, _card = await deliberating(world)
    dan = group.member("dan", language="en")
    await dan.says("/view 1 support About time")
    edit = await dan.says("/editview 1 1 About time, and cheaply")
    assert reactions_on(world, group, edit)
    [view] = await views_of(world, group)
    assert view.text == "About time, and cheaply" and view.updated_at is not None

    await dan.says("/retract 1 1")
    assert group.last_bot_message()["text"] == "View 1 on topic #1 was retracted."
    assert await views_of(world, group) == []
    [gone] = await views_of(world, group, include_retracted=True)
    assert gone.retracted
    await dan.says("/editview 1 1 back again")
    assert group.last_bot_message()["text"] == "Topic #1 has no view 1."


async def test_others_cannot_edit_or_retract_a_view(world):
    group, chen, _alice, _card = await deliberating(world)
    dan = group.member("dan", language="en")
    emma = group.member("emma", language="en")
    await dan.says("/view 1 support About time")
    await emma.says("/editview 1 1 Never")
    assert group.last_bot_message()["text"] == "Only its author can change view 1."
    await emma.says("/retract 1 1")
    assert group.last_bot_message()["text"] == "Only its author can change view 1."
    await chen.says("/retract 1 1")
    assert group.last_bot_message()["text"] == "Only its author can change view 1."
    [view] = await views_of(world, group)
    assert view.text == "About time" and not view.retracted


async def test_views_close_at_the_deadline(world):
    group, _chen, _alice, card = await deliberating(world)
    dan = group.member("dan", language="en")
    await dan.says("/view 1 support About time")
    payload = deep_link_payload([b for b in buttons(card) if "Anonymous" in b["text"]][0]["url"])

    await world.advance(hours=71)
    assert "Views on topic #1 are closed" not in group.last_bot_message()["text"]
    await world.advance(hours=2)
    assert group.last_bot_message()["text"].startswith("Views on topic #1 are closed.")
    shown = current(world, group, card)
    assert "Views are closed" in shown["text"]
    assert button_labels(shown) == ["📋 All views", "🔔 Notify me"]

    await dan.says("/view 1 oppose Changed my mind")
    assert group.last_bot_message()["text"] == "Views on topic #1 are closed."
    await dan.says("/editview 1 1 Changed my mind")
    assert group.last_bot_message()["text"] == "Views on topic #1 are closed."
    await dan.says("/retract 1 1")
    assert group.last_bot_message()["text"] == "Views on topic #1 are closed."
    answer = await dan.presses_data(card, "vw:1:0:o")
    assert answer.params["text"] == "Views on topic #1 are closed."
    assert answer.params["show_alert"] is True
    await dan.says_privately(f"/start {payload}")
    assert dan.last_private_message()["text"] == (
        "Dongshan village · topic #1\nViews on topic #1 are closed."
    )

    [view] = await views_of(world, group)
    assert (view.stance, view.text, view.retracted) == ("support", "About time", False)
    # Still a topic under deliberation: drafts go on.
    assert (await topic_of(world, group)).status == "deliberating"


async def test_views_listed_by_stance_with_counts(world):
    group, _chen, _alice, card = await deliberating(world)
    dan = group.member("dan", language="en")
    emma = group.member("emma", language="en")
    await dan.says("/view 1 support About time")
    await emma.says("/view 1 concern Who pays?")
    await dan.says("/view 1 concern Noise during works")
    await emma.says("/views 1")
    listing = group.last_bot_message()["text"]
    assert listing.startswith("Views on topic #1: Fix the well (3)")
    assert "👍 Support (1)\n1. About time — Dan" in listing
    assert "👎 Oppose (0)" in listing
    assert "⚠️ Concern (2)\n2. Who pays? — Emma\n3. Noise during works — Dan" in listing
    assert "💡 Suggestion (0)" in listing

    # Right after /views the button points to that list; a few minutes later it lists again.
    before = len(group.sent())
    answer = await emma.presses(card, "All views")
    assert answer is not None and "scroll up" in answer.params["text"]
    assert len(group.sent()) == before
    await world.advance(minutes=6)
    answer = await emma.presses(card, "All views")
    assert answer is not None
    assert len(group.sent()) == before + 1
    assert group.last_bot_message()["text"] == listing
