"""解除衔接时还有转交在等答复、征求意见还没结束：它们随衔接一起结束。村里收到一行通报，议题卡片
不再显示“等待答复”；委员之家的转交卡片去掉接手/退回按钮并说明衔接已解除；村里的征求意见卡片去掉
态度按钮。都走排程，重启也不丢。"""

from __future__ import annotations

import re

from tests.kit.story import button_labels

CODE = re.compile(r"[A-Z2-9]{4}-[A-Z2-9]{4}")


def current(world, group, message) -> dict:
    return world.api.messages[(group.chat_id, message["message_id"])]


async def stage(world):
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
    village_card = east.last_bot_message()
    await chen.says("/refer 1 请协调")
    await world.run_due()
    referral_card = [m for m in members.bot_messages() if "转来议题 #1" in m["text"]][-1]
    assert button_labels(referral_card) == ["✅ 接手", "↩️ 退回"]
    assert "（等待答复）" in current(world, east, village_card)["text"]
    return members, wang, zhao, east, chen, village_card, referral_card


async def unlink(group, convenor) -> None:
    await convenor.says("/unlink")
    await convenor.presses(group.last_bot_message(), "✂️")


async def test_村里解除衔接_等答复的转交随之结束_两边卡片都更新(world):
    members, wang, _zhao, east, chen, village_card, referral_card = await stage(world)
    await unlink(east, chen)
    await world.restart()  # 排程里的行，重启后照发
    await world.run_due()
    shown = current(world, members, referral_card)
    assert "reply_markup" not in shown or not button_labels(shown)
    assert "衔接已解除" in shown["text"]
    card = current(world, east, village_card)["text"]
    assert "等待答复" not in card and "衔接已解除" in card
    told = [t for t in east.texts() if t.startswith("📨") and "衔接已解除" in t]
    assert len(told) == 1, east.texts()[-4:]
    await world.run_due()
    assert len([t for t in east.texts() if t.startswith("📨") and "衔接已解除" in t]) == 1
    # 衔接结束后，旧卡片上的按钮也不能再接手
    answer = await wang.presses_data(referral_card, "tk:1")
    assert answer is not None and "衔接已解除" in answer.params["text"]
    async with world.rt.db.read() as tx:
        status = await tx.scalar("SELECT status FROM referrals")
    assert status == "unlinked"


async def test_委员之家解除衔接_征求意见卡片去掉按钮(world):
    members, wang, zhao, east, _chen, _village_card, _referral_card = await stage(world)
    await zhao.says("/propose 全县推广垃圾分类")
    await wang.says("/accept 1")
    await wang.says("/consult 1")
    await world.run_due()
    asked = [m for m in east.bot_messages() if "向本村征求意见" in m["text"]][-1]
    assert button_labels(asked)
    await unlink(members, wang)
    await world.run_due()
    shown = current(world, east, asked)
    assert "reply_markup" not in shown or not button_labels(shown)
    assert "征求意见已结束" in shown["text"]
    async with world.rt.db.read() as tx:
        assert await tx.scalar("SELECT COUNT(*) FROM consultations WHERE closed_at IS NULL") == 0
