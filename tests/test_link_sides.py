"""一个衔接有两端：发码的是委员之家，输码的是村群。村群不能再发衔接码变成别人的“委员之家”，委员之家
也不能去输别人的码；在村群里发 /consult 不会叫人去 /link，而是说明 /consult 是委员之家用的。"""

from __future__ import annotations

import re

CODE = re.compile(r"[A-Z2-9]{4}-[A-Z2-9]{4}")


async def issue(members, convenor) -> str:
    await convenor.says("/link")
    found = CODE.search(members.last_bot_message()["text"])
    assert found, members.last_bot_message()["text"]
    return found.group(0)


async def links_count(world) -> int:
    async with world.rt.db.read() as tx:
        return await tx.scalar("SELECT COUNT(*) FROM links")


async def codes_count(world) -> int:
    async with world.rt.db.read() as tx:
        return await tx.scalar("SELECT COUNT(*) FROM link_codes")


async def stage(world):
    members = world.group("县政协委员之家")
    wang = members.convenor("wang")
    east = world.group("东山村")
    chen = east.convenor("chen")
    await chen.says(f"/link {await issue(members, wang)}")
    assert "本群已与委员之家“县政协委员之家”衔接" in east.last_bot_message()["text"]
    return members, wang, east, chen


async def test_村群不能发衔接码_说明原因和该怎么做(world):
    _members, _wang, east, chen = await stage(world)
    before = await codes_count(world)
    await chen.says("/link")
    said = east.last_bot_message()["text"]
    assert not CODE.search(said), said
    assert "村群" in said and "县政协委员之家" in said and "/refer" in said
    assert await codes_count(world) == before


async def test_委员之家不能输别人的码(world):
    members, wang, _east, _chen = await stage(world)
    town = world.group("镇委员工作站")
    zhao = town.convenor("zhao")
    code = await issue(town, zhao)
    await wang.says(f"/link {code}")
    said = members.last_bot_message()["text"]
    assert "委员之家" in said and "东山村" in said and "/link" in said
    assert await links_count(world) == 1


async def test_村群衔接之前发的码_衔接之后不能再用(world):
    members = world.group("县政协委员之家")
    wang = members.convenor("wang")
    east = world.group("东山村")
    chen = east.convenor("chen")
    west = world.group("西河村")
    li = west.convenor("li")
    early = await issue(east, chen)  # 东山村还没衔接时领了一个码
    await chen.says(f"/link {await issue(members, wang)}")
    await li.says(f"/link {early}")
    said = west.last_bot_message()["text"]
    assert "衔接" in said and "委员之家" in said
    assert await links_count(world) == 1


async def test_村群里发consult_不叫人去link(world):
    _members, _wang, east, chen = await stage(world)
    alice = east.member("alice")
    await alice.says("/propose 修缮村东石桥")
    await chen.says("/consult 1")
    said = east.last_bot_message()["text"]
    assert "/link" not in said, said
    assert "委员之家" in said and "/refer" in said

    lonely = world.group("南坡村")
    zhou = lonely.convenor("zhou")
    await zhou.says("/propose 修路")
    await zhou.says("/accept 1")
    await zhou.says("/consult 1")
    said = lonely.last_bot_message()["text"]
    assert "/link" not in said, said
    assert "/consult" in said and "委员之家" in said and "本群没有衔接的村群" in said
