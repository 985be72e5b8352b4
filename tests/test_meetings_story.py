"""西山村的两件事（issue 13）：一件在老槐树下开会商量——报名、会前提醒（中间机器人重启）、实到人数、
会议纪要（文字和照片）、会上举手表决（有一张代投票）算作表决结果；另一件协商不成，提交民事调解，
三十天后机器人来问结果，召集人记下处理结果。卡片、纪要（Markdown 和 Word）和导出都看得到。"""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime

from docx import Document

from bot import callbacks
from bot.export import export_command
from bot.services import kinds
from storage import topics as topic_repo

会议卡片标题 = "📅 树下贤聊：议题 #1 村口老槐树下修个凉亭"


def read_docx(data: bytes) -> str:
    return "\n".join(p.text for p in Document(io.BytesIO(data)).paragraphs)


def 现在的(world, group, message):
    return world.api.messages[(group.chat_id, message["message_id"])]


def 卡片(world, group, number):
    for message in reversed(group.bot_messages()):
        current = 现在的(world, group, message)
        if current["text"].startswith(f"议题 #{number}："):
            return current
    raise AssertionError(f"no card of topic #{number}")


async def 西山村(world):
    """周一 2026-03-02 10:00（北京时间）。召集人李书记，六位村民；刘德福和李书记开过机器人的私聊。"""
    world.clock.set(datetime(2026, 3, 2, 2, 0, tzinfo=UTC))
    group = world.group("西山村")
    li = group.convenor("李书记")
    people = [group.member(n) for n in ("王秀英", "刘德福", "张大妈", "孙老汉", "赵四", "周婶")]
    await li.starts_bot()
    await people[1].starts_bot()
    return group, li, people


