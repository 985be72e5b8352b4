"""两商衔接的故事：一个委员之家、两个村。两个村都衔接上；东山村商量一件事、通过了请求、转给
委员之家；委员之家接手、协商、通过建议、定下落实事项并跟进；东山村每一步都看得到。"""

from __future__ import annotations

import re

from tests.kit.story import button_labels

CODE = re.compile(r"[A-Z2-9]{4}-[A-Z2-9]{4}")


async def link(members, convenor, village, village_convenor) -> None:
    await convenor.says("/link")
    code = CODE.search(members.last_bot_message()["text"]).group(0)
    await village_convenor.says(f"/link {code}")


def current(world, group, message) -> dict:
    return world.api.messages[(group.chat_id, message["message_id"])]


async def deliberate_and_adopt(world, group, convenor, people, number, wording) -> None:
    """/draft, /vote, everyone agrees, /close: adopted."""
    await people[0].says(f"/draft {number} {wording}")
    await convenor.says(f"/vote {number} 1")
    ballot = group.last_bot_message()
    for person in people:
        await person.presses(ballot, "同意")
    await convenor.says(f"/close {number}")


async def test_村里商量后转委员之家_委员之家接手通过建议并落实_村里每一步都看得到(world):
    members = world.group("县政协委员之家")
    wang = members.convenor("wang")
    zhao, qian = members.member("zhao"), members.member("qian")
    east = world.group("东山村")
    chen = east.convenor("chen")
    alice, bob, carol = (east.member(n) for n in ("alice", "bob", "carol"))
    west = world.group("西河村")
    li = west.convenor("li")

    await link(members, wang, east, chen)
    await link(members, wang, west, li)

    # 东山村商量：修桥要县里协调资金
    await alice.says("/propose 修缮村东石桥\n石桥裂缝越来越大，村里资金不够。")
    await chen.says("/accept 1")
    village_card = east.last_bot_message()
    await alice.says("/view 1 support 桥是孩子上学必经之路，必须修")
    await bob.says("/view 1 concern 村里出不起这笔钱")
    await deliberate_and_adopt(
        world, east, chen, [alice, bob, carol], 1, "请县里协调资金，年内修好石桥。"
    )

    await chen.says("/refer 1 村里出不起修桥的钱，请委员之家帮忙协调")
    told = east.last_bot_message()["text"]
    assert "议题 #1 已转委员之家“县政协委员之家”" in told

    card = members.last_bot_message()
    text = card["text"]
    assert "“东山村”转来议题 #1：修缮村东石桥" in text
    assert "石桥裂缝越来越大" in text
    assert "村里的意见：👍1 👎0 ⚠️1 💡0" in text
    assert "桥是孩子上学必经之路，必须修" in text and "村里出不起这笔钱" in text
    # 村里默认不公开名字：卡片上没有村民的名字
    assert "Alice" not in text and "Bob" not in text
    assert "村里通过的共识：请县里协调资金，年内修好石桥。" in text
    assert "村里的表决：已通过（✅ 同意 3" in text
    assert "村召集人附言：村里出不起修桥的钱，请委员之家帮忙协调" in text
    assert button_labels(card) == ["✅ 接手", "↩️ 退回"]

    # 普通委员按不了接手
    answer = await zhao.presses(card, "接手")
    assert answer is not None and "只有本群的召集人" in answer.params["text"]

    await wang.presses(card, "接手")
    assert "已接手，作为本群议题 #1 协商" in current(world, members, card)["text"]
    assert "reply_markup" not in current(world, members, card)
    member_card = members.last_bot_message()
    assert "议题 #1：修缮村东石桥" in member_card["text"]
    assert "来自“东山村”议题 #1" in member_card["text"]
    assert "征集意见截止" in member_card["text"]

    report = east.last_bot_message()["text"]
    assert "议题 #1（修缮村东石桥）转“县政协委员之家”后的进展" in report
    assert "已接手，作为委员之家议题 #1" in report
    await world.run_due()
    assert "已转委员之家：县政协委员之家（协商中）" in current(world, east, village_card)["text"]

    # 委员之家照常商量，通过给部门的建议
    await zhao.says("/view 1 suggestion 建议列入县交通局明年计划")
    await deliberate_and_adopt(
        world,
        members,
        wang,
        [zhao, qian, wang],
        1,
        "建议县交通局把石桥列入明年维修计划，先行加固。",
    )
    reports = [t for t in east.texts() if "转“县政协委员之家”后的进展" in t]
    assert any("现在：表决中" in r for r in reports)
    last = east.last_bot_message()["text"]
    assert "现在：已通过" in last
    assert "通过的建议：建议县交通局把石桥列入明年维修计划，先行加固。" in last

    # 落实事项和进度
    hello = await zhao.says("我去联系交通局")
    await wang.replies_to(hello, "/action 1 30d 交通局派人查看石桥")
    assert "新增落实事项 A1：交通局派人查看石桥" in east.last_bot_message()["text"]
    await wang.says("/progress A1 50 已经派人看过")
    assert "落实事项 A1（交通局派人查看石桥）：50%" in east.last_bot_message()["text"]
    await wang.says("/done A1")
    last = east.last_bot_message()["text"]
    assert "落实事项 A1（交通局派人查看石桥）：100%" in last
    assert "现在：已落实" in last
    await world.run_due()
    assert "已转委员之家：县政协委员之家（已落实）" in current(world, east, village_card)["text"]

    # 西河村什么也没收到
    assert not [t for t in west.texts() if "进展" in t]
    # 每一步只报一次
    reports = [t for t in east.texts() if "转“县政协委员之家”后的进展" in t]
    assert len(reports) == len(set(reports))


