"""委员之家的议题本群还没有人发表意见、只有村里的回答时，/views 不列四个空的态度标题，直接按村列出；
本群有意见时照常按态度列出。"""

from __future__ import annotations

import re

CODE = re.compile(r"[A-Z2-9]{4}-[A-Z2-9]{4}")


async def stage(world):
    members = world.group("县政协委员之家")
    wang = members.convenor("wang")
    zhao = members.member("zhao")
    east = world.group("东山村")
    chen = east.convenor("chen")
    alice = east.member("alice")
    await wang.says("/link")
    await chen.says(f"/link {CODE.search(members.last_bot_message()['text']).group(0)}")
    await zhao.says("/propose 全县推广垃圾分类")
    await wang.says("/accept 1")
    await wang.says("/consult 1")
    await world.run_due()
    card = [m for m in east.bot_messages() if "向本村征求意见" in m["text"]][-1]
    await alice.presses(card, "支持")
    await alice.replies_to(east.last_bot_message(), "早该分类")
    return members, wang, zhao


async def test_本群没有意见时不列空的态度标题(world):
    members, wang, _zhao = await stage(world)
    await wang.says("/views 1")
    listing = members.last_bot_message()["text"]
    assert "早该分类" in listing and "东山村" in listing
    assert "支持（0）" not in listing and "反对（0）" not in listing, listing


async def test_本群有意见时照常按态度列出(world):
    members, wang, zhao = await stage(world)
    await zhao.says("/view 1 concern 垃圾车跟不上")
    await wang.says("/views 1")
    listing = members.last_bot_message()["text"]
    assert "垃圾车跟不上" in listing and "早该分类" in listing
    assert "担忧（1）" in listing