async def test_树下贤聊_报名_提醒_重启_实到_纪要_举手表决和代投(world, tmp_path):
    group, li, people = await 西山村(world)
    wang, liu, zhang, sun, zhao, zhou = people
    await wang.says("/propose 村口老槐树下修个凉亭\n老人们夏天没处乘凉。")
    await li.says("/accept 1 2天 4天")
    await li.says("/form 1 树下贤聊")
    assert "协商形式改为：树下贤聊" in group.last_bot_message()["text"]

    # 约会：3月5日（周四）晚上7点，村口大槐树下。
    await li.says("/meeting 1 3月5日 晚上7点 村口大槐树下")
    card = group.last_bot_message()
    text = card["text"]
    assert text.startswith(会议卡片标题)
    assert "时间：3月5日（周四）19:00（北京时间）" in text
    assert "地点：村口大槐树下" in text
    assert "召集人：李书记" in text
    assert "会前 2小时 我会提醒" in text.replace(" 小时", "小时")
    assert [b["text"] for row in card["reply_markup"]["inline_keyboard"] for b in row] == [
        "✅ 参加（0）",
        "❌ 不能参加（0）",
    ]

    # 报名：王、刘、张说来，孙说来不了；张后来改主意。
    for person in (wang, liu, zhang):
        answer = await person.presses(card, "参加")
        assert answer.params["text"] == "记下了：你会参加，谢谢！"
    assert (await sun.presses(card, "不能参加")).params["text"].startswith("记下了：你不能参加")
    await zhang.presses(card, "不能参加")
    edits_before = len(group.edits())
    await world.run_due()
    # 五次按键，一次编辑（合并刷新）。
    assert len(group.edits()) - edits_before <= 2
    shown = 现在的(world, group, card)
    assert "✅ 参加 2 人 · ❌ 不能参加 2 人" in shown["text"]
    assert [b["text"] for row in shown["reply_markup"]["inline_keyboard"] for b in row] == [
        "✅ 参加（2）",
        "❌ 不能参加（2）",
    ]
    assert (
        "📅 树下贤聊：3月5日（周四）19:00（北京时间），村口大槐树下；已有 2 人报名参加。"
        in 卡片(world, group, 1)["text"]
    )

    # 草案、表决；王奶奶没有手机，李书记替她代投。
    await wang.says("/draft 1 在村口老槐树下修一个凉亭，费用由村集体承担。")
    await li.says("/vote 1 1")
    ballot = group.last_bot_message()
    await zhou.presses(ballot, "同意")  # 周婶不来开会，在网上投了
    await li.says("/proxy 1 王奶奶 同意")
    assert group.last_bot_message()["text"] == "已由李书记为王奶奶代投议题 #1：同意。"
    await world.run_due()
    assert "已投 2 人" in 现在的(world, group, ballot)["text"]

    # 会前 2 小时（17:00）提醒；16:30 机器人重启，提醒照样只发一次。
    await world.advance(hours=3 * 24 + 6, minutes=30)  # 3月5日 16:30
    assert not any("⏰ 提醒" in t for t in group.texts())
    await world.restart()
    await world.advance(minutes=31)
    reminders = [t for t in group.texts() if t.startswith("⏰ 提醒")]
    assert len(reminders) == 1, reminders
    assert reminders[0].startswith(
        "⏰ 提醒：议题 #1（村口老槐树下修个凉亭）的树下贤聊定于3月5日（周四）19:00（北京时间）在村口大槐树下举行，已有 2 人报名参加：王秀英。"
    )
    assert "刘德福" not in reminders[0]  # 他开过私聊，私下提醒
    private = liu.last_private_message()["text"]
    assert private.startswith("⏰ 西山村：议题 #1（村口老槐树下修个凉亭）的树下贤聊定于")
    assert private.endswith("你报名了参加。")
    await world.restart()
    await world.advance(minutes=10)
    assert len([t for t in group.texts() if t.startswith("⏰ 提醒")]) == 1

    # 会前：报名截止前不能记实到人数。
    await li.says("/attendance 1 15")
    assert group.last_bot_message()["text"] == "议题 #1 的会议还没开始，请会后再记录。"

    # 会开过了：19:00 之后。会议一开始，卡片上的报名按钮就收起，改为请召集人记录。
    await world.advance(hours=2)  # 19:11
    begun = 现在的(world, group, card)
    assert not (begun.get("reply_markup") or {}).get("inline_keyboard")
    assert "会后请召集人回复这张卡片记录会议纪要" in begun["text"]
    # A press from a stale copy of the card (the buttons it had) changes nothing.
    late = await sun.presses_data(card, callbacks.rsvp(1, 1, True))
    assert late.params["text"] == "会议已经开始，不再报名。"
    await li.says("/attendance 1 15")
    assert group.last_bot_message()["text"] == "已记录：议题 #1 的会议实到 15 人。"
    await li.replies_to(card, "大家同意在老槐树下修凉亭，由村集体出钱，秋收后动工。")
    assert group.last_bot_message()["text"] == "已记入议题 #1 的会议纪要（第 1 条）。"
    await li.sends_photo(reply_to=card)
    assert group.last_bot_message()["text"] == "已记入议题 #1 的会议纪要（第 2 条）。"
    # 村民回复会议卡片只是聊天，不算纪要，机器人也不插话。
    sent_before = len(group.sent())
    await wang.replies_to(card, "我也去了，挺好")
    assert len(group.sent()) == sent_before
    await world.run_due()
    shown = 现在的(world, group, card)["text"]
    assert "实到：15 人" in shown and "纪要：2 条，照片 1 张" in shown
    assert "reply_markup" not in 现在的(world, group, card) or not 现在的(world, group, card)[
        "reply_markup"
    ].get("inline_keyboard")

    # 会上举手表决：同意 12、弃权 1、反对 2、阻止 0；连同网上一票、代投一票算结果。
    await li.says("/tally 1 12 1 2 0")
    texts = group.texts()
    said = next(t for t in reversed(texts) if t.startswith("议题 #1 会上举手表决"))
    assert said == (
        "议题 #1 会上举手表决，由李书记在会上记录：同意 12，弃权 1，反对 2，否决 0。"
        "连同网上投票 1 票、代投 1 票一并计算，结果随后公布。"
    )
    result = next(t for t in reversed(texts) if t.startswith("议题 #1 已通过"))
    assert "✅ 同意 14 · ⚪ 弃权 1 · ❌ 反对 2 · ⛔ 否决 0" in result
    assert "🙋 含会上举手表决（同意 12，弃权 1，反对 2，否决 0），由 李书记 在会上记录。" in result
    await world.run_due()
    assert "/tally" not in 现在的(world, group, card)["text"]  # 表决已结束

    async with world.rt.db.read() as tx:
        topic = await topic_repo.get_topic(tx, group.chat_id, 1)
        followups = await tx.fetchall(
            "SELECT 1 FROM scheduled WHERE kind = ? AND ref_id = ? AND done_at IS NULL",
            (kinds.FOLLOWUP, topic.id),
        )
        history = [h.event for h in await topic_repo.history(tx, topic.id)]
    assert topic.status == "adopted" and followups  # 和网上表决一样：通过，排好跟踪反馈
    for event in ("form_set", "meeting_called", "proxy_ballot", "attendance", "meeting_minutes"):
        assert event in history, event
    assert history.index("show_of_hands") < history.index("adopted")

    # 导出：会议（报名、实到、纪要、举手表决）、代投。
    out = tmp_path / "export.json"
    assert await export_command(world.settings, group.chat_id, "json", str(out)) == 0
    [record] = json.loads(out.read_text(encoding="utf-8"))["chats"][0]["topics"]
    assert record["form"] == "under_tree"
    [meeting] = record["meetings"]
    assert meeting["place"] == "村口大槐树下" and meeting["form"] == "under_tree"
    assert meeting["starts_at"] == "2026-03-05T11:00:00+00:00"
    assert meeting["rsvp"] == {"yes": sorted([wang.id, liu.id]), "no": sorted([zhang.id, sun.id])}
    assert meeting["attendance"] == 15 and meeting["attendance_by"] == li.id
    assert [n["text"] for n in meeting["minutes"]][0].startswith("大家同意")
    assert meeting["minutes"][1]["photo_file_id"].startswith("photo-file-")
    assert meeting["tallies"] == [
        {
            "draft_id": 1,
            "tally": {"agree": 12, "abstain": 1, "disagree": 2, "block": 0},
            "recorded_by": li.id,
            "at": meeting["tallies"][0]["at"],
        }
    ]
    [proxy] = record["proxy_ballots"]
    assert proxy == {
        "draft_id": 1,
        "name": "王奶奶",
        "choice": "agree",
        "entered_by": li.id,
        "at": proxy["at"],
    }
    assert record["votes"][0]["tally"] == {"agree": 14, "abstain": 1, "disagree": 2, "block": 0}
    assert record["votes"][0]["result"] == "adopted"

    # 纪要（Markdown）：形式和地点、线下会议、代投。
    md = tmp_path / "minutes.md"
    assert await export_command(world.settings, group.chat_id, "md", str(md)) == 0
    lines = md.read_text(encoding="utf-8").splitlines()
    for line in (
        "- 形式和地点：树下贤聊，地点：村口大槐树下，时间：2026-03-05 19:00；线上在群“西山村”中",
        "### 线下会议",
        "- 树下贤聊：2026-03-05 19:00，村口大槐树下；召集人：李书记",
        "  - 报名参加 2 人（王秀英、刘德福）；不能参加 2 人",
        "  - 实到 15 人（李书记 记录）",
        "  - 草案 1 会上举手表决，由 李书记 记录：同意 12、弃权 1、反对 2、否决 0",
        "### 代投",
    ):
        assert line in lines, (line, [x for x in lines if x[:4] == line[:4]])
    assert any(x.startswith("- 王奶奶：同意（李书记 代投") for x in lines)
    assert any(x.startswith("  - 照片（李书记，") for x in lines)

    # Word 纪要里也有。
    docx = tmp_path / "minutes.docx"
    assert await export_command(world.settings, group.chat_id, "docx", str(docx)) == 0
    words = read_docx(docx.read_bytes())
    assert "线下会议" in words and "实到 15 人（李书记 记录）" in words
    assert "王奶奶：同意" in words


