"""村里的纪要（md 和 Word）在两商衔接一节里写明委员之家的决定：通过的建议原文、落实事项和进度
（不写委员的名字）；事件记录的说明用群的语言，不夹英文。"""

from __future__ import annotations

import io
import re

from docx import Document

from bot.export import build_export, render_markdown

CODE = re.compile(r"[A-Z2-9]{4}-[A-Z2-9]{4}")
WORDING = "建议县交通局年内加固石桥，所需资金列入明年预算。"


async def stage(world):
    members = world.group("县政协委员之家")
    wang = members.convenor("wang")
    zhao, qian = members.member("zhao"), members.member("qian")
    east = world.group("东山村")
    chen = east.convenor("chen")
    alice = east.member("alice")
    await wang.says("/link")
    await chen.says(f"/link {CODE.search(members.last_bot_message()['text']).group(0)}")
    await alice.says("/propose 修缮村东石桥")
    await chen.says("/accept 1")
    await chen.says("/refer 1 请协调")
    await world.run_due()
    await wang.presses(members.last_bot_message(), "接手")
    await zhao.says(f"/draft 1 {WORDING}")
    await wang.says("/vote 1 1")
    ballot = members.last_bot_message()
    for person in (zhao, qian, wang):
        await person.presses(ballot, "同意")
    await wang.says("/close 1")
    hello = await zhao.says("我去联系交通局")
    await wang.replies_to(hello, "/action 1 30d 交通局派人查看石桥")
    await wang.says("/done A1 已加固")
    await world.run_due()
    return members, east, chen


def village_part(markdown: str) -> str:
    start = markdown.index("东山村")
    end = markdown.find("县政协委员之家\n", start)
    return markdown[start:] if end < 0 else markdown[start:end]


async def test_村里的纪要写明委员之家通过的建议和落实事项_说明不夹英文(world):
    _members, east, chen = await stage(world)
    defaults = world.settings.defaults.model_dump(mode="json")
    async with world.rt.db.read() as tx:
        export = await build_export(tx, defaults, None, world.clock.now())
    village = next(c for c in export.document["chats"] if c["title"] == "东山村")
    up = village["topics"][0]["referrals"][0]
    assert up["members"]["wording"] == WORDING
    assert [(a["number"], a["status"]) for a in up["members"]["actions"]] == [(1, "done")]
    minutes = render_markdown(export)
    assert f"“县政协委员之家”通过的建议：{WORDING}" in minutes
    assert "A1 交通局派人查看石桥：已完成，100%" in minutes
    assert "Zhao" not in minutes.split("### 两商衔接")[1].split("###")[0]
    assert "every action done" not in minutes
    assert " · to " not in minutes and " villages" not in minutes
    assert "转委员之家 · 县政协委员之家" in minutes

    await chen.starts_bot()
    await chen.says("/minutes 1")
    sent = [
        m
        for (chat, _), m in sorted(world.api.messages.items())
        if chat == chen.id and "document" in m
    ]
    text = "\n".join(p.text for p in Document(io.BytesIO(sent[-1]["upload"])).paragraphs)
    assert WORDING in text and "交通局派人查看石桥：已完成" in text
