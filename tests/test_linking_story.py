"""两商衔接，一个故事从头到尾（issue 13 “Done when” 里属于衔接的部分）：县政协委员之家和东山村、
西河村衔接；东山村商量修桥，通过请求后转给委员之家；委员之家接手、商量、通过给部门的建议并定下
落实事项、跟进；东山村每一步都看得到，也照常给结果打分；委员之家再就第二个问题向两个村征求意见，
按村看到大家的态度；西河村在老槐树下开会商量一件事（报名、会前提醒、实到人数、纪要、举手表决，
其中一张代投票）；东山村第三件事协商不成，提交民事调解，三十天后机器人来问，召集人记下处理结果。
最后导出的记录里整条链都在。"""

from __future__ import annotations

import json
import re
from datetime import datetime, time, timedelta

from bot.export import export_command

CODE = re.compile(r"[A-Z2-9]{4}-[A-Z2-9]{4}")


def current(world, group, message) -> dict:
    return world.api.messages[(group.chat_id, message["message_id"])]


async def test_两商衔接的故事(world, tmp_path):
    members = world.group("县政协委员之家")
    wang = members.convenor("wang")
    zhao, qian = members.member("zhao"), members.member("qian")
    east = world.group("东山村")
    chen = east.convenor("chen")
    alice, bob, carol = (east.member(n) for n in ("alice", "bob", "carol"))
    west = world.group("西河村")
    li = west.convenor("li")
    dan, emma = west.member("dan"), west.member("emma")

    # 衔接两个村
    for village, convenor in ((east, chen), (west, li)):
        await wang.says("/link")
        code = CODE.search(members.last_bot_message()["text"]).group(0)
        await convenor.says(f"/link {code}")
        assert "本群已与委员之家“县政协委员之家”衔接" in village.last_bot_message()["text"]
    await wang.says("/links")
    assert "东山村" in members.last_bot_message()["text"]
    assert "西河村" in members.last_bot_message()["text"]

    # 东山村商量，通过请求，转上去
    await alice.says("/propose 修缮村东石桥\n石桥裂缝越来越大，村里资金不够。")
    await chen.says("/accept 1")
    village_card = east.last_bot_message()
    await alice.says("/view 1 support 孩子上学必经之路")
    await bob.says("/view 1 concern 村里出不起钱")
    await alice.says("/draft 1 请县里协调资金，年内修好石桥。")
    await chen.says("/vote 1 1")
    ballot = east.last_bot_message()
    for person in (alice, bob, carol):
        await person.presses(ballot, "同意")
    await chen.says("/close 1")
    await chen.says("/refer 1 村里定不了，请委员之家协调")
    card = members.last_bot_message()
    assert "“东山村”转来议题 #1：修缮村东石桥" in card["text"]
    assert "村里通过的共识：请县里协调资金，年内修好石桥。" in card["text"]

    # 委员之家接手，商量，通过建议，定落实事项
    await wang.presses(card, "接手")
    assert "已接手，作为委员之家议题 #1" in east.last_bot_message()["text"]
    await zhao.says("/view 1 suggestion 列入交通局计划")
    await zhao.says("/draft 1 建议县交通局年内加固石桥，所需资金列入明年预算。")
    await wang.says("/vote 1 1")
    ballot = members.last_bot_message()
    for person in (zhao, qian, wang):
        await person.presses(ballot, "同意")
    await wang.says("/close 1")
    assert "通过的建议：建议县交通局年内加固石桥" in east.last_bot_message()["text"]
    hello = await zhao.says("我去联系交通局")
    await wang.replies_to(hello, "/action 1 30d 交通局派人查看石桥")
    assert "新增落实事项 A1：交通局派人查看石桥" in east.last_bot_message()["text"]
    await wang.says("/progress A1 60 已查看，正在做方案")
    assert "落实事项 A1（交通局派人查看石桥）：60%" in east.last_bot_message()["text"]
    await wang.says("/done A1 已加固")
    assert "现在：已落实" in east.last_bot_message()["text"]
    await world.run_due()
    assert "已转委员之家：县政协委员之家（已落实）" in current(world, east, village_card)["text"]

    # 东山村照常给结果打分（村里自己的跟踪卡片）
    await world.advance(days=7, hours=1)
    followup = [m for m in east.bot_messages() if "满意" in str(m.get("reply_markup", ""))]
    assert followup, east.texts()[-3:]
    for person in (alice, bob):
        assert await person.presses(followup[-1], "满意") is not None

    # 第二个问题：向两个村征求意见
    await zhao.says("/propose 全县推广垃圾分类")
    await wang.says("/accept 2")
    topic_card = members.last_bot_message()
    await wang.says("/consult 2")
    await wang.presses(members.last_bot_message(), "所有衔接的村")
    for village, person, stance, words in (
        (east, alice, "支持", "早该分类"),
        (east, bob, "担忧", "垃圾车跟不上"),
        (west, dan, "反对", "老人分不清"),
        (west, emma, "建议", "先发分类垃圾桶"),
    ):
        asked = [m for m in village.bot_messages() if "向本村征求意见" in m["text"]][-1]
        await person.presses(asked, stance)
        await person.replies_to(village.last_bot_message(), words)
    await world.run_due()
    shown = current(world, members, topic_card)["text"]
    assert "📣 东山村：支持 1 · 担忧 1（征求中）" in shown
    assert "📣 西河村：反对 1 · 建议 1（征求中）" in shown
    await wang.says("/views 2")
    listing = members.last_bot_message()["text"]
    assert "垃圾车跟不上" in listing and "先发分类垃圾桶" in listing
    assert "Dan" not in listing and "Bob" not in listing

    # 西河村在老槐树下开会商量：报名、会前提醒、实到、纪要、举手表决（一张代投）。
    await dan.says("/propose 村口老槐树下修个凉亭")
    await li.says("/accept 1")
    await li.says("/form 1 树下贤聊")
    await li.says("/meeting 1 明天 晚上7点 村口大槐树下")
    meeting = west.last_bot_message()
    assert meeting["text"].startswith("📅 树下贤聊：议题 #1 村口老槐树下修个凉亭")
    await dan.presses(meeting, "参加")
    await emma.presses(meeting, "参加")
    await emma.says("/draft 1 在老槐树下修个凉亭，费用由村集体承担。")
    await li.says("/vote 1 1")
    await li.says("/proxy 1 王奶奶 同意")
    assert west.last_bot_message()["text"] == "已由Li为王奶奶代投议题 #1：同意。"
    zone = world.rt.settings.defaults.zone()
    local = world.clock.now().astimezone(zone)
    tomorrow = local.date() + timedelta(days=1)
    for hour in (17, 19):  # 会前两小时提醒；会开过了
        moment = datetime.combine(tomorrow, time(hour, 30), tzinfo=zone)
        await world.advance(moment - world.clock.now())
    reminders = [t for t in west.texts() if t.startswith("⏰ 提醒")]
    assert len(reminders) == 1 and "村口大槐树下" in reminders[0]
    await li.says("/attendance 1 9")
    await li.replies_to(meeting, "大家同意修凉亭，秋收后动工。")
    assert west.last_bot_message()["text"] == "已记入议题 #1 的会议纪要（第 1 条）。"
    await li.says("/tally 1 6 1 1 0")
    result = next(t for t in reversed(west.texts()) if t.startswith("议题 #1 已通过"))
    assert "✅ 同意 7" in result  # 会上 6 票，加代投 1 票

    # 东山村第三件事协商不成：提交民事调解，三十天后来问，召集人记下结果。
    await carol.says("/propose 两户宅基地边界\n两家为院墙位置争执多年。")
    await chen.says("/accept 2")
    await chen.says("/escalate 2 调解 两户各执一词，群里协商不成")
    assert east.last_bot_message()["text"].startswith("议题 #2 已提交民事调解")
    await world.advance(days=30, hours=1)
    assert any("现在处理得怎么样了" in t for t in east.texts())
    await chen.says("/resolve 2 经村调解委员会调解，两户各让半米。")
    assert "经村调解委员会调解，两户各让半米。" in east.last_bot_message()["text"]

    # 记录里整条链都在：衔接、转办两头、按村的意见、会议和代投、调解的结果。
    out = tmp_path / "export.json"
    assert await export_command(world.settings, None, "json", str(out)) == 0
    chats = {c["title"]: c for c in json.loads(out.read_text(encoding="utf-8"))["chats"]}
    links = chats["县政协委员之家"]["links"]
    assert {link["village_group"]["title"] for link in links} == {"东山村", "西河村"}
    bridge = chats["东山村"]["topics"][0]
    [referral] = bridge["referrals"]
    assert referral["status"] == "taken", referral
    consultations = chats["县政协委员之家"]["topics"][1]["consultations"]
    asked = json.dumps(consultations, ensure_ascii=False)
    assert len(consultations) == 2 and "东山村" in asked and "西河村" in asked
    pavilion = chats["西河村"]["topics"][0]
    assert pavilion["meetings"][0]["attendance"] == 9
    assert pavilion["proxy_ballots"][0]["name"] == "王奶奶"
    dispute = chats["东山村"]["topics"][1]
    [escalation] = dispute["escalations"]
    assert "两户各让半米" in json.dumps(escalation, ensure_ascii=False)
