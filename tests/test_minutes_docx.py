"""县里存档用的协商纪要：/minutes N 发来一份 Word 文档（.docx），用群的语言，先写结论；
`shangliang export --format docx` 写出同一份；/escalate 把它私下发给召集人。文档里没有任何 Telegram 编号。"""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime

from docx import Document

from bot.export import export_command
from tests.kit.story import deep_link_payload


def read_docx(data: bytes) -> str:
    return "\n".join(p.text for p in Document(io.BytesIO(data)).paragraphs)


def documents(world, chat_id: int) -> list[dict]:
    return [
        m
        for (chat, _), m in sorted(world.api.messages.items())
        if chat == chat_id and "document" in m
    ]


async def deliberation(world):
    """东山村议一件事：提议、附议、受理、意见、草案和修改、表决（有人反对并说理由）、落实事项。"""
    world.clock.set(datetime(2026, 3, 2, 2, 0, tzinfo=UTC))
    group = world.group("东山村")
    chen = group.convenor("陈支书")
    wang, liu, zhang, li, zhao = (
        group.member(n) for n in ("王秀英", "刘德福", "张大妈", "李强", "赵四")
    )
    await wang.says("/propose 修缮村口水井\n水井年久失修，夏天水质差。")
    await liu.says("/support 1")
    await chen.says("/accept 1 1h 1h")
    card = group.last_bot_message()
    await zhang.says("/view 1 support 支持，早该修了")
    await liu.presses(card, "建议")  # 一条语音意见
    await liu.sends_voice(23, reply_to=group.last_bot_message())
    [link] = [
        b for row in card["reply_markup"]["inline_keyboard"] for b in row if "匿名" in b["text"]
    ]
    await zhao.says_privately("/start " + deep_link_payload(link["url"]))  # 一条匿名意见
    await zhao.presses_privately(zhao.last_private_message(), "担忧")
    await zhao.says_privately("担心费用分摊不公平")
    await li.says("/view 1 oppose 费用太高，不如先清淤")
    await wang.says("/draft 1 村委会年内修缮水井，费用按户均摊。")
    draft = group.last_bot_message()
    await zhao.replies_to(draft, "/amend 村委会年内修缮水井，费用由村集体承担。")
    await chen.says("/vote 1 2")
    ballot = group.last_bot_message()
    for person in (wang, liu, zhang):
        assert await person.presses(ballot, "同意") is not None
    await li.says("/ballot 1 disagree 集体没钱，应先筹款")
    await chen.says("/close 1")
    assert "通过" in group.last_bot_message()["text"]
    hello = await liu.says("申请我去递交")
    await chen.replies_to(hello, "/action 1 2026-03-31 向镇政府递交修缮申请")
    await liu.says("/progress A1 50 材料已备齐")
    return group, chen, (wang, liu, zhang, li, zhao)


def no_raw_ids(text: str, group, people) -> None:
    for number in (group.chat_id, *(p.id for p in people)):
        assert str(number) not in text, number
    assert str(abs(group.chat_id)) not in text


