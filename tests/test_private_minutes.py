"""纪要里有私下留言，所以纪要从不发到群里（测试员发现的问题 1）。

村民按“💬 私下留言”写的话，机器人说“只发给召集人”；纪要（/minutes、/escalate）里有“私下留言
（不署名）”一节。召集人在群里发 /minutes：纪要私下发给他，群里只有一句很快就删掉的话；他还没
开启私聊：群里回一个“📄 获取纪要”按钮，一按就开启私聊、把纪要发过去。整个故事里机器人发到群里
的每一条消息、每一份文档都没有留言的原文。"""

from __future__ import annotations

import io
from datetime import UTC, datetime

from docx import Document

from tests.kit.story import deep_link_payload

COMMENT = "村委会的账目不清楚，我不敢在群里说"


def link_button(message: dict, words: str) -> dict:
    return next(
        b
        for row in (message.get("reply_markup") or {}).get("inline_keyboard", [])
        for b in row
        if words in b["text"]
    )


def documents(world, chat_id: int) -> list[dict]:
    return [
        m
        for (chat, _), m in sorted(world.api.messages.items())
        if chat == chat_id and "document" in m
    ]


def docx_text(data: bytes) -> str:
    return "\n".join(p.text for p in Document(io.BytesIO(data)).paragraphs)


def everything_sent_to(world, chat_id: int) -> list[str]:
    """Every text, caption and document (read) the bot ever sent or edited into this chat."""
    seen = []
    for call in world.api.calls:
        if call.chat_id != chat_id:
            continue
        for key in ("text", "caption"):
            if call.params.get(key):
                seen.append(str(call.params[key]))
    for (chat, _), message in world.api.messages.items():
        if chat == chat_id and message.get("upload"):
            seen.append(docx_text(message["upload"]))
    return seen


async def 有私下留言的议题(world):
    """东山村通过了一个议题，7 天的跟踪卡片上李大姐评价并私下留言。"""
    world.clock.set(datetime(2026, 3, 2, 2, 0, tzinfo=UTC))
    group = world.group("东山村")
    chen = group.convenor("陈支书")
    wang, li = group.member("王秀英"), group.member("李大姐")
    await wang.says("/propose 修村口的路")
    await chen.says("/accept 1 1小时 1小时")
    await wang.says("/draft 1 今年内把村口的路修好。")
    await chen.says("/vote 1 1")
    ballot = group.last_bot_message()
    for person in (chen, wang, li):
        await person.presses(ballot, "同意")
    await chen.says("/close 1")
    await world.advance(days=7)
    card = group.last_bot_message()
    await li.presses(card, "不满意")
    await li.says_privately("/start " + deep_link_payload(link_button(card, "私下留言")["url"]))
    await li.says_privately(COMMENT)
    return group, chen, wang, li


async def test_minutes_在群里发_纪要私下发给召集人_群里没有文档(world):
    group, chen, wang, li = await 有私下留言的议题(world)
    await group.bot_becomes("administrator", can_delete_messages=True)
    await chen.starts_bot()
    await chen.says("/minutes 1")
    assert documents(world, group.chat_id) == []
    [sent] = documents(world, chen.id)
    assert COMMENT in docx_text(sent["upload"])
    said = group.last_bot_message()["text"]
    assert "私下发给你" in said and "纪要" in said
    # 这句话一分钟后和命令一起删掉（机器人能删消息时）。
    async with world.rt.db.read() as tx:
        tidy = await tx.scalar(
            "SELECT COUNT(*) FROM scheduled WHERE kind = 'tidy_refusal' AND chat_id = ?",
            (group.chat_id,),
        )
    assert tidy == 1


async def test_召集人没开私聊_群里给获取纪要的按钮_一按就私下收到(world):
    group, chen, wang, li = await 有私下留言的议题(world)
    await chen.says("/minutes 1")
    assert documents(world, group.chat_id) == []
    assert documents(world, chen.id) == []
    offer = group.last_bot_message()
    assert "私下" in offer["text"] or "私聊" in offer["text"]
    url = link_button(offer, "获取纪要")["url"]
    assert deep_link_payload(url) == f"mn_{group.chat_id}_1"

    # 不是召集人的人按这个链接：照常客气地拒绝，不发文档。
    await wang.says_privately("/start " + deep_link_payload(url))
    assert documents(world, wang.id) == []
    assert "召集人" in wang.last_private_message()["text"]

    await chen.says_privately("/start " + deep_link_payload(url))
    [sent] = documents(world, chen.id)
    assert COMMENT in docx_text(sent["upload"])
    assert documents(world, group.chat_id) == []


async def test_整个故事里_发到群里的东西都没有私下留言的原文(world):
    group, chen, wang, li = await 有私下留言的议题(world)
    await chen.says("/minutes 1")  # 还没开私聊
    await chen.starts_bot()
    await chen.says("/minutes 1")
    await world.advance(days=30)  # 留言汇总、30 天的卡片
    await chen.says("/escalate 1 账目的事请镇里来调解")
    await world.advance(days=1)
    # 召集人确实看到了留言（汇总和纪要里）……
    assert any(COMMENT in m.get("text", "") for m in chen.private_messages())
    assert any(COMMENT in docx_text(m["upload"]) for m in documents(world, chen.id))
    # ……群里从来没有。
    seen = everything_sent_to(world, group.chat_id)
    assert seen and not any(COMMENT in text for text in seen)
    assert not any("私下留言（不署名）" in text for text in seen)
