"""开门协商（委员 → 基层）：委员之家的召集人用 /consult N 把本群的议题拿到衔接的村里征求意见；
村民按态度按钮、写几句话；委员之家的议题卡片按村、按态度显示，/views 里有原话（不带名字）；
/consult N close 结束征求。"""

from __future__ import annotations

import re

from tests.kit.story import button_labels

CODE = re.compile(r"[A-Z2-9]{4}-[A-Z2-9]{4}")


async def link(members, convenor, village_convenor) -> None:
    await convenor.says("/link")
    code = CODE.search(members.last_bot_message()["text"]).group(0)
    await village_convenor.says(f"/link {code}")


def current(world, group, message) -> dict:
    return world.api.messages[(group.chat_id, message["message_id"])]


async def answer(village, person, card, stance: str, text: str) -> None:
    await person.presses(card, stance)
    question = village.last_bot_message()
    await person.replies_to(question, text)


async def stage(world):
    members = world.group("县政协委员之家")
    wang = members.convenor("wang")
    zhao = members.member("zhao")
    east = world.group("东山村")
    chen = east.convenor("chen")
    west = world.group("西河村")
    li = west.convenor("li")
    await link(members, wang, chen)
    await link(members, wang, li)
    await zhao.says("/propose 全县推广垃圾分类\n先在几个村试点。")
    await wang.says("/accept 1")
    return members, wang, zhao, east, chen, west, li