async def test_协商不成提交民事调解_三十天后来问_记下处理结果(world, tmp_path):
    group, li, people = await 西山村(world)
    wang, liu = people[:2]
    await wang.says("/propose 两户宅基地边界\n王家和刘家为院墙位置争执多年。")
    await li.says("/accept 1 2天 1天")
    await wang.says("/view 1 oppose 墙是我家的")
    await li.says("/escalate 1 调解 两户对院墙边界各执一词，群里协商不成")
    said = group.last_bot_message()["text"]
    assert said.startswith("议题 #1 已提交民事调解：两户对院墙边界各执一词，群里协商不成\n")
    assert "/resolve 1" in said
    # 纪要（Word）私下发给召集人。
    [document] = [m for m in li.private_messages() if "document" in m]
    assert "提交民事调解；理由：两户对院墙边界各执一词" in read_docx(document["upload"])
    await world.run_due()
    card = 卡片(world, group, 1)["text"]
    assert "⚖️ 3月2日（周一）已提交民事调解：两户对院墙边界各执一词，群里协商不成" in card

    # 二十九天：还不问；三十天：群里问，也私下问召集人。
    await world.advance(days=29)
    assert not any("现在处理得怎么样了" in t for t in group.texts())
    await world.advance(days=1)
    asked = group.last_bot_message()["text"]
    assert asked.startswith(
        "⚖️ 议题 #1（两户宅基地边界）3月2日（周一）提交了民事调解，现在处理得怎么样了？"
    )
    assert "现在处理得怎么样了" in li.last_private_message()["text"]
    assert li.last_private_message()["text"].startswith("西山村 · 议题 #1")

    await wang.says("/resolve 1 调解好了")
    assert group.last_bot_message()["text"] == "只有本群的召集人可以进行此操作。"
    await li.says("/resolve 1 经村调解委员会调解，两户各让半米，重新砌墙，费用平摊。")
    assert group.last_bot_message()["text"] == (
        "已记录议题 #1 经民事调解的处理结果：经村调解委员会调解，两户各让半米，重新砌墙，费用平摊。"
    )
    await world.run_due()
    assert "✅ 处理结果：经村调解委员会调解，两户各让半米" in 卡片(world, group, 1)["text"]

    out = tmp_path / "export.json"
    assert await export_command(world.settings, group.chat_id, "json", str(out)) == 0
    [record] = json.loads(out.read_text(encoding="utf-8"))["chats"][0]["topics"]
    [escalation] = record["escalations"]
    assert escalation["venue"] == "mediation" and escalation["escalated_by"] == li.id
    assert (
        escalation["outcome"].startswith("经村调解委员会调解")
        and escalation["resolved_by"] == li.id
    )
    md = tmp_path / "minutes.md"
    assert await export_command(world.settings, group.chat_id, "md", str(md)) == 0
    text = md.read_text(encoding="utf-8")
    assert "2026-03-02 10:00：提交民事调解；理由：两户对院墙边界各执一词，群里协商不成" in text
    assert "：处理结果：经村调解委员会调解，两户各让半米，重新砌墙，费用平摊。" in text
    docx = tmp_path / "minutes.docx"
    assert await export_command(world.settings, group.chat_id, "docx", str(docx)) == 0
    assert "处理结果：经村调解委员会调解" in read_docx(docx.read_bytes())


