"""Disagree by button offers an optional reason (issue 12): ✍ on the ballot card asks the
member who disagrees why, never requires it; the reason is kept with the ballot and shown where
a block's reason is (the result card's minority note, the minutes)."""

from __future__ import annotations

from bot.export import export_command
from tests.test_flow_vote import ballots_of, current, private_link, voting


async def test_disagree_counts_at_once_and_a_reason_may_follow(world):
    group, chen, (alice, bob, *_rest), ballot = await voting(world)
    assert "✍ Why I disagree (optional)" in labels_of(ballot)

    sent = len(group.sent())
    toast = await bob.presses(ballot, "Disagree")
    assert toast.params["text"].startswith("Your ballot: disagree. You may say why with ✍")
    assert len(group.sent()) == sent  # no question unless asked for: no message at all
    assert (await ballots_of(world, group))[bob.id].choice == "disagree"
    assert (await ballots_of(world, group))[bob.id].reason is None

    toast = await bob.presses(ballot, "✍")
    assert toast.params["text"] == "Reply to the bot's question with your reason, if you wish."
    question = group.last_bot_message()
    assert question["text"] == (
        "Bob, if you wish, reply to this message with why you disagree on topic #1. "
        "It is not required: your ballot counts as it is."
    )
    assert f'href="tg://user?id={bob.id}"' in question["html"]
    answer = await bob.replies_to(question, "The village fund is for the school roof first.")

    stored = (await ballots_of(world, group))[bob.id]
    assert (stored.choice, stored.reason) == (
        "disagree",
        "The village fund is for the school roof first.",
    )
    # The answered question goes; a reaction on the answer says it landed.
    assert (group.chat_id, question["message_id"]) not in world.api.messages
    reactions = world.api.calls_of("setMessageReaction", group.chat_id)
    assert reactions and reactions[-1].params["message_id"] == answer["message_id"]

    await alice.presses(ballot, "Agree")
    await chen.says("/close 1")
    result = group.bot_messages()[-1]["text"]
    assert "Minority note" in result
    assert "Bob: The village fund is for the school roof first." in result


async def test_the_reason_is_offered_only_to_a_disagree_ballot(world):
    group, _chen, (alice, bob, *_rest), ballot = await voting(world)
    sent = len(group.sent())
    toast = await alice.presses(ballot, "✍")  # not voted yet
    assert toast.params["show_alert"] is True
    assert toast.params["text"].startswith("A reason goes with a disagree ballot")
    await alice.presses(ballot, "Agree")
    toast = await alice.presses(ballot, "✍")
    assert toast.params["text"].startswith("A reason goes with a disagree ballot")
    assert len(group.sent()) == sent

    # Asked, then changed to agree before answering: the answer is not kept as a reason.
    await bob.presses(ballot, "Disagree")
    await bob.presses(ballot, "✍")
    question = group.last_bot_message()
    await bob.presses(ballot, "Agree")
    await bob.replies_to(question, "never mind")
    assert (await ballots_of(world, group))[bob.id].reason is None
    assert "A reason goes with a disagree ballot" in group.last_bot_message()["text"]


async def test_a_reason_changes_nothing_else_of_the_ballot(world):
    group, _chen, (_alice, bob, *_rest), ballot = await voting(world)
    await bob.presses(ballot, "Disagree")
    before = (await ballots_of(world, group))[bob.id]
    await bob.presses(ballot, "✍")
    await bob.replies_to(group.last_bot_message(), "Too costly")
    after = (await ballots_of(world, group))[bob.id]
    assert (after.choice, after.cast_at) == (before.choice, before.cast_at)
    assert after.reason == "Too costly"
    # Pressing Disagree again is a new ballot without the reason, as a changed ballot is.
    await bob.presses(current(world, group, ballot), "Disagree")
    assert (await ballots_of(world, group))[bob.id].reason is None


async def test_under_secret_ballot_the_reason_is_asked_privately_and_shown_without_a_name(world):
    group, chen, (alice, bob, *_rest), ballot = await voting(
        world, settings=(("secret_ballot", "on"),)
    )
    await bob.presses(ballot, "Disagree")
    sent = len(group.sent())
    toast = await bob.presses(ballot, "✍")  # never started the bot: told how
    assert "open a private chat with me" in toast.params["text"]
    assert len(group.sent()) == sent

    await bob.says_privately(f"/start {private_link(ballot)}")
    toast = await bob.presses(ballot, "✍")
    assert toast.params["text"] == "I asked for your reason in our private chat."
    assert len(group.sent()) == sent  # the group learns nothing of who disagrees
    question = bob.last_private_message()
    assert question["text"].startswith("Dongshan village · topic #1\nBob, if you wish")
    await bob.says_privately("Too costly for us", reply_to=question)
    assert bob.last_private_message()["text"].endswith(
        "Your reason is kept with your disagree ballot."
    )
    assert (await ballots_of(world, group))[bob.id].reason == "Too costly for us"

    await alice.presses(ballot, "Agree")
    await chen.says("/close 1")
    result = group.bot_messages()[-1]["text"]
    assert "• Too costly for us" in result and "Bob" not in result


async def test_chinese_group_reads_the_offer_in_chinese_and_the_minutes_keep_it(world, tmp_path):
    group = world.group("东山村")
    chen = group.convenor("chen")
    alice, bob = group.member("alice"), group.member("bob")
    await alice.says("/propose 修水井")
    await chen.says("/accept 1")
    await alice.says("/draft 1 今年修好水井。")
    await chen.says("/vote 1 1 1天")
    ballot = group.last_bot_message()
    assert "✍ 说说反对理由（可不填）" in labels_of(ballot)
    toast = await bob.presses(ballot, "反对")
    assert toast.params["text"].startswith("你的投票：反对。可以按卡片上的 ✍ 说说理由（可不填）")
    await bob.presses(ballot, "✍")
    question = group.last_bot_message()
    assert question["text"].startswith("Bob，愿意的话，请回复这条消息")
    await bob.replies_to(question, "集体没钱，应先筹款")
    await alice.presses(ballot, "同意")
    await chen.says("/close 1")

    # The minutes list it among the minority views, as a block's reason is.
    out = tmp_path / "minutes.md"
    assert await export_command(world.settings, group.chat_id, "md", str(out)) == 0
    lines = out.read_text(encoding="utf-8").splitlines()
    assert "- Bob：反对，理由：集体没钱，应先筹款" in lines
    assert lines.index("- Bob：反对，理由：集体没钱，应先筹款") > lines.index("### 少数意见")


def labels_of(message):
    from tests.kit.story import button_labels

    return button_labels(message)
