"""转办到一半重启：转办卡片、向村里的通报都是排程里的行，重启后照发，一条不丢，也不发两遍；
群暂时不让机器人发言时，它们等着，恢复后再发。"""

from __future__ import annotations

import re

from tests.kit.story import button_labels

CODE = re.compile(r"[A-Z2-9]{4}-[A-Z2-9]{4}")


async def setup(world):
    members = world.group("县政协委员之家")
    wang = members.convenor("wang")
    zhao = members.member("zhao")
    east = world.group("东山村")
    chen = east.convenor("chen")
    alice = east.member("alice")
    await wang.says("/link")
    await chen.says(f"/link {CODE.search(members.last_bot_message()['text']).group(0)}")
    await alice.says("/propose 修缮村东石桥")
    await chen.says("/accept 1")
    return members, wang, zhao, east, chen, alice


def referral_cards(group) -> list[str]:
    return [t for t in group.texts() if "转来议题 #1" in t]


def reports(group) -> list[str]:
    return [t for t in group.texts() if "转“县政协委员之家”后的进展" in t]


async def pending(world, kind: str) -> int:
    async with world.rt.db.read() as tx:
        return await tx.scalar(
            "SELECT COUNT(*) FROM scheduled WHERE kind = ? AND done_at IS NULL", (kind,)
        )


async def test_委员之家暂时不让发言时转办卡片等着_重启后恢复发言只发一张(world):
    members, wang, _zhao, east, chen, _alice = await setup(world)
    await members.bot_becomes("restricted", by=wang, can_send_messages=False)
    await chen.says("/refer 1 请协调")
    assert "已转委员之家" in east.last_bot_message()["text"]
    assert referral_cards(members) == []
    assert await pending(world, "referral_card") == 1

    await world.restart()
    await world.advance(minutes=10)
    assert referral_cards(members) == []
    await members.bot_becomes("member", by=wang)
    await world.advance(minutes=1)
    assert len(referral_cards(members)) == 1
    card = members.last_bot_message()
    assert button_labels(card) == ["✅ 接手", "↩️ 退回"]
    await world.restart()
    await world.advance(hours=1)
    assert len(referral_cards(members)) == 1
    assert await pending(world, "referral_card") == 0
    await wang.presses(card, "接手")
    assert "已接手，作为委员之家议题 #1" in east.last_bot_message()["text"]


async def test_接手以后村群暂时不让发言_重启_委员之家继续推进_恢复后村里收到一次完整的通报(world):
    members, wang, zhao, east, chen, _alice = await setup(world)
    await chen.says("/refer 1")
    card = members.last_bot_message()
    await east.bot_becomes("restricted", by=chen, can_send_messages=False)
    await wang.presses(card, "接手")
    assert reports(east) == []
    assert await pending(world, "referral_report") >= 1

    await world.restart()
    # 委员之家照常推进：起草、表决、通过
    await zhao.says("/draft 1 建议县交通局年内加固石桥。")
    await wang.says("/vote 1 1")
    ballot = members.last_bot_message()
    await zhao.presses(ballot, "同意")
    await wang.presses(ballot, "同意")
    await wang.says("/close 1")
    await world.restart()
    assert reports(east) == []

    await east.bot_becomes("member", by=chen)
    await world.advance(minutes=1)
    told = reports(east)
    assert len(told) == 1, told
    assert "已接手，作为委员之家议题 #1" in told[0]
    assert "现在：已通过" in told[0]
    assert "通过的建议：建议县交通局年内加固石桥。" in told[0]
    assert await pending(world, "referral_report") == 0

    await world.restart()
    await world.advance(hours=2)
    assert len(reports(east)) == 1
    async with world.rt.db.read() as tx:
        events = [r[0] for r in await tx.fetchall("SELECT event FROM referral_events ORDER BY id")]
    assert events == ["referred", "sent", "taken", "reported"]