async def test_提交共享法庭_英文群(world):
    group, li, people = await 西山村(world)
    await li.says("/language en")
    await people[0].says("/propose Boundary wall")
    await li.says("/accept 1 2d 1d")
    await li.says("/escalate 1 court the families will not meet")
    assert group.last_bot_message()["text"].startswith(
        "Topic #1 is escalated to the shared court: the families will not meet\n"
    )
    await world.run_due()
    assert "⚖️ Sent to the shared court on Mon 2 Mar: the families will not meet" in 卡片_en(
        world, group
    )


def 卡片_en(world, group):
    for message in reversed(group.bot_messages()):
        current = 现在的(world, group, message)
        if current["text"].startswith("<b>Topic #1") or current["text"].startswith("Topic #1:"):
            return current["text"]
    raise AssertionError("no card")


async def test_an_english_group_meets_too(world):
    world.clock.set(datetime(2026, 3, 2, 2, 0, tzinfo=UTC))  # Mon 10:00 China time
    group = world.group("Dongshan village")
    chen = group.convenor("chen", language="en")
    alice, bob = group.member("alice", language="en"), group.member("bob", language="en")
    await chen.says("/language en")
    await alice.says("/propose A pavilion under the old tree")
    await chen.says("/accept 1 2d 4d")
    await chen.says("/meeting 1 tomorrow 7pm the village hall")
    card = group.last_bot_message()
    assert card["text"].startswith("📅 Offline meeting on topic #1: A pavilion under the old tree")
    assert "Time: Tue 3 Mar 19:00 (China time)" in card["text"]
    answer = await alice.presses(card, "Coming")
    assert answer.params["text"] == "Noted: you will come. Thank you!"
    await bob.presses(card, "Cannot come")
    await world.run_due()
    assert "✅ Coming: 1 · ❌ Cannot come: 1" in 现在的(world, group, card)["text"]
    await world.advance(hours=31)  # Tue 17:00
    reminder = group.last_bot_message()["text"]
    assert reminder.startswith(
        "⏰ The offline meeting on topic #1 (A pavilion under the old tree) is Tue 3 Mar 19:00"
    )
    assert "1 say they will come: Alice." in reminder
    await world.advance(hours=3)
    await chen.says("/attendance 1 9")
    assert group.last_bot_message()["text"] == "Recorded: 9 came to the meeting on topic #1."


