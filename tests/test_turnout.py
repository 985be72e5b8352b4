"""Turnout (issue 12): the ballot card counts ballots in people against the quorum and says when
it is reached; /extend N 1d gives the open views or vote of a topic more time, its schedule row,
cards and history following."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.ratios import RatioError, parse_quorum
from bot.services import kinds
from storage import topics as topic_repo
from storage import votes as vote_repo


async def 东山村(world, 村民=("wang", "liu", "zhao", "sun", "zhou")):
    """周一 2026-03-02 10:00（北京时间），召集人陈，五位村民；王提出议题 #1。"""
    world.clock.set(datetime(2026, 3, 2, 2, 0, tzinfo=UTC))
    group = world.group("东山村")
    chen = group.convenor("chen")
    people = [group.member(name) for name in 村民]
    await people[0].says("/propose 修村口的路")
    return group, chen, people


async def 表决中(world):
    group, chen, people = await 东山村(world)
    await chen.says("/accept 1 3天 1天")
    await people[0].says("/draft 1 今年内把村口的路修好，费用由村集体承担。")
    await chen.says("/vote 1 1 1天")
    return group, chen, people, group.last_bot_message()


async def 议题(world, group):
    async with world.rt.db.read() as tx:
        return await topic_repo.get_topic(tx, group.chat_id, 1)


async def 表决(world, group):
    topic = await 议题(world, group)
    async with world.rt.db.read() as tx:
        return await vote_repo.current_vote(tx, topic.id)


async def 待办(world, kind, ref_id):
    async with world.rt.db.read() as tx:
        return await tx.fetchall(
            "SELECT due_at FROM scheduled WHERE kind = ? AND ref_id = ? AND done_at IS NULL",
            (kind, ref_id),
        )


async def 记录(world, group):
    topic = await 议题(world, group)
    async with world.rt.db.read() as tx:
        return await topic_repo.history(tx, topic.id)


def 现在的(world, group, message):
    return world.api.messages[(group.chat_id, message["message_id"])]


# ----- 投票卡片：已投多少人，还差多少人 ----------------------------------------------------


async def test_投票卡片按人数显示已投和法定人数_够了就说已达到(world):
    group, chen, people, ballot = await 表决中(world)
    # 陈和五位村民，共 6 人；默认三分之一，至少 2 人。
    assert "已投 0 人，需要至少 2 人。" in ballot["text"]
    await people[1].presses(ballot, "同意")
    await world.run_due()
    assert "已投 1 人，需要至少 2 人。" in 现在的(world, group, ballot)["text"]
    await people[2].presses(ballot, "反对")
    await world.run_due()
    text = 现在的(world, group, ballot)["text"]
    assert "已投 2 人，已达到至少 2 人的要求。" in text
    assert "需要至少" not in text


async def test_英文群的投票卡片也按人数说(world):
    group, chen, people = await 东山村(world)
    await chen.says("/language en")
    await chen.says("/accept 1 3d 1d")
    await people[0].says("/draft 1 Repair the road this year.")
    await chen.says("/vote 1 1 1d")
    ballot = group.last_bot_message()
    assert "0 voted so far; at least 2 needed." in ballot["text"]
    for person in people[:2]:
        await person.presses(ballot, "Agree")
    await world.run_due()
    assert "2 voted so far; the quorum of 2 is reached." in 现在的(world, group, ballot)["text"]


# ----- /extend：延长截止时间 -----------------------------------------------------------------


async def test_extend_把表决延长一天_到原来的截止时间不结束_到新的才结束(world):
    group, chen, people, ballot = await 表决中(world)
    vote = await 表决(world, group)
    原来 = vote.closes_at
    assert 原来 == world.clock.now() + timedelta(days=1)

    await world.advance(hours=2)
    await chen.says("/extend 1 1天")
    answer = group.last_bot_message()["text"]
    assert "议题 #1 的表决已延长，截止时间：3月4日（周三）10:00（北京时间）" in answer

    vote = await 表决(world, group)
    assert vote.closes_at == 原来 + timedelta(days=1)
    assert (await 议题(world, group)).phase_deadline == vote.closes_at
    [row] = await 待办(world, kinds.VOTE_CLOSE, vote.id)
    await world.run_due()
    assert "3月4日（周三）10:00（北京时间）" in 现在的(world, group, ballot)["text"]

    [extended] = [h for h in await 记录(world, group) if h.event == "extended"]
    assert extended.actor_id == chen.id
    assert extended.detail == {
        "deadline": "vote",
        "by": "1d",
        "from": 原来.isoformat(timespec="seconds"),
        "to": (原来 + timedelta(days=1)).isoformat(timespec="seconds"),
    }

    await world.advance(hours=23)  # 过了原来的截止时间
    assert (await 表决(world, group)).is_open
    await people[1].presses(ballot, "同意")
    await world.advance(hours=24)  # 过了新的截止时间
    assert not (await 表决(world, group)).is_open
    assert (await 议题(world, group)).status in ("adopted", "not_adopted")


