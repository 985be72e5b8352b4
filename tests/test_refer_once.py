"""一个议题同一时间只转给一个委员之家：转交还在等答复或已被接手时，再发 /refer 说明转给了哪个群、
现在怎样，什么也不改；退回之后可以再转。"""

from __future__ import annotations

import re

CODE = re.compile(r"[A-Z2-9]{4}-[A-Z2-9]{4}")


async def link(members, convenor, village_convenor) -> None:
    await convenor.says("/link")
    await village_convenor.says(f"/link {CODE.search(members.last_bot_message()['text']).group(0)}")


async def referrals(world) -> list[tuple]:
    async with world.rt.db.read() as tx:
        return [
            tuple(r) for r in await tx.fetchall("SELECT members_chat_id, status FROM referrals")
        ]


async def test_已被接手后再refer_说明转给了哪里_不转给另一个(world):
    county = world.group("县政协委员之家")
    wang = county.convenor("wang")
    town = world.group("镇委员工作站")
    zhao = town.convenor("zhao")
    east = world.group("东山村")
    chen = east.convenor("chen")
    alice = east.member("alice")
    await link(county, wang, chen)
    await link(town, zhao, chen)
    await alice.says("/propose 修缮村东石桥")
    await chen.says("/accept 1")
    await chen.says("/refer 1")
    await chen.presses(east.last_bot_message(), "县政协委员之家")
    await world.run_due()
    card = [m for m in county.bot_messages() if "转来议题 #1" in m["text"]][-1]
    await wang.presses(card, "接手")
    before = await referrals(world)

    await chen.says("/refer 1 再转一次")
    said = east.last_bot_message()["text"]
    assert "已经转给“县政协委员之家”" in said and "议题 #1" in said and "已接手" in said, said
    assert "/links" not in said
    assert "reply_markup" not in east.last_bot_message()
    await world.run_due()
    assert not [t for t in town.texts() if "转来议题" in t]
    assert await referrals(world) == before
