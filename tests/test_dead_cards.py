"""Dead cards lose their buttons (issue 12): a topic card that a newer one replaced, and a
question once answered, keep no button that would act on something nobody keeps up to date;
the old card points to the current one."""

from __future__ import annotations

from storage import topics as topic_repo
from tests.kit.story import button_labels, buttons, deep_link_payload


async def english_group(world, forum=False):
    group = world.group("Dongshan village", forum=forum)
    chen = group.convenor("chen", language="en")
    await chen.says("/language en")
    return group, chen


async def topic_of(world, group, number=1):
    async with world.rt.db.read() as tx:
        return await topic_repo.get_topic(tx, group.chat_id, number)


def now_shown(world, group, message):
    """The message as the group sees it now (edits included)."""
    return world.api.messages[(group.chat_id, message["message_id"])]


async def test_a_topic_card_shown_again_retires_the_old_one_with_a_link(world):
    group, chen = await english_group(world)
    alice = group.member("alice", language="en")
    await alice.says("/propose Fix the well")
    await chen.says("/accept 1")
    old = group.last_bot_message()
    assert "🔔 Notify me" in button_labels(old)

    await alice.says("/topic 1")
    new = group.last_bot_message()
    assert new["message_id"] != old["message_id"]
    assert "👎 Oppose" in button_labels(new)
    assert (await topic_of(world, group)).card_message_id == new["message_id"]

    retired = now_shown(world, group, old)
    assert "reply_markup" not in retired  # no 🔔, no stance buttons
    assert retired["text"] == "Topic #1: Fix the well\nThis card is out of date: the current card."
    internal = str(group.chat_id)[4:]
    assert f'<a href="https://t.me/c/{internal}/{new["message_id"]}">' in retired["html"]

    # Pressing a stance on the new card still works; the old one has nothing left to press.
    await alice.presses(new, "Oppose")
    assert "reply to this message with your view" in group.last_bot_message()["text"]


async def test_a_basic_group_has_no_message_links_so_the_old_card_says_further_down(world):
    chat_id = -4242
    world.api.add_chat(chat_id, "group", "Old village")
    world.api.set_status(chat_id, world.api.bot_user["id"], "member")
    from tests.kit.story import Group

    group = Group(world, chat_id, "Old village")
    chen = group.convenor("chen", language="en")
    await chen.says("/language en")
    await chen.says("/propose Fix the well")
    await chen.says("/accept 1")
    old = group.last_bot_message()
    await chen.says("/topic 1")
    retired = now_shown(world, group, old)
    assert "reply_markup" not in retired
    assert retired["text"].endswith("This card is out of date: the current one is further down.")
    assert "<a href" not in retired["html"]


async def test_the_anonymous_stance_buttons_go_once_the_view_is_posted(world):
    group, chen = await english_group(world)
    alice = group.member("alice", language="en")
    await alice.says("/propose Fix the well")
    await chen.says("/accept 1")
    card = group.last_bot_message()
    [link] = [b for b in buttons(card) if "Anonymous" in b["text"]]
    dan = group.member("dan", language="en")
    await dan.says_privately(f"/start {deep_link_payload(link['url'])}")
    chooser = dan.last_private_message()
    await dan.presses_privately(chooser, "Concern")
    # Not answered yet: the stance may still be changed.
    assert len(button_labels(world.api.messages[(dan.id, chooser["message_id"])])) == 4
    await dan.says_privately("The fee will hurt poorer families")
    assert "reply_markup" not in world.api.messages[(dan.id, chooser["message_id"])]