async def test_extend_把征集意见延长_到新的时间才宣布截止(world):
    group, chen, people = await 东山村(world)
    await chen.says("/accept 1 1天 1天")
    topic = await 议题(world, group)
    原来 = topic.phase_deadline
    await chen.says("/extend 1 10小时")  # 22:00 would be in the quiet hours
    assert (
        "议题 #1 的意见征集已延长，截止时间：3月3日（周二）20:00（北京时间）"
        in (group.last_bot_message()["text"])
    )
    topic = await 议题(world, group)
    assert topic.phase_deadline == 原来 + timedelta(hours=10)
    [row] = await 待办(world, kinds.VIEWS_CLOSE, topic.id)

    await world.advance(hours=25)  # 过了原来的截止时间
    assert not any("议题 #1 的意见征集已截止" in t for t in group.texts())
    await people[1].says("/view 1 support 同意修路")
    async with world.rt.db.read() as tx:
        assert await tx.scalar("SELECT COUNT(*) FROM views WHERE topic_id = ?", (topic.id,)) == 1
    await world.advance(hours=12)
    assert await 待办(world, kinds.VIEWS_CLOSE, topic.id) == []
    assert sum("议题 #1 的意见征集已截止" in t for t in group.texts()) == 1


async def test_extend_没有进行中的截止时间就客气地拒绝(world):
    group, chen, people = await 东山村(world)
    await chen.says("/extend 1 1天")  # 议题还没受理
    assert "议题 #1 现在没有可以延长的截止时间" in group.last_bot_message()["text"]

    await chen.says("/accept 1 1天 1天")
    await world.advance(hours=25)  # 意见征集已截止
    await chen.says("/extend 1 1天")
    assert "议题 #1 现在没有可以延长的截止时间" in group.last_bot_message()["text"]
    assert [h for h in await 记录(world, group) if h.event == "extended"] == []


async def test_extend_只有召集人能用_不写时长就给例子(world):
    group, chen, people, _ballot = await 表决中(world)
    before = (await 表决(world, group)).closes_at
    await people[1].says("/extend 1 1天")
    assert "召集人" in group.last_bot_message()["text"]
    await chen.says("/extend 1")
    assert "例如：/extend 1 1天" in group.last_bot_message()["text"]
    await chen.says("/extend 1 三天半")  # 三天 is three days (bot.numbers.everyday); half is not
    assert "“三天半”" in group.last_bot_message()["text"]
    assert (await 表决(world, group)).closes_at == before


# ----- 截止前提醒还没参与的人 -------------------------------------------------------------


def 群里发的(world, group):
    """机器人发到群里的每条消息的原文（HTML，提及是 tg://user?id=… 链接）。"""
    return [
        call.params["text"]
        for call in world.api.calls_of("sendMessage")
        if int(call.params["chat_id"]) == group.chat_id
    ]


def 提及了(html, person):
    return f'href="tg://user?id={person.id}"' in html


def 提醒(world, group, 开头="⏰ 议题 #1"):
    return [t for t in 群里发的(world, group) if t.startswith(开头)]


async def 有人参与的表决(world, settings=()):
    """王提出，刘附议，赵发表意见，周私聊过机器人也发表了意见，孙没参与；陈发起表决（1 天）。"""
    group, chen, people = await 东山村(world)
    wang, liu, zhao, sun, zhou = people
    for key, value in settings:
        await chen.says(f"/settings {key} {value}")
    await liu.says("/support 1")
    await chen.says("/accept 1 3天 1天")
    await zhao.says("/view 1 支持 早该修了")
    await zhou.starts_bot()
    await zhou.says("/view 1 建议 雨季前修完")
    await wang.says("/draft 1 今年内把村口的路修好，费用由村集体承担。")
    await chen.says("/vote 1 1 1天")  # 周二 10:00 截止
    return group, chen, people, group.last_bot_message()


