"""Wording (issue 12): full-width punctuation beside Chinese, one number per draft, English that
reads as English, and the proposer's own seconding refused as MISSION.md has it (anyone
proposes, *others* second)."""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.pofile import read_po

from storage import topics as topic_repo
from tests.kit.story import button_labels

ZH_CATALOG = Path(__file__).parent.parent / "bot/locales/zh/LC_MESSAGES/shangliang.po"
CJK = r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]"
# A half-width ( ) : ; , . right beside a Chinese character (a space between counts too).
HALF_WIDTH = re.compile(rf"(?<={CJK}) ?[():;,.]|[():;,.] ?(?={CJK})")
# What may keep half-width marks: a link, a list's number at the start of a line ("1. 提出议题").
ALLOWED = (re.compile(r"https?://\S+"), re.compile(r"(?m)^\s*(?:<b>)?\d+\. "))


def half_width_beside_chinese(text: str) -> list[str]:
    """Each half-width mark next to Chinese in `text` (HTML tags, placeholders and the
    allowed places taken out), with a little context."""
    text = re.sub(r"<[^>]+>", "", text)
    text = re.sub(r"\{[^}]*\}", "X", text)
    for allowed in ALLOWED:
        text = allowed.sub("X", text)
    return [text[max(0, m.start() - 8) : m.end() + 8] for m in HALF_WIDTH.finditer(text)]


def test_the_scan_finds_what_it_should():
    assert half_width_beside_chinese("👍 支持 (1)") == ["👍 支持 (1)"]
    assert half_width_beside_chinese("提议人: 王") != []
    assert half_width_beside_chinese("好,走吧") != []
    assert half_width_beside_chinese("👍 支持（1）") == []
    assert half_width_beside_chinese("1. 提出议题：/propose 标题") == []
    assert half_width_beside_chinese("3月5日（周四）10:00（北京时间）") == []
    assert half_width_beside_chinese("见 https://t.me/bot?start=a_1_2 。") == []


def test_the_chinese_catalog_uses_full_width_punctuation():
    with ZH_CATALOG.open("rb") as handle:
        catalog = read_po(handle, locale="zh")
    found = []
    for message in catalog:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for text in strings:
            found += [(message.id, hit) for hit in half_width_beside_chinese(text)]
    assert found == []


async def chinese_story(world):
    """A topic from proposal to its first progress report, in a Chinese group."""
    group = world.group("东山村")
    chen = group.convenor("chen")
    wang, liu = group.member("wang"), group.member("liu")
    await liu.starts_bot()
    await wang.says("/propose 修村口的路\n路面坑洼，下雨积水。")
    card = group.last_bot_message()
    await liu.presses(card, "附议")
    await chen.says("/accept 1 3天 1天")
    await liu.says("/view 1 支持 路早该修了")
    await wang.says("/view 1 担忧 钱从哪里来")
    await chen.says("/view 1 我觉得应该先开会")
    await chen.presses(group.last_bot_message(), "建议")
    await wang.says("/views 1")
    await wang.says("/draft 1 今年内把村口的路修好。")
    draft = group.last_bot_message()
    await liu.replies_to(draft, "/amend 今年内把村口的路修好，费用由村集体承担。")
    await wang.says("/drafts 1")
    await chen.says("/vote 1 草案2 1天")
    ballot = group.last_bot_message()
    for person in (chen, wang, liu):
        await person.presses(ballot, "同意")
    await chen.says("/close 1")
    await world.run_due()
    hello = await liu.says("我来负责")
    await chen.replies_to(hello, "/action 1 3月31日 向镇政府递交申请")
    await liu.says("/progress A1 50 材料已准备好")
    await liu.says("/actions 1")
    await world.run_due()
    return group, chen, wang, liu


async def test_a_chinese_story_shows_full_width_punctuation_beside_chinese(world):
    group, chen, wang, liu = await chinese_story(world)
    api = world.api
    shown = [m["text"] for m in group.bot_messages() if "text" in m]
    shown += [m["text"] for m in liu.private_messages() if "text" in m]
    shown += [c.params["text"] for c in api.calls_of("answerCallbackQuery") if c.params.get("text")]
    shown += [b for m in group.bot_messages() for b in button_labels(m)]
    assert len(shown) > 15
    found = [hit for text in shown for hit in half_width_beside_chinese(text)]
    assert found == []
    # "提出人：王秀英：": a label's colon and then another one.
    assert not [t for t in shown if re.search(r"(?:提出人|提议人)：[^：\n]{1,20}：", t)]


async def test_one_number_per_draft_on_cards(world):
    group, chen, wang, liu = await chinese_story(world)
    texts = group.texts()
    assert not [t for t in texts if "版本" in t]
    assert any(t.startswith("草案 2（议题 #1，修改自草案 1），Liu 提出：") for t in texts)
    assert any("草案 2（修改自草案 1）：" in t for t in texts)  # the ballot card


async def english_group(world):
    group = world.group("Dongshan village")
    chen = group.convenor("chen", language="en")
    await chen.says("/language en")
    alice, bob = group.member("alice", language="en"), group.member("bob", language="en")
    await alice.says("/propose Fix the well")
    return group, chen, alice, bob


async def test_english_reads_as_english(world):
    group, chen, alice, bob = await english_group(world)
    card = group.last_bot_message()
    assert "Proposed by Alice · waiting to be accepted · seconded by 0 people" in card["text"]
    await bob.says("/support 1")
    assert group.last_bot_message()["text"] == "Thank you: topic #1 is now seconded by 1 person."
    await chen.says("/accept 1")
    assert (
        "Proposed by Alice · views being gathered · seconded by 1 person"
        in (group.last_bot_message()["text"])
    )


async def supporters(world, group):
    async with world.rt.db.read() as tx:
        topic = await topic_repo.get_topic(tx, group.chat_id, 1)
        return await topic_repo.supporters(tx, topic.id)


async def test_the_proposer_cannot_second_their_own_topic(world):
    """MISSION.md: anyone proposes a matter; others second it. Refused politely, not counted."""
    group, chen, alice, bob = await english_group(world)
    card = group.last_bot_message()
    answer = await alice.presses(card, "Second")
    assert answer.params["text"] == (
        "You proposed topic #1 yourself: seconding is for the other members. Ask them to second it."
    )
    await alice.says("/support 1")
    assert group.last_bot_message()["text"].startswith("You proposed topic #1 yourself")
    assert await supporters(world, group) == []
    await bob.presses(card, "Second")
    assert await supporters(world, group) == [bob.id]