async def test_委员之家征求两个村的意见_按村按态度显示_结束后按钮失效(world):
    members, wang, _zhao, east, chen, west, li = await stage(world)
    topic_card = members.last_bot_message()
    alice, bob = east.member("alice"), east.member("bob")
    carol = west.member("carol")

    await wang.says("/consult 1")
    question = members.last_bot_message()
    assert "议题 #1 要征求哪些村的意见" in question["text"]
    assert button_labels(question) == ["📣 东山村", "📣 西河村", "📣 所有衔接的村"]
    await wang.presses(question, "所有衔接的村")
    assert "议题 #1 已拿到东山村、西河村征求意见" in members.last_bot_message()["text"]

    card = east.last_bot_message()
    assert "委员之家“县政协委员之家”向本村征求意见：全县推广垃圾分类" in card["text"]
    assert "先在几个村试点" in card["text"]
    assert button_labels(card) == ["👍 支持", "👎 反对", "⚠️ 担忧", "💡 建议"]
    support = card["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    west_card = west.last_bot_message()

    await answer(east, alice, card, "支持", "早该分类了")
    assert "已转给委员之家" in east.last_bot_message()["text"]
    await answer(east, bob, card, "担忧", "垃圾车不分类运走就白分了")
    await answer(east, bob, card, "建议", "先把垃圾车配好")  # 改主意：替换原来的
    assert "替换" in east.last_bot_message()["text"]
    await answer(west, carol, west_card, "反对", "村里老人多，分不清")
    await world.run_due()

    shown = current(world, members, topic_card)["text"]
    assert "📣 东山村：支持 1 · 建议 1（征求中）" in shown
    assert "📣 西河村：反对 1（征求中）" in shown

    await wang.says("/views 1")
    listing = members.last_bot_message()["text"]
    assert "早该分类了" in listing and "先把垃圾车配好" in listing and "村里老人多" in listing
    assert "垃圾车不分类运走就白分了" not in listing
    assert "Alice" not in listing and "Bob" not in listing and "Carol" not in listing

    await wang.says("/consult 1")
    await wang.presses(members.last_bot_message(), "东山村")  # 已经在征求
    await wang.says("/consult 1 close")
    assert "2 个村" in members.last_bot_message()["text"]
    assert "reply_markup" not in current(world, east, card)
    assert "征求意见已结束" in current(world, east, card)["text"]
    answer_ = await alice.presses_data(card, support)
    assert answer_ is not None and "征求意见已经结束" in answer_.params["text"]
    await world.run_due()
    assert "📣 东山村：支持 1 · 建议 1（已结束）" in current(world, members, topic_card)["text"]
    await wang.says("/consult 1 close")
    assert "没有在征求" in members.last_bot_message()["text"]

    # 导出和纪要
    from bot.export import build_export, render_markdown

    defaults = world.settings.defaults.model_dump(mode="json")
    async with world.rt.db.read() as tx:
        export = await build_export(tx, defaults, None, world.clock.now())
    county = next(c for c in export.document["chats"] if c["title"] == "县政协委员之家")
    asked = county["topics"][0]["consultations"]
    assert [c["village"]["title"] for c in asked] == ["东山村", "西河村"]
    assert asked[0]["counts"] == {"support": 1, "suggestion": 1}
    assert {v["text"] for v in asked[0]["views"]} == {"早该分类了", "先把垃圾车配好"}
    assert all("user_id" not in v for v in asked[0]["views"])
    minutes = render_markdown(export)
    assert "### 向村里征求意见" in minutes and "东山村" in minutes
    import io

    from docx import Document

    await wang.starts_bot()
    await wang.says("/minutes 1")  # privately: minutes are never posted in a group
    sent = [
        m
        for (chat, _), m in sorted(world.api.messages.items())
        if chat == wang.id and "document" in m
    ]
    text = "\n".join(p.text for p in Document(io.BytesIO(sent[-1]["upload"])).paragraphs)
    assert "向村里征求意见" in text and "先把垃圾车配好" in text


async def test_只有一个衔接的村时直接征求_错误用法客气说明(world):
    members = world.group("县政协委员之家")
    wang = members.convenor("wang")
    zhao = members.member("zhao")
    await zhao.says("/propose 修路")
    await wang.says("/consult")
    assert "现在没有可以用 /consult 的议题" in members.last_bot_message()["text"]
    await wang.says("/consult 1 abc")
    assert "例如：/consult 2" in members.last_bot_message()["text"]
    await wang.says("/consult 1")
    assert "当前状态为“待召集人受理”" in members.last_bot_message()["text"]
    await wang.says("/accept 1")
    await wang.says("/consult 1")
    said = members.last_bot_message()["text"]
    assert "/consult 是委员之家用的" in said and "本群没有衔接的村群" in said
    assert "/link" not in said
    east = world.group("东山村")
    chen = east.convenor("chen")
    await link(members, wang, chen)
    await zhao.says("/consult 1")
    assert "只有本群的召集人" in members.last_bot_message()["text"]
    await chen.says("/consult 1")  # 村群发 /consult：说明这是委员之家用的，村里用 /refer
    assert "本群是村群" in east.last_bot_message()["text"]
    await wang.says("/consult 1")
    assert "议题 #1 已拿到东山村征求意见" in members.last_bot_message()["text"]
    await wang.says("/consult 1")
    assert "已经在征求" in members.last_bot_message()["text"]
    async with world.rt.db.read() as tx:
        assert await tx.scalar("SELECT COUNT(*) FROM consultations") == 1


async def test_村外的人_机器人_频道回答不了_什么也不记(world):
    members, wang, _zhao, east, chen, _west, _li = await stage(world)
    await wang.says("/consult 1")
    await wang.presses(members.last_bot_message(), "东山村")
    card = east.last_bot_message()
    stranger = east.add(world.person("stranger"), status="left")
    answer_ = await stranger.presses(card, "支持")
    assert answer_ is not None and answer_.params["text"] == "只有本群成员可以进行此操作。"
    helper = world.person("helperbot")
    helper.user["is_bot"] = True
    answer_ = await east.add(helper).presses(card, "支持")
    assert answer_ is not None and answer_.params["text"] == "只有本群成员可以进行此操作。"
    # 委员之家的召集人不在村里
    wang_elsewhere = east.add(wang, status="left")
    answer_ = await wang_elsewhere.presses(card, "支持")
    assert answer_ is not None and answer_.params["text"] == "只有本群成员可以进行此操作。"
    async with world.rt.db.read() as tx:
        assert await tx.scalar("SELECT COUNT(*) FROM consultation_views") == 0
        assert await tx.scalar("SELECT COUNT(*) FROM pending_inputs") == 0
    # 村召集人在委员之家按选村按钮：不是那里的召集人
    await wang.says("/consult 1")
    question = members.last_bot_message()
    answer_ = await members.add(chen).presses(question, "西河村")
    assert answer_ is not None and "只有本群的召集人" in answer_.params["text"]