async def test_表决截止前提醒参与过但没投票的人_一次_能私聊的私聊_不说谁投了什么(world):
    group, chen, people, ballot = await 有人参与的表决(world)
    wang, liu, zhao, sun, zhou = people
    await liu.presses(ballot, "同意")

    # 截止前 12 小时是周一 22:00，正在免打扰时段（22:00—08:00），所以等到周二 08:00。
    await world.advance(hours=21)
    assert 提醒(world, group) == []
    assert not any("还没有投票" in m["text"] for m in zhou.private_messages())

    await world.advance(hours=1, minutes=30)
    [line] = 提醒(world, group)
    assert "议题 #1「修村口的路」的表决截止时间：3月3日（周二）10:00（北京时间）" in line
    assert "还没投票的：" in line
    assert 提及了(line, wang) and 提及了(line, zhao)
    assert not 提及了(line, liu)  # 已经投了
    assert not 提及了(line, sun)  # 没参与这个议题
    assert not 提及了(line, zhou)  # 私聊提醒了
    assert not 提及了(line, chen)
    assert "同意" not in line and "反对" not in line  # 不透露任何人的选择
    assert "已投 1 人，需要至少 2 人。" in line
    [private] = [m for m in zhou.private_messages() if "还没有投票" in m["text"]]
    assert private["text"].startswith("⏰ 东山村：议题 #1「修村口的路」的表决截止时间：")
    assert any(
        "私聊投票" in label
        for label in [b["text"] for row in private["reply_markup"]["inline_keyboard"] for b in row]
    )

    await world.advance(hours=1)  # 只提醒一次
    assert len(提醒(world, group)) == 1
    assert len([m for m in zhou.private_messages() if "还没有投票" in m["text"]]) == 1


async def test_无记名投票只私聊提醒_群里不点名(world):
    group, chen, people, ballot = await 有人参与的表决(world, settings=[("secret_ballot", "on")])
    wang, liu, zhao, sun, zhou = people
    await world.advance(hours=22, minutes=30)
    assert 提醒(world, group) == []
    assert not any("还没投票的" in t for t in 群里发的(world, group))
    assert len([m for m in zhou.private_messages() if "还没有投票" in m["text"]]) == 1


async def test_意见征集截止前提醒提出人和附议人里还没发表意见的(world):
    group, chen, people = await 东山村(world)
    wang, liu, zhao, sun, zhou = people
    await liu.says("/support 1")
    await zhao.says("/support 1")
    await chen.says("/accept 1 1天 1天")  # 周二 10:00 截止
    await liu.says("/view 1 支持 早该修了")
    await world.advance(hours=22, minutes=30)
    [line] = 提醒(world, group)
    assert "议题 #1「修村口的路」的意见征集截止时间：3月3日（周二）10:00（北京时间）" in line
    assert 提及了(line, wang) and 提及了(line, zhao)
    assert not 提及了(line, liu) and not 提及了(line, sun)
    await world.advance(hours=2)
    assert len(提醒(world, group)) == 1


async def test_截止时间太近就不提醒_延长以后再提醒(world):
    group, chen, people = await 东山村(world)
    wang = people[0]
    await chen.says("/accept 1 3天 1天")
    await wang.says("/draft 1 今年内把村口的路修好。")
    await chen.says("/vote 1 1 6小时")  # 比提醒提前量（12 小时）还短：周一 16:00 截止
    await world.advance(hours=1)
    assert 提醒(world, group) == []
    await chen.says("/extend 1 1天")  # 周二 16:00 截止；提前 12 小时是 04:00，免打扰，改到 08:00
    await world.advance(hours=20)  # 周二 07:00
    assert 提醒(world, group) == []
    await world.advance(hours=1, minutes=30)
    [line] = 提醒(world, group)
    assert 提及了(line, wang) and "3月3日（周二）16:00（北京时间）" in line


