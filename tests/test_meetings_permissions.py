"""Issue 13's new actions behind the permissions table, each tried by a member, a convenor, a
convenor of another group, a bot and a stranger: only the convenor (or, for the 参加 / 不能参加
buttons, each member in person) changes anything; everyone else gets one clear reply and nothing
changes. And every new command, typed wrong, gets an example and changes nothing."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.kit.story import World, buttons

TABLES = (
    "topics", "history", "votes", "ballots", "scheduled", "meetings", "meeting_rsvps",
    "meeting_notes", "show_of_hands", "proxy_ballots", "escalations",
)  # fmt: skip


async def snapshot(world: World) -> dict[str, list]:
    async with world.rt.db.read() as tx:
        return {t: [tuple(r) for r in await tx.fetchall(f"SELECT * FROM {t}")] for t in TABLES}


async def stage(world: World):
    """东山村, 周一 2026-03-02 10:00: topic 1 deliberating; 2 deliberating, its meeting (周一
    19:00) begun; 3 voting, its meeting begun; 4 escalated. 西山村 has its own convenor, no
    member here. The clock ends at 19:30, with topic 1's meeting called for tomorrow."""
    world.clock.set(datetime(2026, 3, 2, 2, 0, tzinfo=UTC))
    group = world.group("东山村")
    chen = group.convenor("chen")
    wang = group.member("wang")
    for title in ("修路", "修桥", "修渠", "宅基地"):
        await wang.says(f"/propose {title}")
    for number in (1, 2, 3, 4):
        await chen.says(f"/accept {number} 3天 5天")
    await chen.says("/meeting 2 今天 19:00 村委会")
    await chen.says("/meeting 3 今天 19:00 祠堂")
    await wang.says("/draft 3 秋收后修渠。")
    await chen.says("/vote 3 1 5天")
    await chen.says("/escalate 4 调解 两户争执不下")
    await world.advance(hours=9, minutes=30)
    await chen.says("/meeting 1 明天 19:30 老槐树下")
    other = world.group("西山村")
    li = other.convenor("li")
    return group, chen, wang, li


# Each convenor command, with arguments a convenor could carry out at the stage above.
CONVENOR_COMMANDS = [
    "/form 1 圆桌会谈",
    "/meeting 1 3月9日 19:30 村委会",
    "/attendance 2 12",
    "/tally 3 5 0 1 0",
    "/proxy 3 王奶奶 同意",
    "/escalate 1 court 两户不肯调解",
    "/resolve 4 经调解两户和好",
]
ONLY_CONVENOR = "只有本群的召集人可以进行此操作。"
ONLY_MEMBERS = "只有本群成员可以进行此操作。"


def someone(world, group, li, who):
    if who == "other_convenor":
        # The convenor of 西山村 writes in 东山村, where they are no member.
        return group.add(li, status="left")
    if who == "bot":
        other = world.person("helperbot")
        other.user["is_bot"] = True
        return group.add(other)
    if who == "stranger":
        return group.add(world.person("stranger"), status="left")
    return group.member("zhao")


@pytest.mark.parametrize("command", CONVENOR_COMMANDS)
@pytest.mark.parametrize("who", ["member", "other_convenor", "bot", "stranger"])
async def test_convenor_command_refused_to_anyone_else(world, command, who):
    group, chen, wang, li = await stage(world)
    person = someone(world, group, li, who)
    before = await snapshot(world)
    sent_before = len(group.sent())
    await person.says(command)
    assert await snapshot(world) == before, f"{command} by a {who} changed the record"
    replies = [c.text for c in group.sent()[sent_before:]]
    assert len(replies) == 1 and replies[0] in (ONLY_CONVENOR, ONLY_MEMBERS), replies


@pytest.mark.parametrize("command", CONVENOR_COMMANDS)
async def test_the_convenor_may(world, command):
    group, chen, wang, li = await stage(world)
    before = await snapshot(world)
    sent_before = len(group.sent())
    await chen.says(command)
    assert await snapshot(world) != before, f"{command} by the convenor did nothing"
    replies = [c.text for c in group.sent()[sent_before:]]
    assert replies and not any(r in (ONLY_CONVENOR, ONLY_MEMBERS) for r in replies), replies


def meeting_card(world, group, number):
    for message in reversed(group.bot_messages()):
        current = world.api.messages[(group.chat_id, message["message_id"])]
        if f"议题 #{number} " in current["text"] and current["text"].startswith("📅"):
            return current
    raise AssertionError(f"no meeting card of topic #{number}")


@pytest.mark.parametrize("who", ["member", "convenor", "other_convenor", "bot", "stranger"])
async def test_the_answer_buttons_count_members_in_person_only(world, who):
    group, chen, wang, li = await stage(world)
    card = meeting_card(world, group, 1)
    assert [b["text"] for b in buttons(card)] == ["✅ 参加（0）", "❌ 不能参加（0）"]
    person = chen if who == "convenor" else someone(world, group, li, who)
    before = await snapshot(world)
    answer = await person.presses(card, "参加")
    if who in ("member", "convenor"):
        assert answer.params["text"] == "记下了：你会参加，谢谢！"
        assert await snapshot(world) != before
    else:
        assert answer.params["text"] == ONLY_MEMBERS
        assert await snapshot(world) == before


@pytest.mark.parametrize("who", ["member", "other_convenor", "stranger"])
async def test_only_a_convenor_s_reply_to_the_meeting_card_is_minutes(world, who):
    group, chen, wang, li = await stage(world)
    card = meeting_card(world, group, 2)
    person = someone(world, group, li, who)
    before = await snapshot(world)
    sent_before = len(group.sent())
    await person.replies_to(card, "会开得很好")
    assert await snapshot(world) == before
    assert group.sent()[sent_before:] == []
    await chen.replies_to(card, "会开得很好，大家同意修桥。")
    assert group.last_bot_message()["text"] == "已记入议题 #2 的会议纪要（第 1 条）。"


