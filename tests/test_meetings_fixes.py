"""A tester's run of issue 13 (meetings, show of hands, proxy, escalation, form): a show of hands
under a secret ballot, a wrong venue corrected, replacements said as such, the minutes'
header and event details, the form suggestion's reasons, and small input."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.export import export_command
from tests.test_linking_story import CODE
from tests.test_meetings_permissions import TABLES

__all__ = ["TABLES"]


async def snapshot(world) -> dict[str, list]:
    async with world.rt.db.read() as tx:
        return {t: [tuple(r) for r in await tx.fetchall(f"SELECT * FROM {t}")] for t in TABLES}


async def 南河村(world):
    """周一 2026-03-02 10:00（北京时间）。召集人李书记，四位村民。"""
    world.clock.set(datetime(2026, 3, 2, 2, 0, tzinfo=UTC))
    group = world.group("南河村")
    li = group.convenor("李书记")
    people = [group.member(n) for n in ("王秀英", "刘德福", "张大妈", "孙老汉")]
    return group, li, people


async def test_无记名投票不收举手表决_代投也看不出是谁投了什么(world, tmp_path):
    group, li, (wang, liu, zhang, sun) = await 南河村(world)
    await li.says("/settings secret_ballot on")
    await li.says("/settings proxy_under_secret on")
    await wang.says("/propose 修村口的路")
    await li.says("/accept 1 1天 3天")
    await li.says("/meeting 1 今天 19:00 村委会")
    card = group.last_bot_message()
    await wang.says("/draft 1 秋收后修路。")
    await li.says("/vote 1 1")
    ballot = group.last_bot_message()
    await li.says("/proxy 1 王奶奶 同意")
    await li.says("/proxy 1 王奶奶 反对")
    await world.advance(hours=10)  # 20:00, the meeting has begun
    await world.run_due()
    meeting_card = world.api.messages[(group.chat_id, card["message_id"])]["text"]
    assert "/tally" not in meeting_card  # not offered under a secret ballot
    before = await snapshot(world)
    await li.says("/tally 1 6 1 1 0")
    said = group.last_bot_message()["text"]
    assert said.startswith("议题 #1 是无记名投票，举手表决是公开的")
    assert "/close 1" in said and "/proxy 1" in said
    assert await snapshot(world) == before
    for person in (liu, zhang):
        await person.presses(ballot, "同意")
    await li.says("/close 1")
    await world.run_due()
    for text in group.texts():
        assert "连同网上投票" not in text and "会上举手表决，由" not in text
    result = next(t for t in reversed(group.texts()) if t.startswith("议题 #1 已通过"))
    assert "✅ 同意 2 · ⚪ 弃权 0 · ❌ 反对 1" in result
    assert "🙋" not in result

    md = tmp_path / "minutes.md"
    assert await export_command(world.settings, group.chat_id, "md", str(md)) == 0
    text = md.read_text(encoding="utf-8")
    for line in text.splitlines():
        if "王奶奶" in line:
            assert "同意" not in line and "反对" not in line, line
    assert "举手" not in text


async def test_写错的去处可以更正_仲裁不算调解(world, tmp_path):
    group, li, (wang, liu, zhang, sun) = await 南河村(world)
    for title in ("宅基地边界", "院墙"):
        await wang.says(f"/propose {title}")
        await li.says(f"/accept {title == '院墙' and 2 or 1} 2天 1天")
    before = await snapshot(world)
    await li.says("/escalate 2 仲裁 吵")
    said = group.last_bot_message()["text"]
    assert said.startswith("“仲裁”不是本机器人能提交的去处")
    assert "调解" in said and "共享法庭" in said and "/escalate 2" in said
    assert await snapshot(world) == before
    await li.says("/escalate 2 法院 两家吵得厉害")
    assert group.last_bot_message()["text"].startswith("议题 #2 已提交共享法庭：两家吵得厉害")
    # 写错了：改成调解。
    await li.says("/escalate 2 调解 两家愿意坐下来谈")
    assert group.last_bot_message()["text"].startswith(
        "已更正：议题 #2 改为提交民事调解：两家愿意坐下来谈（原来是：共享法庭：两家吵得厉害）。"
    )
    await wang.says("/escalate 2 调解 我也要改")
    assert group.last_bot_message()["text"] == "只有本群的召集人可以进行此操作。"
    await world.run_due()
    card = next(
        world.api.messages[(group.chat_id, m["message_id"])]["text"]
        for m in reversed(group.bot_messages())
        if world.api.messages[(group.chat_id, m["message_id"])]["text"].startswith("议题 #2：")
    )
    assert "已提交民事调解：两家愿意坐下来谈" in card and "共享法庭" not in card
    # 没有去处的词：还是民事调解（README 里的用法）。
    await li.says("/escalate 1 两户各执一词")
    assert group.last_bot_message()["text"].startswith("议题 #1 已提交民事调解：两户各执一词")

    md = tmp_path / "minutes.md"
    assert await export_command(world.settings, group.chat_id, "md", str(md)) == 0
    text = md.read_text(encoding="utf-8")
    assert "提交民事调解；理由：两家愿意坐下来谈" in text
    assert "更正去处 · 民事调解：两家愿意坐下来谈（原来是：共享法庭：两家吵得厉害）" in text


async def test_第二次记录处理结果和代投_说明是更改(world, tmp_path):
    group, li, (wang, liu, zhang, sun) = await 南河村(world)
    await wang.says("/propose 院墙")
    await li.says("/accept 1 2天 1天")
    await li.says("/escalate 1 调解 两家各执一词")
    await li.says("/resolve 1 两家各让半米")
    assert group.last_bot_message()["text"] == "已记录议题 #1 经民事调解的处理结果：两家各让半米"
    await li.says("/resolve 1 两家各让一米")
    assert group.last_bot_message()["text"] == (
        "已更正议题 #1 的处理结果：两家各让一米（原来是：两家各让半米）"
    )
    await world.run_due()
    md = tmp_path / "minutes.md"
    assert await export_command(world.settings, group.chat_id, "md", str(md)) == 0
    text = md.read_text(encoding="utf-8")
    assert "：处理结果：两家各让一米" in text
    assert "：已更正；原来是：两家各让半米" in text
    assert "更正处理结果 · 两家各让一米（原来是：两家各让半米）" in text

    await wang.says("/propose 修路")
    await li.says("/accept 2 1天 3天")
    await wang.says("/draft 2 秋收后修路。")
    await li.says("/vote 2 1")
    await li.says("/proxy 2 王奶奶 同意")
    assert group.last_bot_message()["text"] == "已由李书记为王奶奶代投议题 #2：同意。"
    await li.says("/proxy 2 王奶奶 反对")
    assert (
        group.last_bot_message()["text"]
        == "已由李书记更改王奶奶在议题 #2 的代投：反对（原来是：同意）。"
    )


async def test_纪要的实到人数算上会议_记录里没有代码样的文字(world, tmp_path):
    group, li, (wang, liu, zhang, sun) = await 南河村(world)
    await wang.says("/propose 修村口的路")
    await li.says("/accept 1 1天 3天")
    await li.says("/meeting 1 今天 19:00 村委会")
    card = group.last_bot_message()
    await liu.says("/view 1 support 早该修了")
    await wang.says("/draft 1 秋收后修路。")
    await li.says("/vote 1 1")
    await li.says("/proxy 1 王奶奶 同意")
    await li.says("/proxy 1 王奶奶 弃权")
    await world.advance(hours=10)
    await li.says("/attendance 1 9")
    await li.replies_to(card, "大家都同意修路。")
    await li.sends_photo(reply_to=card)
    await li.says("/tally 1 6 1 1 0")
    await world.run_due()
    await li.says("/escalate 1 调解 有两户不同意")
    await li.says("/escalate 1 法庭 有两户不同意")
    await li.says("/resolve 1 调好了")
    await li.says("/resolve 1 两户也同意了")
    md = tmp_path / "minutes.md"
    assert await export_command(world.settings, group.chat_id, "md", str(md)) == 0
    lines = md.read_text(encoding="utf-8").splitlines()
    assert "- 实到：网上 2 人，会议 9 人" in lines, [x for x in lines if "实到" in x]
    assert "- 2026-03-02 20:00 · 李书记 · 记录会议纪要 · 文字" in lines
    assert "- 2026-03-02 20:00 · 李书记 · 记录会议纪要 · 照片" in lines
    log = lines[lines.index("### 记录") :]
    for line in log:
        assert "=" not in line and "False" not in line and "True" not in line, line
    assert any(
        "更正去处 · 共享法庭：有两户不同意（原来是：民事调解：有两户不同意）" in x for x in log
    )


async def test_委员之家的建议形式_算上村里的回答_不建议树下贤聊(world):
    world.clock.set(datetime(2026, 3, 2, 2, 0, tzinfo=UTC))
    members = world.group("县政协委员之家")
    wang = members.convenor("wang")
    members.member("zhao"), members.member("qian")
    east = world.group("东山村")
    chen = east.convenor("chen")
    alice, bob = east.member("alice"), east.member("bob")
    await wang.says("/link")
    code = CODE.search(members.last_bot_message()["text"]).group(0)
    await chen.says(f"/link {code}")
    await wang.says("/propose 全县推广垃圾分类")
    await wang.says("/propose 修县道")
    await wang.says("/accept 1 1天 3天")
    await wang.says("/accept 2 1天 3天")
    await wang.says("/consult 1")  # one village linked: asked straight away
    for person, stance, words in ((alice, "支持", "早该分类"), (bob, "担忧", "垃圾车跟不上")):
        asked = [m for m in east.bot_messages() if "向本村征求意见" in m["text"]][-1]
        await person.presses(asked, stance)
        await person.replies_to(east.last_bot_message(), words)
    await world.advance(days=1, minutes=5)
    said = "\n".join(members.texts())
    assert "群里还没有人发表意见" not in said
    assert "树下贤聊" not in said
    # 议题 #2 没人参与：委员之家也不去树下，建议圆桌会谈。
    assert "建议的协商形式：圆桌会谈。理由：只有 0 人参与。委员之家的事" in said


async def test_小的输入_日期已过_中文数字_例子用打的编号_意见还在征集时不能结束表决(world):
    group, li, (wang, liu, zhang, sun) = await 南河村(world)
    await wang.says("/propose 修村口的路")
    await li.says("/accept 1 1天 3天")
    before = await snapshot(world)
    await li.says("/meeting 1 昨天 19:00 村委会")
    assert group.last_bot_message()["text"].startswith("这个日期已经过去了")
    await li.says("/meeting 1 昨天晚上7点 村委会")
    assert group.last_bot_message()["text"].startswith("这个日期已经过去了")
    assert await snapshot(world) == before
    # 意见还在征集，还没有表决：/close 说清楚该怎么做。
    await li.says("/close 1")
    said = group.last_bot_message()["text"]
    assert said.startswith("议题 #1 还在征集意见，还没有开始表决")
    assert "/vote 1 草案编号" in said
    await li.says("/meeting 1 今天 19:00 村委会")
    await world.advance(hours=10)
    await li.says("/attendance 1 九")
    assert group.last_bot_message()["text"] == "已记录：议题 #1 的会议实到 9 人。"
    await li.says("/attendance 1 十二人")
    assert group.last_bot_message()["text"] == "已记录：议题 #1 的会议实到 12 人。"

    await wang.says("/propose 院墙")
    await li.says("/accept 2 2天 1天")
    await li.says("/escalate 2 调解 两家各执一词")
    await li.says("/resolve 2")
    assert "例如：/resolve 2 " in group.last_bot_message()["text"]
