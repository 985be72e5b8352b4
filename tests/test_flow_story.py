"""The whole story: six members of a village deliberate over a well, from proposal to outcome."""

from __future__ import annotations

from tests.kit.story import button_labels


async def test_whole_story_in_chinese(world):
    group = world.group("东山村")
    chen = group.convenor("chen")
    alice, bob, carol, dan, emma = (
        group.member(n) for n in ("alice", "bob", "carol", "dan", "emma")
    )

    await alice.says("/propose 修缮村口水井\n水井年久失修，夏天水质差。")
    card = group.last_bot_message()
    assert "议题 #1：修缮村口水井" in card["text"]
    assert "水井年久失修" in card["text"]
    await bob.presses(card, "附议")
    await carol.says("/support 1")
    await world.run_due()
    assert "2 人附议" in group.world.api.messages[(group.chat_id, card["message_id"])]["text"]

    await chen.presses(card, "受理")
    card = group.last_bot_message()
    assert "征集意见截止" in card["text"]
    labels = button_labels(card)
    assert any("支持" in label for label in labels) and any("匿名" in label for label in labels)

    await dan.says("/view 1 support 支持，早该修了")
    await emma.says("/view 1 concern 担心费用分摊不公平")
    await carol.presses(card, "建议")
    prompt = group.last_bot_message()
    await carol.replies_to(prompt, "建议请村委会公开预算")
    await alice.says("/views 1")
    listing = group.last_bot_message()["text"]
    assert (
        "支持，早该修了" in listing
        and "担心费用分摊不公平" in listing
        and "建议请村委会公开预算" in listing
    )

    await alice.says("/draft 1 村委会年内修缮水井，费用按户均摊，预算公开。")
    draft_msg = group.last_bot_message()
    await emma.replies_to(draft_msg, "/amend 村委会年内修缮水井，费用由村集体承担，预算公开。")
    assert "草案 2（议题 #1，修改自草案 1）" in group.last_bot_message()["text"]

    await chen.says("/vote 1 2 1d")
    ballot = group.last_bot_message()
    assert "费用由村集体承担" in ballot["text"]
    for person, label in (
        (alice, "同意"),
        (bob, "同意"),
        (carol, "同意"),
        (dan, "弃权"),
        (emma, "同意"),
    ):
        answer = await person.presses(ballot, label)
        assert answer is not None
    await bob.presses(ballot, "反对")  # changes his ballot
    await world.advance(hours=25)
    result = group.last_bot_message()["text"]
    assert "通过" in result, result
    assert "同意 3" in result.replace("✅ ", "") or "3" in result


async def test_whole_story_in_english(world):
    group = world.group("Dongshan village")
    chen = group.convenor("chen")
    await chen.says("/language en")
    alice, bob, carol, dan, emma = (
        group.member(n, language="en") for n in ("alice", "bob", "carol", "dan", "emma")
    )

    await alice.says(
        "/propose Repair the village well\nThe well is old; the water is poor in summer."
    )
    card = group.last_bot_message()
    assert "Topic #1: Repair the village well" in card["text"]
    await bob.presses(card, "Second")
    await carol.says("/support 1")
    await world.run_due()
    assert "seconded by 2 people" in world.api.messages[(group.chat_id, card["message_id"])]["text"]

    await chen.presses(card, "Accept")
    old_card = world.api.messages[(group.chat_id, card["message_id"])]
    assert "Accepted for deliberation: see the new card below." in old_card["text"]
    assert "reply_markup" not in old_card
    card = group.last_bot_message()
    assert "Views close" in card["text"]
    await dan.says("/view 1 support About time")
    await emma.says("/view 1 concern Who pays?")
    await carol.presses(card, "Suggestion")
    prompt = group.last_bot_message()
    await carol.replies_to(prompt, "Publish the budget")
    await alice.says("/views 1")
    listing = group.last_bot_message()["text"]
    assert "About time" in listing and "Who pays?" in listing and "Publish the budget" in listing

    await alice.says("/draft 1 Repair the well this year, shared per household.")
    draft_msg = group.last_bot_message()
    await emma.replies_to(draft_msg, "/amend Repair the well this year, paid by the village fund.")
    assert "Draft 2 for topic #1, amending draft 1" in group.last_bot_message()["text"]

    await chen.says("/vote 1 2 1d")
    ballot = group.last_bot_message()
    assert "paid by the village fund" in ballot["text"]
    for person, label in (
        (alice, "Agree"),
        (bob, "Agree"),
        (carol, "Agree"),
        (dan, "Abstain"),
        (emma, "Agree"),
    ):
        await person.presses(ballot, label)
    await bob.presses(ballot, "Disagree")
    await world.advance(hours=25)
    result = group.last_bot_message()["text"]
    print("\n".join(group.texts()))
    assert "adopted" in result, result
