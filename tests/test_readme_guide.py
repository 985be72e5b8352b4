"""The README's Chinese quick guide for convenors, played as written (issue 12).

Every command example in the guide (`/…` in backticks) is typed here, word for word, into a
Chinese group, and what it did is read back from the records; a guide example that this story
does not play fails the test, so the guide cannot promise what the bot refuses.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.rules.phases import Status
from storage import drafts as draft_repo
from storage import followup as followup_repo
from storage import topics as topic_repo
from storage import votes as vote_repo
from tests.kit.story import button_labels

README = Path(__file__).resolve().parent.parent / "README.md"
GUIDE_HEADING = "## 召集人快速上手（中文）"

# Typed below, word for word: by the whole story, and by the one about what goes wrong.
STORY = [
    "/convenor add",
    "/settings",
    "/settings threshold 2/3",
    "/propose 村东头的路灯坏了",
    "/accept 1 3天 2天",
    "/draft 1 由村委会本月内报修，费用从公益金出",
    "/amend 改后的文字",
    "/vote 1 2 3天",
    "/action 1 3月31日 找电工换灯",
    "/progress A1 50 已联系电工",
    "/done A1",
    "/minutes 1",
    "/reopen 1",
]
WHEN_IT_GOES_WRONG = [
    "/extend 1 1天",
    "/close 1",
    "/round 1 views",
    "/round 1 drafts",
    "/end 1",
    "/decline 1 理由",
    "/escalate 1 理由",
    "/help",
    "/help 召集人",
]
# Offline meetings and the law as the backstop (issue 13).
MEETING_GUIDE = [
    "/form 1 树下贤聊",
    "/meeting 1 明天 19:30 村委会门口",
    "/attendance 1 15",
    "/tally 1 12 1 2 0",
    "/proxy 1 王奶奶 同意",
    "/escalate 1 调解 理由",
    "/resolve 1 两户各让半米",
]


def typed_texts(world) -> list[str]:
    """Record what members type from now on (the texts of the messages Telegram delivers)."""
    typed: list[str] = []
    push = world.push

    def recording(payload):
        typed.append(payload.get("message", {}).get("text", ""))
        return push(payload)

    world.push = recording
    return typed


def guide() -> str:
    text = README.read_text(encoding="utf-8")
    start = text.index(GUIDE_HEADING)
    end = text.index("\n## ", start + len(GUIDE_HEADING))
    return text[start:end]


def test_指南里的每条命令都在这个故事里走过一遍():
    shown = {m for m in re.findall(r"`(/[^`]+)`", guide())}
    assert shown, "the guide shows no command"
    played = set(STORY) | set(WHEN_IT_GOES_WRONG) | set(MEETING_GUIDE)
    assert shown <= played, f"guide examples nobody played: {sorted(shown - played)}"


async def 议题(world, group, number):
    async with world.rt.db.read() as tx:
        return await topic_repo.get_topic(tx, group.chat_id, number)


async def test_按指南走完一件事_从提出到纪要(world):
    world.clock.set(datetime(2026, 3, 2, 2, 0, tzinfo=UTC))  # 周一 10:00 北京时间
    typed = typed_texts(world)
    group = world.group("东山村")
    chen = group.convenor("陈支书")
    wang, liu, zhao, sun = (group.member(n) for n in ("王秀英", "刘德福", "赵老汉", "孙大姐"))
    li = group.member("李会计")

    # 开始之前：让李会计也当召集人；看规矩；改通过比例。
    said = await li.says("李会计在")
    await chen.replies_to(said, "/convenor add")
    await chen.says("/settings")
    assert "通过" in group.last_bot_message()["text"]
    await li.says("/settings threshold 2/3")
    assert "2/3" in group.last_bot_message()["text"]
    async with world.rt.db.read() as tx:
        stored = await tx.scalar(
            "SELECT settings_json FROM chats WHERE chat_id = ?", (group.chat_id,)
        )
    assert "2/3" in stored

    # 提出、附议、受理。
    await wang.says("/propose 村东头的路灯坏了")
    card = group.last_bot_message()
    assert "附议" in " ".join(button_labels(card))
    await liu.presses(card, "附议")
    await chen.says("/accept 1 3天 2天")
    topic = await 议题(world, group, 1)
    assert topic.status == Status.DELIBERATING
    assert topic.phase_deadline == world.clock.now() + timedelta(days=3)

    # 发表意见：按“支持”，回答机器人的问题。
    card = group.last_bot_message()
    for message in reversed(group.bot_messages()):
        if "支持" in " ".join(button_labels(message)):
            card = message
            break
    await zhao.presses(card, "支持")
    question = group.last_bot_message()
    await zhao.replies_to(question, "晚上走路太黑，早该修了")
    async with world.rt.db.read() as tx:
        stances = await tx.fetchall(
            "SELECT stance, text FROM views WHERE topic_id = ?", (topic.id,)
        )
    assert [(r[0], r[1]) for r in stances] == [("support", "晚上走路太黑，早该修了")]

    # 拟定共识：一个草案，回复它改一版。
    await sun.says("/draft 1 由村委会本月内报修，费用从公益金出")
    draft_message = group.last_bot_message()
    await liu.replies_to(draft_message, "/amend 改后的文字")
    async with world.rt.db.read() as tx:
        drafts = await draft_repo.list_drafts(tx, topic.id)
    assert [d.number for d in drafts] == [1, 2]
    assert drafts[1].text == "改后的文字"

    # 表决：草案 2，三天；投票卡片按人数说。
    await chen.says("/vote 1 2 3天")
    ballot = group.last_bot_message()
    assert "已投 0 人" in ballot["text"]
    for person in (wang, liu, zhao, sun):
        await person.presses(ballot, "同意")
    await world.advance(timedelta(days=3, minutes=1))
    topic = await 议题(world, group, 1)
    assert topic.status == Status.ADOPTED
    async with world.rt.db.read() as tx:
        assert await vote_repo.adopted_text(tx, topic.id) == "改后的文字"

    # 落实：回复负责人的消息派事项；负责人报进度、办结。
    # The empty list's example is the very command typed next (as a reply to the owner).
    await chen.says("/actions 1")
    assert "例如：/action 1 3月31日 找电工换灯" in group.last_bot_message()["text"]
    said = await liu.says("路灯的事我来跑")
    await chen.replies_to(said, "/action 1 3月31日 找电工换灯")
    await liu.says("/progress A1 50 已联系电工")
    async with world.rt.db.read() as tx:
        action = await followup_repo.get_action(tx, group.chat_id, 1)
    assert (action.owners, action.percent, action.due_date.isoformat()) == (
        (liu.id,),
        50,
        "2026-03-31",
    )
    await liu.says("/done A1")
    async with world.rt.db.read() as tx:
        assert (await followup_repo.get_action(tx, group.chat_id, 1)).status == "done"

    # 纪要：Word 文档私下发给召集人（里面有村民的私下留言，不发到群里）。
    await chen.starts_bot()
    await chen.says("/minutes 1")
    documents = [c for c in world.api.calls if c.method == "sendDocument"]
    assert documents and documents[-1].params["chat_id"] == chen.id

    # 评价不满意时可以重新协商。
    await chen.says("/reopen 1")
    topic = await 议题(world, group, 1)
    assert topic.status == Status.DELIBERATING
    assert set(STORY) <= set(typed), sorted(set(STORY) - set(typed))


async def test_按指南_时间不够_没通过_不受理_协商不成(world):
    world.clock.set(datetime(2026, 3, 2, 2, 0, tzinfo=UTC))
    typed = typed_texts(world)
    group = world.group("西山村")
    chen = group.convenor("陈支书")
    wang, liu = group.member("王秀英"), group.member("刘德福")

    await wang.says("/propose 修水渠")
    await chen.says("/accept 1 1天 1天")
    deadline = (await 议题(world, group, 1)).phase_deadline
    await chen.says("/extend 1 1天")
    assert (await 议题(world, group, 1)).phase_deadline == deadline + timedelta(days=1)

    await wang.says("/draft 1 今年冬天修好水渠")
    await chen.says("/vote 1 1 1天")
    ballot = group.last_bot_message()
    await liu.presses(ballot, "反对")
    await chen.says("/close 1")
    assert (await 议题(world, group, 1)).status == Status.NOT_ADOPTED
    await chen.says("/round 1 views")
    assert (await 议题(world, group, 1)).status == Status.DELIBERATING

    await wang.says("/draft 1 明年春天修好水渠")
    await chen.says("/vote 1 2 1天")
    await liu.presses(group.last_bot_message(), "反对")
    await chen.says("/close 1")
    await chen.says("/round 1 drafts")
    assert (await 议题(world, group, 1)).status == Status.DELIBERATING
    await chen.says("/end 1")
    assert (await 议题(world, group, 1)).status == Status.CLOSED

    south = world.group("南山村")
    chen_s, zhou = south.convenor("陈支书"), south.member("周大爷")
    await zhou.says("/propose 给村里装个大喇叭")
    await chen_s.says("/decline 1 理由")
    async with world.rt.db.read() as tx:
        assert (await topic_repo.get_topic(tx, south.chat_id, 1)).status == Status.DECLINED

    north = world.group("北山村")
    chen_n, wu = north.convenor("陈支书"), north.member("吴婶")
    await wu.says("/propose 宅基地边界纠纷")
    await chen_n.says("/accept 1 1天 1天")
    await chen_n.says("/escalate 1 理由")
    async with world.rt.db.read() as tx:
        assert (await topic_repo.get_topic(tx, north.chat_id, 1)).status == Status.ESCALATED

    await wang.says("/help")
    help_text = group.last_bot_message()["text"]
    assert "/propose" in help_text and "/help 召集人" in help_text
    await wang.says("/help 召集人")
    help_text = group.last_bot_message()["text"]
    for command in ("/minutes", "/escalate", "/extend"):
        assert command in help_text
    assert set(WHEN_IT_GOES_WRONG) <= set(typed), sorted(set(WHEN_IT_GOES_WRONG) - set(typed))


async def test_按指南开一次线下会_协商不成提交调解(world):
    world.clock.set(datetime(2026, 3, 2, 2, 0, tzinfo=UTC))  # 周一 10:00 北京时间
    typed = typed_texts(world)
    group = world.group("东山村")
    chen = group.convenor("陈支书")
    wang, liu = group.member("王秀英"), group.member("刘德福")
    await wang.says("/propose 村口老槐树下修个凉亭")
    await chen.says("/accept 1 3天 3天")
    await chen.says("/form 1 树下贤聊")
    await chen.says("/meeting 1 明天 19:30 村委会门口")
    card = group.last_bot_message()
    await liu.presses(card, "参加")
    await wang.says("/draft 1 在老槐树下修凉亭，费用由村集体承担")
    await chen.says("/vote 1 1")
    await chen.says("/proxy 1 王奶奶 同意")
    await world.advance(hours=34)  # 周二 20:00，会开过了
    await chen.says("/attendance 1 15")
    await chen.replies_to(card, "大家同意修凉亭")
    await chen.says("/tally 1 12 1 2 0")
    assert (await 议题(world, group, 1)).status == Status.ADOPTED

    west = world.group("西山村")
    chen_w, zhou = west.convenor("陈支书"), west.member("周大爷")
    await zhou.says("/propose 两户院墙边界")
    await chen_w.says("/accept 1 1天 1天")
    await chen_w.says("/escalate 1 调解 理由")
    await chen_w.says("/resolve 1 两户各让半米")
    async with world.rt.db.read() as tx:
        topic = await topic_repo.get_topic(tx, west.chat_id, 1)
        outcome = await tx.scalar("SELECT outcome FROM escalations WHERE topic_id = ?", (topic.id,))
    assert topic.status == Status.ESCALATED and outcome == "两户各让半米"
    assert set(MEETING_GUIDE) <= set(typed), sorted(set(MEETING_GUIDE) - set(typed))
