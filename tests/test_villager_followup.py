"""测试员以村民身份用真程序走了一遍跟踪反馈后发现的问题（5、6、9、10）。

5. 最后一件事做完：那一轮最终评价改在很靠上的卡片里，谁也看不见；现在对最后那条 /done 的回复
   说所有事项都已完成，并链接到要评价的卡片（不多发一条群消息）。
6. 李大姐负责 A2，私聊里的说明却写“例如：/progress A1 60 …；做完了就发 /done A1。”
9. 群里对进展报告的回复和拒绝一直留着：现在对 📈 回答的拒绝像命令的拒绝一样一分钟后删掉，
   成功的 /progress、/done 在群里只回一句短话（卡片上有详情）。
10. “🗳 私聊投票”不是无记名投票：记名表决时在私聊的表决卡片和问理由时说清楚。"""

from __future__ import annotations

from datetime import UTC, datetime

from storage import followup as repo
from tests.kit.story import button_labels, deep_link_payload
from tests.test_flow_vote import private_link, voting


def link_button(message: dict, words: str) -> dict:
    return next(
        b
        for row in (message.get("reply_markup") or {}).get("inline_keyboard", [])
        for b in row
        if words in b["text"]
    )


async def 通过的议题(world):
    world.clock.set(datetime(2026, 3, 2, 2, 0, tzinfo=UTC))
    group = world.group("东山村")
    chen = group.convenor("陈支书")
    wang, liu, li = group.member("王秀英"), group.member("刘德福"), group.member("李大姐")
    await wang.says("/propose 修村口的路")
    await chen.says("/accept 1 1小时 1小时")
    await wang.says("/draft 1 今年内把村口的路修好。")
    await chen.says("/vote 1 1")
    ballot = group.last_bot_message()
    for person in (chen, wang, liu):
        await person.presses(ballot, "同意")
    await chen.says("/close 1")
    return group, chen, wang, liu, li


async def 两件事(group, chen, liu, li):
    hello = await liu.says("申请我去递交")
    await chen.replies_to(hello, "/action 1 3月31日 向镇政府递交申请")
    hello = await li.says("沙子我去拉")
    await chen.replies_to(hello, "/action 1 4月10日 拉沙子")
    return group.last_bot_message()


def living_card(world, group) -> dict:
    cards = [m for m in group.bot_messages() if "跟踪反馈" in m["text"]]
    return world.api.messages[(group.chat_id, cards[-1]["message_id"])]


async def test_负责人的私聊说明用她自己的事项编号(world):
    group, chen, wang, liu, li = await 通过的议题(world)
    confirmation = await 两件事(group, chen, liu, li)
    await li.says_privately(
        "/start " + deep_link_payload(link_button(confirmation, "接收提醒")["url"])
    )
    answer = li.last_private_message()["text"]
    assert "/progress A2" in answer and "/done A2" in answer and "A1" not in answer

    await world.advance(days=7)  # 7 天的卡片：负责人私下收到自己的事项
    note = li.last_private_message()
    assert "/progress A2" in note["text"] and "/done A2" in note["text"]
    assert "A1" not in note["text"]
    await li.says_privately("/start " + deep_link_payload(link_button(note, "在这里报告")["url"]))
    answer = li.last_private_message()["text"]
    assert "/progress A2" in answer and "/done A2" in answer and "A1" not in answer


async def test_最后一件事做完_回复说都完成了并链接到要评价的卡片(world):
    group, chen, wang, liu, li = await 通过的议题(world)
    await 两件事(group, chen, liu, li)
    await world.advance(days=7)
    card = living_card(world, group)
    await liu.says("/done A1 申请已经递交")
    sent = len(group.sent())
    await li.says("/done A2 沙子拉完了")
    assert len(group.sent()) == sent + 1  # only the reply
    reply = group.last_bot_message()
    assert "都已完成" in reply["text"] and "评价" in reply["text"]
    assert f"/{card['message_id']}" in reply["html"]
    card = world.api.messages[(group.chat_id, card["message_id"])]  # the final round on it
    assert "满意" in " ".join(button_labels(card)) and "都已完成" in card["text"]

    # 私下报告最后一件事时也一样。
    group2 = world.group("西河村")
    chen2 = group2.convenor("赵主任")
    zhou, sun = group2.member("周大哥"), group2.member("孙大姐")
    await zhou.says("/propose 装路灯")
    await chen2.says("/accept 1 1小时 1小时")
    await zhou.says("/draft 1 装十盏路灯。")
    await chen2.says("/vote 1 1")
    ballot = group2.last_bot_message()
    for person in (chen2, zhou, sun):
        await person.presses(ballot, "同意")
    await chen2.says("/close 1")
    assert "通过" in group2.last_bot_message()["text"]
    hello = await zhou.says("我来装")
    await chen2.replies_to(hello, "/action 1 4月30日 装路灯")
    confirmation = group2.last_bot_message()
    await zhou.says_privately(
        "/start " + deep_link_payload(link_button(confirmation, "接收提醒")["url"])
    )
    await world.advance(days=7)
    card = living_card(world, group2)
    sent = len(group2.sent())
    await zhou.says_privately("/done A1 装好了")
    assert len(group2.sent()) == sent
    reply = zhou.last_private_message()
    assert "都已完成" in reply["text"] and f"/{card['message_id']}" in reply["html"]


async def test_群里的进展回复很短_回答的拒绝像命令的拒绝一样删掉(world):
    group, chen, wang, liu, li = await 通过的议题(world)
    await group.bot_becomes("administrator", can_delete_messages=True)
    await 两件事(group, chen, liu, li)
    await world.advance(days=7)
    await li.says("/progress A2 50 拉了一半")
    reply = group.last_bot_message()
    assert reply["text"] == "已记下：A2 进行中 50%。"
    assert "tg://user" not in reply["html"]  # nobody is notified again

    card = living_card(world, group)
    await li.presses(card, "报告 A2 进展")
    question = group.last_bot_message()
    answer = await li.replies_to(question, "150")
    refusal = group.last_bot_message()
    assert "0 到 100" in refusal["text"]
    await world.advance(minutes=2)
    assert (group.chat_id, refusal["message_id"]) not in world.api.messages
    assert (group.chat_id, answer["message_id"]) not in world.api.messages
    async with world.rt.db.read() as tx:
        action = await repo.get_action(tx, group.chat_id, 2)
    assert action.percent == 50


async def test_记名表决时私聊投票和问理由都说清楚会署名(world):
    group, chen, (alice, bob, *_rest), ballot = await voting(world)
    await bob.says_privately(f"/start {private_link(ballot)}")
    card = bob.last_private_message()
    assert "shown with your name in the result" in card["text"]
    await bob.presses_privately(card, "Disagree")
    await bob.presses_privately(bob.last_private_message(), "✍")
    question = bob.last_private_message()
    assert "shown with your name in the result" in question["text"]


async def test_无记名表决时不说会署名(world):
    group, chen, (alice, bob, *_rest), ballot = await voting(
        world, settings=(("secret_ballot", "on"),)
    )
    await bob.says_privately(f"/start {private_link(ballot)}")
    assert "with your name" not in bob.last_private_message()["text"]