async def test_退回_要写理由_村里收到理由(world):
    members = world.group("县政协委员之家")
    wang = members.convenor("wang")
    east = world.group("东山村")
    chen = east.convenor("chen")
    alice = east.member("alice")
    await link(members, wang, east, chen)
    await alice.says("/propose 村口装路灯")
    await chen.says("/accept 1")
    await chen.says("/refer 1")
    card = members.last_bot_message()
    assert "待议问题：村里对此还没有通过共识文本" in card["text"]

    await wang.presses(card, "退回")
    question = members.last_bot_message()
    assert "写明退回给村里的理由" in question["text"]
    await wang.replies_to(question, "这件事村里自己可以解决，请先用村集体资金")
    assert "已退回" in members.last_bot_message()["text"]
    assert "已退回：这件事村里自己可以解决" in current(world, members, card)["text"]
    assert "已退回：这件事村里自己可以解决，请先用村集体资金" in east.last_bot_message()["text"]
    await world.run_due()
    # 退回以后再按接手：已经退回了
    answer = await wang.presses_data(card, f"tk:{1}")
    assert answer is not None and "已经退回" in answer.params["text"]
    # 退回以后可以再转一次
    await chen.says("/refer 1 补充了材料，请再看看")
    assert "已转委员之家" in east.last_bot_message()["text"]


async def test_衔接了几个委员之家时按按钮选转给哪个(world):
    county = world.group("县政协委员之家")
    zhang = county.convenor("zhang")
    town = world.group("镇委员工作站")
    zhao = town.convenor("zhao")
    east = world.group("东山村")
    chen = east.convenor("chen")
    alice = east.member("alice")
    await link(county, zhang, east, chen)
    await link(town, zhao, east, chen)
    await alice.says("/propose 修路")
    await chen.says("/accept 1")
    await chen.says("/refer 1 请协调")
    question = east.last_bot_message()
    assert "议题 #1 转给哪个委员之家" in question["text"]
    assert button_labels(question) == ["📨 县政协委员之家", "📨 镇委员工作站"]
    # 普通村民按不了
    answer = await alice.presses(question, "镇委员工作站")
    assert answer is not None and "只有本群的召集人" in answer.params["text"]
    await chen.presses(question, "镇委员工作站")
    assert "已转委员之家“镇委员工作站”" in current(world, east, question)["text"]
    assert "“东山村”转来议题 #1：修路" in town.last_bot_message()["text"]
    assert "村召集人附言：请协调" in town.last_bot_message()["text"]
    assert not [t for t in county.texts() if "转来议题" in t]
    # 再转一次：一个议题同一时间只转给一个委员之家，说明转给了哪里、现在怎样，什么也不改
    await chen.says("/refer 1 再转一次")
    said = east.last_bot_message()["text"]
    assert "已经转给“镇委员工作站”" in said and "等待答复" in said
    assert not [t for t in county.texts() if "转来议题" in t]