async def test_参与的人都投了就不提醒(world):
    group, chen, people, ballot = await 有人参与的表决(world)
    wang, liu, zhao, sun, zhou = people
    for person in (wang, liu, zhao, zhou):
        await person.presses(ballot, "同意")
    await world.advance(hours=23)
    assert 提醒(world, group) == []
    assert not any("还没有投票" in m["text"] for m in zhou.private_messages())
    vote = await 表决(world, group)
    async with world.rt.db.read() as tx:
        rows = await tx.fetchall(
            "SELECT outcome FROM scheduled WHERE kind = ? AND ref_id = ?",
            (kinds.VOTE_REMIND, vote.id),
        )
    assert [r[0] for r in rows] == ["skipped"]


async def test_延长表决后提醒跟着挪到新的截止时间前(world):
    group, chen, people, ballot = await 有人参与的表决(world)
    await chen.says("/extend 1 1天")  # 周三 10:00 截止
    await world.advance(hours=23)  # 周二 09:00：原来该提醒的时候已过
    assert 提醒(world, group) == []
    await world.advance(hours=23, minutes=30)  # 周三 08:30
    [line] = 提醒(world, group)
    assert "3月4日（周三）10:00（北京时间）" in line


async def test_提醒的提前量是群设置_默认12小时(world):
    group, chen, people = await 东山村(world)
    wang, liu = people[0], people[1]
    await chen.says("/settings turnout_reminder 3h")
    await chen.says("/settings quiet_hours off")
    await liu.says("/support 1")
    await chen.says("/accept 1 1天 1天")  # 周二 10:00 截止，提前 3 小时：07:00
    await world.advance(hours=20, minutes=30)
    assert 提醒(world, group) == []
    await world.advance(hours=1)
    [line] = 提醒(world, group)
    assert 提及了(line, wang) and 提及了(line, liu)


# ----- 村里够得着的法定人数 -----------------------------------------------------------------


async def 大群表决(world, 人数, settings=()):
    world.clock.set(datetime(2026, 3, 2, 2, 0, tzinfo=UTC))
    group = world.group("东山村")
    chen = group.convenor("chen")
    for key, value in settings:
        await chen.says(f"/settings {key} {value}")
    people = [group.member(f"villager{i}") for i in range(人数)]
    await people[0].says("/propose 修村口的路")
    await chen.says("/accept 1 3天 1天")
    await people[0].says("/draft 1 今年内把村口的路修好。")
    await chen.says("/vote 1 1 1天")
    return group, chen, people, group.last_bot_message()


async def test_默认法定人数是成员的三分之一_但最多10人(world):
    group, chen, people, ballot = await 大群表决(world, 35)
    # 36 人的三分之一是 12 人；默认最多要 10 人。
    assert "36 名成员中至少 10 人投票" in ballot["text"]
    assert "已投 0 人，需要至少 10 人。" in ballot["text"]
    assert (await 表决(world, group)).quorum == 10
    await chen.says("/settings")
    assert (
        "表决有效所需的投票数（法定人数）：成员的 1/3，最多 10 人"
        in (group.last_bot_message()["text"])
    )


async def test_召集人可以设定比例加上限_按人数显示(world):
    group, chen, people, ballot = await 大群表决(world, 12, settings=[("quorum", "1/2最多5人")])
    # 13 人的一半是 7 人，上限 5 人。
    assert "13 名成员中至少 5 人投票" in ballot["text"]
    assert "已投 0 人，需要至少 5 人。" in ballot["text"]
    await chen.says("/settings")
    assert "成员的 1/2，最多 5 人" in group.last_bot_message()["text"]
    await chen.says("/settings quorum 1/3")
    await chen.says("/settings")
    assert "（法定人数）：成员的 1/3（" in group.last_bot_message()["text"]


@pytest.mark.parametrize(
    ("写法", "成员数", "至少"),
    [
        ("1/3 max 10", 300, 10),
        ("1/3 max 10", 6, 2),
        ("1/3最多10人", 300, 10),
        ("1/3，10", 300, 10),
        ("１/３ max １０", 300, 10),
        ("33% max 20", 300, 20),
        ("1/2 至多 5", 7, 4),
    ],
)
def test_比例加上限的法定人数(写法, 成员数, 至少):
    assert parse_quorum(写法).required(成员数) == 至少
    for 写错 in ("1/3 max 0", "1/3 max", "3/2 max 10", "max 10"):
        with pytest.raises(RatioError):
            parse_quorum(写错)