async def test_minutes_是一份县里能存档的_Word_协商纪要(world):
    group, chen, people = await deliberation(world)
    wang, liu, zhang, li, zhao = people

    await wang.says("/minutes 1")  # 不是召集人：照常客气地拒绝，不发文档
    assert "召集人" in group.last_bot_message()["text"]
    assert documents(world, group.chat_id) == []

    await chen.starts_bot()
    await chen.says(
        "/minutes 1"
    )  # the minutes hold private comments: privately, never in the group
    assert documents(world, group.chat_id) == []
    [sent] = documents(world, chen.id)
    assert sent["document"]["file_id"] and sent.get("caption")
    assert "协商纪要" in sent["caption"] or "纪要" in sent["caption"]
    assert world.api.calls_of("sendDocument")[-1].params["document"] == "<file>"
    text = read_docx(sent["upload"])
    lines = text.splitlines()

    # 标题、形式和地点、召集人
    assert lines[0] == "协商纪要：议题 #1 修缮村口水井"
    assert "网上议事，在群“东山村”中" in text
    assert re.search(r"召集人：陈支书", text)
    # 参加人员（名字，不是编号）、应到、实到
    line = next(x for x in lines if x.startswith("参加人员："))
    for person in people:
        assert person.name in line
    assert re.search(r"应到：\d+ 人", text)
    assert "实到：5 人" in text
    # 结论在前：通过的文本在各方意见之前
    conclusion, views = text.index("结论"), text.index("各方意见")
    assert conclusion < text.index("费用由村集体承担") < views
    assert line.endswith("赵四，以及匿名发表意见的成员")
    # 意见按立场：匿名的不写名字，语音写明时长
    assert "张大妈：支持，早该修了" in text and "李强：费用太高，不如先清淤" in text
    assert "刘德福：语音留言 0:23" in text
    assert "匿名：担心费用分摊不公平" in text and "赵四：担心" not in text
    # 共识文本和各个版本
    assert "村委会年内修缮水井，费用按户均摊。" in text
    # 每次表决：规则和结果
    assert "第 1 次表决：草案 2" in text
    assert "同意 3" in text and "反对 1" in text
    assert "规则：应参加 6 人，至少" in text and "结果：通过" in text
    # 少数意见：反对的理由
    minority = text.index("少数意见")
    assert "李强：反对，理由：集体没钱，应先筹款" in text[minority:]
    # 落实事项和跟踪
    assert "事项 A1：向镇政府递交修缮申请" in text
    assert "负责人：刘德福；截止：2026-03-31；状态：进行中，进度 50%" in text
    assert "材料已备齐" in text
    assert "记录：商量机器人" in text
    # 没有编号，没有英文
    no_raw_ids(text, group, people)
    assert re.search(r"[A-Za-z]{3,}", text) is None, re.findall(r"[A-Za-z]{3,}", text)


async def test_export_format_docx_写出同一份纪要(world, tmp_path):
    group, chen, people = await deliberation(world)
    out = tmp_path / "minutes.docx"
    assert await export_command(world.settings, group.chat_id, "docx", str(out)) == 0
    text = read_docx(out.read_bytes())
    assert text.splitlines()[0] == "协商纪要：议题 #1 修缮村口水井"
    assert "实到：5 人" in text and "集体没钱，应先筹款" in text
    no_raw_ids(text, group, people)


async def test_escalate_把纪要私下发给召集人_不给村民看命令行(world):
    group, chen, people = await deliberation(world)
    await chen.says_privately("/start")
    await chen.says("/escalate 1 费用谈不拢，请镇调解委员会调解")
    said = group.last_bot_message()["text"]
    assert "shangliang" not in said and "--format" not in said
    assert "私聊" in said
    [sent] = documents(world, chen.id)
    text = read_docx(sent["upload"])
    assert "协商纪要：议题 #1 修缮村口水井" in text
    assert "费用谈不拢，请镇调解委员会调解" in text
    no_raw_ids(text, group, people)


async def test_escalate_召集人没开私聊_就在群里说用_minutes_取(world):
    group, chen, people = await deliberation(world)
    await chen.says("/escalate 1 费用谈不拢")
    said = group.last_bot_message()["text"]
    assert "shangliang" not in said and str(group.chat_id) not in said
    assert "/minutes 1" in said
    assert documents(world, chen.id) == []


async def test_markdown_纪要也按同样的提纲_没有编号和英文(world, tmp_path):
    group, chen, people = await deliberation(world)
    await chen.says("/escalate 1 费用谈不拢")
    out = tmp_path / "minutes.md"
    assert await export_command(world.settings, group.chat_id, "md", str(out)) == 0
    text = out.read_text(encoding="utf-8")
    lines = text.splitlines()
    for line in (
        "- 形式和地点：网上议事，在群“东山村”中",
        "- 召集人：陈支书",
        "- 实到：5 人",
        "### 结论",
        "### 少数意见",
        "- 李强：反对，理由：集体没钱，应先筹款",
        "### 提交调解",
    ):
        assert line in lines, line
    assert lines.index("### 结论") < lines.index("### 意见") < lines.index("### 少数意见")
    assert text.rstrip().endswith("记录：商量机器人")
    assert "事项 A1，截止 2026-03-31" in text and "事项 A1：50%" in text
    no_raw_ids(text, group, people)
    words = re.sub(r"https://\S+", "", text)  # a voice view's link, to listen to it
    assert re.search(r"[A-Za-z]{3,}", words) is None, re.findall(r"[A-Za-z]{3,}", words)