async def test_村里打开公开名字的设置后卡片带名字_匿名意见仍不带(world):
    members = world.group("县政协委员之家")
    wang = members.convenor("wang")
    east = world.group("东山村")
    chen = east.convenor("chen")
    alice, bob = east.member("alice"), east.member("bob")
    await link(members, wang, east, chen)
    await chen.says("/settings share_names on")
    await alice.says("/propose 修缮村东石桥")
    await chen.says("/accept 1")
    await alice.says("/view 1 support 必须修")
    # bob 匿名发表意见：私聊里按匿名链接
    card = east.last_bot_message()
    anonymous = [
        b for row in card["reply_markup"]["inline_keyboard"] for b in row if "匿名" in b["text"]
    ]
    from tests.kit.story import deep_link_payload

    await bob.starts_bot()
    await bob.says_privately(f"/start {deep_link_payload(anonymous[0]['url'])}")
    await bob.presses_privately(bob.last_private_message(), "担忧")
    await bob.says_privately("怕出不起钱")
    await chen.says("/refer 1")
    text = members.last_bot_message()["text"]
    assert "Alice：必须修" in text
    assert "怕出不起钱" in text and "Bob" not in text


async def test_导出里有衔接和转办_纪要讲清来龙去脉(world):
    from bot.export import build_export, render_markdown

    members = world.group("县政协委员之家")
    wang = members.convenor("wang")
    zhao = members.member("zhao")
    east = world.group("东山村")
    chen = east.convenor("chen")
    alice = east.member("alice")
    await link(members, wang, east, chen)
    await alice.says("/propose 修缮村东石桥")
    await chen.says("/accept 1")
    await alice.says("/view 1 support 必须修")
    await chen.says("/refer 1 请协调资金")
    await wang.presses(members.last_bot_message(), "接手")
    await deliberate_and_adopt(world, members, wang, [zhao, wang], 1, "建议列入明年计划。")

    defaults = world.settings.defaults.model_dump(mode="json")
    async with world.rt.db.read() as tx:
        export = await build_export(tx, defaults, None, world.clock.now())
    chats = {c["title"]: c for c in export.document["chats"]}
    village, county = chats["东山村"], chats["县政协委员之家"]
    assert [link["this_group_is"] for link in village["links"]] == ["village"]
    assert [link["this_group_is"] for link in county["links"]] == ["members"]
    up = village["topics"][0]["referrals"]
    down = county["topics"][0]["referrals"]
    assert len(up) == 1 and len(down) == 1 and up[0]["id"] == down[0]["id"]
    assert up[0]["this_end"] == "village" and down[0]["this_end"] == "members"
    assert up[0]["status"] == "taken" and up[0]["note"] == "请协调资金"
    assert up[0]["village"] == {"chat_id": east.chat_id, "title": "东山村", "topic": 1}
    assert up[0]["members"]["topic"] == 1 and up[0]["members"]["topic_status"] == "adopted"
    events = [h["event"] for h in up[0]["history"]]
    assert events[:3] == ["referred", "sent", "taken"] and "reported" in events
    village_events = [h["event"] for h in village["topics"][0]["history"]]
    assert "referred" in village_events and "referral_taken" in village_events

    minutes = render_markdown(export)
    assert "### 两商衔接" in minutes
    assert "“东山村”（议题 #1）转委员之家“县政协委员之家”" in minutes
    assert "“县政协委员之家”接手，作为其议题 #1；现在已通过" in minutes
    assert "由“东山村”（其议题 #1）转来" in minutes
    assert "已向村里通报" in minutes
    assert "转委员之家" in minutes and "委员之家接手" in minutes

    # 县里存档的 Word 纪要（/minutes 1）也讲清来龙去脉
    import io

    from docx import Document

    await chen.starts_bot()
    await chen.says("/minutes 1")  # privately: the minutes are never posted in the group
    sent = [
        m
        for (chat, _), m in sorted(world.api.messages.items())
        if chat == chen.id and "document" in m
    ]
    text = "\n".join(p.text for p in Document(io.BytesIO(sent[-1]["upload"])).paragraphs)
    assert "两商衔接" in text
    assert "“东山村”（议题 #1）转委员之家“县政协委员之家”" in text
    assert "“县政协委员之家”接手，作为其议题 #1；现在已通过" in text