async def test_a_reply_to_the_card_before_the_meeting_is_not_minutes_yet(world):
    group, chen, wang, li = await stage(world)
    card = meeting_card(world, group, 1)
    before = await snapshot(world)
    await chen.replies_to(card, "请大家带上小板凳")
    assert group.last_bot_message()["text"] == "议题 #1 的会议还没开始，请会后再记录。"
    assert await snapshot(world) == before


# ----- bad input: an example, and nothing written -------------------------------------------
BAD_INPUT = [
    ("/form 1", "例如：/form 1 圆桌会谈"),
    ("/meeting 1", "例如：/meeting 1 3月5日 19:30 村口大槐树下"),
    ("/meeting 1 明天 19:30", "例如：/meeting 1 3月5日 19:30 村口大槐树下"),
    ("/meeting 1 某天 某时 村委会", "例如：/meeting 1 3月5日 19:30 村口大槐树下"),
    ("/meeting 1 2月30日 19:30 村委会", "没有“2月30日”这一天。"),
    ("/meeting 1 今天 8:00 村委会", "这个时间已经过去了，请约定一个还没到的时间。"),
    ("/meeting 1 2028-03-01 19:30 村委会", "会议最多只能提前一年约定。"),
    ("/meeting 9 明天 19:30 村委会", "本群没有议题 #9。"),
    ("/attendance 2", "例如：/attendance 1 23（会上实到 23 人）。"),
    ("/attendance 2 很多", "例如：/attendance 1 23（会上实到 23 人）。"),
    ("/attendance 4 10", "议题 #4 还没有约定线下会议，请先用 /meeting 4 日期 时间 地点 约定。"),
    ("/attendance 1 10", "议题 #1 的会议还没开始，请会后再记录。"),
    ("/tally 3 5 0 1", "例如：/tally 1 12 1 2 0，依次是同意、弃权、反对、否决的举手人数。"),
    ("/tally 3 很多 0 1 0", "例如：/tally 1 12 1 2 0，依次是同意、弃权、反对、否决的举手人数。"),
    ("/tally 3 0 0 0 0", "举手人数都是 0，没有可以记录的结果。"),
    ("/tally 2 5 0 1 0", "议题 #2 当前状态为“协商中”，暂时不能进行此操作。"),
    ("/proxy 3 同意", "例如：/proxy 1 王奶奶 同意（先写名字，再写同意、弃权或反对）。"),
    ("/proxy 3 王奶奶 随便", "例如：/proxy 1 王奶奶 同意（先写名字，再写同意、弃权或反对）。"),
    ("/proxy 3 王奶奶 否决", "否决票需要本人说明理由，不能代投。"),
    ("/proxy 2 王奶奶 同意", "议题 #2 当前状态为“协商中”，暂时不能进行此操作。"),
    ("/escalate 1", "请写上议题编号、提交到哪里（调解：民事调解；法庭：共享法庭）和理由。"),
    ("/escalate 1 court", "请写上议题编号、提交到哪里（调解：民事调解；法庭：共享法庭）和理由。"),
    ("/resolve 4", "请写上处理结果。例如：/resolve 4 经调解，两户同意平摊费用。"),
    ("/resolve 1 已解决", "议题 #1 当前状态为“协商中”，暂时不能进行此操作。"),
]


@pytest.mark.parametrize(("command", "answer"), BAD_INPUT)
async def test_bad_input_gets_an_example_and_changes_nothing(world, command, answer):
    group, chen, wang, li = await stage(world)
    before = await snapshot(world)
    await chen.says(command)
    assert group.last_bot_message()["text"].startswith(answer), group.last_bot_message()["text"]
    assert await snapshot(world) == before


async def test_a_tally_needs_a_meeting_that_has_begun(world):
    group, chen, wang, li = await stage(world)
    await wang.says("/draft 1 明年修路。")
    await chen.says("/vote 1 1")
    before = await snapshot(world)
    await chen.says("/tally 1 5 0 1 0")  # topic 1's meeting is tomorrow
    assert group.last_bot_message()["text"] == "议题 #1 的会议还没开始，请会后再记录。"
    assert await snapshot(world) == before


async def test_a_secret_ballot_takes_no_proxy_unless_the_group_allows_it(world):
    group, chen, wang, li = await stage(world)
    await chen.says("/settings secret_ballot on")
    await wang.says("/draft 1 明年修路。")
    await chen.says("/vote 1 1")
    before = await snapshot(world)
    await chen.says("/proxy 1 王奶奶 同意")
    assert group.last_bot_message()["text"].startswith(
        "这次是无记名投票，代投会让召集人知道投了什么"
    )
    assert await snapshot(world) == before
    await chen.says("/settings proxy_under_secret on")
    world.api.set_bot_rights(group.chat_id, can_delete_messages=True)
    typed = await chen.says("/proxy 1 王奶奶 同意")
    # The typed command names the choice: it goes, as a typed secret ballot does (review).
    deleted = [int(c.params["message_id"]) for c in world.api.calls_of("deleteMessage")]
    assert typed["message_id"] in deleted
    said = group.last_bot_message()["text"]
    assert said == "已由Chen为王奶奶代投议题 #1（无记名，不显示投了什么）。"
    async with world.rt.db.read() as tx:
        [row] = await tx.fetchall(
            "SELECT detail FROM history WHERE event = 'proxy_ballot' ORDER BY id DESC LIMIT 1"
        )
    assert "agree" not in row[0]  # the record keeps whose ballot it was, not what it said
