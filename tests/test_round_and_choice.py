"""Two findings of a tester in a Chinese village (after issue 12): a /views answered by the
"which topic?" buttons that went privately left the group only "/views：议题 #3，…" (the question
now says where the list went); a new round's card started with the last round's 👍1 (the card
counts this round's views)."""

from __future__ import annotations

from tests.kit.story import button_labels


async def test_views_chosen_by_button_and_sent_privately_says_so(world):
    group = world.group("东山村")
    chen = group.convenor("chen")
    wang, liu = group.member("wang"), group.member("liu")
    for n, title in enumerate(("修村口的路", "自来水经常停水"), start=1):
        await wang.says(f"/propose {title}")
        await chen.says(f"/accept {n}")
    await wang.says("/view 2 支持 早该修了")
    await liu.says_privately("/start")
    await liu.says("/views")
    question = group.last_bot_message()
    await liu.presses(question, "#2")
    shown = world.api.messages[(group.chat_id, question["message_id"])]
    assert shown["text"] == "/views：议题 #2，自来水经常停水。已私聊发给 Liu。"
    assert not button_labels(shown)
    assert "早该修了" in liu.last_private_message()["text"]


async def test_a_new_round_card_counts_only_this_rounds_views(world):
    group = world.group("东山村")
    chen = group.convenor("chen")
    wang, liu, zhao = group.member("wang"), group.member("liu"), group.member("zhao")
    await wang.says("/propose 修水井")
    await chen.says("/accept 1 1h 1h")
    await wang.says("/view 1 支持 好")
    await wang.says("/draft 1 今年修")
    await chen.says("/vote 1 1")
    ballot = group.last_bot_message()
    await liu.presses(ballot, "反对")
    await zhao.presses(ballot, "反对")
    await chen.says("/close 1")
    await chen.says("/round 1 views 1天")
    await chen.says("/topic 1")
    card = group.last_bot_message()["text"]
    assert "目前的意见：👍0 👎0 ⚠️0 💡0" in card