async def test_转交的错误用法都客气地说明_什么也不改(world):
    members = world.group("县政协委员之家")
    wang = members.convenor("wang")
    east = world.group("东山村")
    chen = east.convenor("chen")
    alice = east.member("alice")
    await alice.says("/propose 修缮村东石桥")
    await alice.says("/propose 村口装路灯")
    await chen.says("/accept 1")

    await chen.says("/refer 1")
    assert "本群还没有和委员之家衔接" in east.last_bot_message()["text"]
    await link(members, wang, east, chen)
    await chen.says("/refer 9")
    assert "没有议题 #9" in east.last_bot_message()["text"]
    await chen.says("/refer 2")
    assert "议题 #2 当前状态为“待召集人受理”，暂时不能进行此操作" in east.last_bot_message()["text"]
    await chen.says("/refer 1 " + "很" * 600)
    assert "太长" in east.last_bot_message()["text"]
    await chen.says_privately("/refer 1")
    assert "群聊" in chen.last_private_message()["text"]
    async with world.rt.db.read() as tx:
        assert await tx.scalar("SELECT COUNT(*) FROM referrals") == 0
    # 委员之家按一张伪造的接手按钮
    answer = await wang.presses_data(members.last_bot_message(), "tk:99")
    assert answer is not None and answer.params["show_alert"] is True


async def test_转交后等答复时_意见截止的通知建议圆桌会谈(world):
    members = world.group("县政协委员之家")
    wang = members.convenor("wang")
    east = world.group("东山村")
    chen = east.convenor("chen")
    alice = east.member("alice")
    await link(members, wang, east, chen)
    await alice.says("/propose 修缮村东石桥")
    await chen.says("/accept 1 1d")
    await alice.says("/view 1 support 必须修")
    await chen.says("/refer 1")
    await world.advance(hours=25)
    closed = [t for t in east.texts() if "意见征集已截止" in t or "圆桌" in t]
    assert closed and "正等着委员那边接手" in closed[-1], east.texts()[-3:]


async def test_论坛群里_转办卡片在综合话题_接手的议题有自己的话题_进展报到村里议题的话题里(world):
    members = world.group("县政协委员之家", forum=True)
    world.api.set_bot_rights(members.chat_id, can_manage_topics=True)
    wang = members.convenor("wang")
    zhao = members.member("zhao")
    east = world.group("东山村", forum=True)
    world.api.set_bot_rights(east.chat_id, can_manage_topics=True)
    chen = east.convenor("chen")
    alice = east.member("alice")
    await link(members, wang, east, chen)
    affairs = east.thread("村务", by=chen)
    await alice.says_in(affairs, "/propose 修缮村东石桥")
    await chen.says_in(affairs, "/accept 1")
    own = world.api.thread_of(east.chat_id, east.last_bot_message()["message_id"])
    assert own is not None and own != affairs
    await chen.says_in(own, "/refer 1 请协调")
    assert world.api.thread_of(east.chat_id, east.last_bot_message()["message_id"]) == own
    card = members.last_bot_message()
    assert world.api.thread_of(members.chat_id, card["message_id"]) is None  # General
    await wang.presses(card, "接手")
    member_card = members.last_bot_message()
    there = world.api.thread_of(members.chat_id, member_card["message_id"])
    assert there is not None and "来自“东山村”议题 #1" in member_card["text"]
    report = east.last_bot_message()
    assert "已接手，作为委员之家议题 #1" in report["text"]
    assert world.api.thread_of(east.chat_id, report["message_id"]) == own
    await zhao.says_in(there, "/view 1 support 应该修")
    assert not [w for _c, _code, w in world.api.refusals if "thread" in w.lower()]