async def test_改期_旧的会议不再提醒_旧卡片不再报名(world):
    """Review: a second /meeting left the first one's reminder and begins rows alive, so the
    group was reminded of the old time and place, and the old card kept taking answers."""
    group, li, people = await 西山村(world)
    wang = people[0]
    await wang.says("/propose 村口老槐树下修个凉亭")
    await li.says("/accept 1 3天 4天")
    await li.says("/meeting 1 明天 19:30 老槐树下")
    old_card = group.last_bot_message()
    coming = old_card["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    await li.says("/meeting 1 3月5日 19:30 村委会")
    new_card = group.last_bot_message()
    assert new_card["message_id"] != old_card["message_id"]
    retired = 现在的(world, group, old_card)
    assert "已改期" in retired["text"] and not retired.get("reply_markup")
    refused = await wang.presses_data(old_card, coming)
    assert "改期" in refused.params["text"]
    # 周二 17:30（原来那次会前两小时）：不提醒；周四 17:30：提醒新的时间地点。
    await world.advance(days=1, hours=7, minutes=30)
    assert not any(t.startswith("⏰ 提醒") for t in group.texts())
    await world.advance(days=2)
    [reminder] = [t for t in group.texts() if t.startswith("⏰ 提醒")]
    assert "在村委会举行" in reminder and "在老槐树下" not in reminder


async def test_会议卡片发不出去时等着群_能发了再发(world):
    """Review: a meeting card the group refused (the bot muted a moment) was never posted: the
    meeting, its reminder and its begins rows existed, with no card to answer on."""
    from tests.kit.fake_api import CHAT_WRITE_FORBIDDEN

    group, li, people = await 西山村(world)
    wang = people[0]
    await wang.says("/propose 村口老槐树下修个凉亭")
    await li.says("/accept 1 3天 4天")
    world.api.refuse_writes(group.chat_id, CHAT_WRITE_FORBIDDEN)
    await li.says("/meeting 1 3月5日 19:30 老槐树下")
    assert not any(t.startswith("📅 ") for t in group.texts())
    world.api.allow_writes(group.chat_id)
    await world.advance(minutes=1)
    await wang.says("我来了")
    [card] = [m for m in group.bot_messages() if m["text"].startswith("📅 ")]
    assert "老槐树下" in card["text"] and card.get("reply_markup")
    async with world.rt.db.read() as tx:
        [(message_id,)] = await tx.fetchall("SELECT card_message_id FROM meetings")
    assert message_id == card["message_id"]