async def test_不写编号时_只有一个议题就转它_有几个就问是哪个(world):
    members = world.group("县政协委员之家")
    wang = members.convenor("wang")
    east = world.group("东山村")
    chen = east.convenor("chen")
    alice = east.member("alice")
    await link(members, wang, east, chen)
    for number, title in enumerate(("修缮村东石桥", "村口装路灯"), start=1):
        await alice.says(f"/propose {title}")
        await chen.says(f"/accept {number}")
    await chen.says("/refer 请委员之家协调")
    question = east.last_bot_message()
    assert button_labels(question) == ["#1 修缮村东石桥", "#2 村口装路灯"], button_labels(question)
    await chen.presses(question, "#2")
    assert "议题 #2 已转委员之家“县政协委员之家”" in east.last_bot_message()["text"]
    card = members.last_bot_message()
    assert "转来议题 #2：村口装路灯" in card["text"]
    assert "村召集人附言：请委员之家协调" in card["text"]


async def test_接手时意见截止落在免打扰时段就顺延到早上(world):
    """Review: take-up copied /accept's deadline without the quiet hours (22:00-08:00), so a
    referral taken up at 23:00 closed its views at 23:00 the next nights."""
    from datetime import UTC, datetime, timedelta

    from storage import topics as topic_repo

    world.clock.set(datetime(2026, 3, 2, 14, 30, tzinfo=UTC))  # 22:30 北京时间
    members = world.group("县政协委员之家")
    wang = members.convenor("wang")
    east = world.group("东山村")
    chen = east.convenor("chen")
    alice = east.member("alice")
    east.member("bob")
    await link(members, wang, east, chen)
    await alice.says("/propose 修缮村东石桥")
    await chen.says("/accept 1")
    await chen.says("/refer 1 请协调")
    world.clock.set(datetime(2026, 3, 2, 15, 0, tzinfo=UTC))  # 23:00
    await wang.presses(members.last_bot_message(), "接手")
    async with world.rt.db.read() as tx:
        taken = await topic_repo.get_topic(tx, members.chat_id, 1)
    local = taken.phase_deadline.astimezone(world.rt.settings.defaults.zone())
    assert local.time().hour == 8 and local.minute == 0, local
    assert taken.phase_deadline >= world.clock.now() + timedelta(days=3)


async def test_先不带名字说的意见_后来打开公开名字也不带(world):
    """Review: share_names was read when the card was drawn, so turning it on later named
    people who had spoken when the village's setting said "without your name"."""
    members = world.group("县政协委员之家")
    wang = members.convenor("wang")
    east = world.group("东山村")
    chen = east.convenor("chen")
    alice, bob = east.member("alice"), east.member("bob")
    await link(members, wang, east, chen)
    await alice.says("/propose 修缮村东石桥")
    await chen.says("/accept 1")
    await alice.says("/view 1 support 必须修")  # share_names off: said without her name
    await chen.says("/settings share_names on")
    await bob.says("/view 1 concern 怕出不起钱")  # said with the setting on
    await chen.says("/refer 1")
    text = members.last_bot_message()["text"]
    assert "必须修" in text and "Alice" not in text
    assert "Bob：怕出不起钱" in text
