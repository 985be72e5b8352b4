"""第一次当召集人也不迷路：拉进群时的欢迎、完整的 /help、管理员菜单里的召集人命令、用大白话说的 /settings。"""

from __future__ import annotations

import re

from telegram.ext import CommandHandler

from storage import chats as chat_repo
from tests.kit.fake_api import BOT_ID

# 召集人才能用的命令：/help 里放在“召集人使用”标题下，管理员的命令菜单里有，普通成员的菜单里没有。
CONVENOR_COMMANDS = {
    "accept",
    "decline",
    "merge",
    "vote",
    "close",
    "round",
    "action",
    "drop",
    "end",
    "reopen",
    "escalate",
    "form",
    "meeting",
    "attendance",
    "tally",
    "proxy",
    "resolve",
    "convenor",
    "language",
}


def registered_commands(world) -> set[str]:
    """程序实际注册的每一个命令。"""
    names = set()
    for handlers in world.app.handlers.values():
        for handler in handlers:
            if isinstance(handler, CommandHandler):
                names |= set(handler.commands)
    return names


def mentions_command(text: str, name: str) -> bool:
    return re.search(rf"/{name}(?![A-Za-z0-9_])", text) is not None


def menus(world) -> dict[tuple[str, str | None], dict[str, str]]:
    shown = {}
    for call in world.api.calls_of("setMyCommands"):
        key = (call.params["scope"]["type"], call.params.get("language_code"))
        shown[key] = {c["command"]: c["description"] for c in call.params["commands"]}
    return shown


# ----- 欢迎 ---------------------------------------------------------------------------------
async def test_机器人被拉进群时说清楚它做什么_谁是召集人_头三步和要用的权限(world):
    group = world.group("东山村")
    chen = group.creator("chen")
    world.api.set_status(group.chat_id, BOT_ID, "left")  # 还没进群

    await group.bot_becomes("member", by=chen)

    assert len(group.bot_messages()) == 1
    welcome = group.last_bot_message()["text"]
    assert "我是“商量”议事助手" in welcome
    assert "召集人" in welcome and "本群的管理员" in welcome and "/convenor add" in welcome
    assert "/propose 标题" in welcome and "/accept 编号" in welcome and "/view 编号 支持" in welcome
    assert "删除消息" in welcome and "管理话题" in welcome and "置顶消息" in welcome
    assert "/help" in welcome and "/settings" in welcome
    assert "/help 召集人" in welcome  # the convenors' part of the help


async def test_只改权限不再欢迎_移出后再拉进来才再欢迎一次(world):
    group = world.group("东山村")
    chen = group.creator("chen")
    world.api.set_status(group.chat_id, BOT_ID, "left")
    await group.bot_becomes("member", by=chen)
    assert len(group.bot_messages()) == 1

    # 设成管理员、给删除消息的权限：权限照样记下，但不再发欢迎
    await group.bot_becomes("administrator", by=chen, can_delete_messages=True)
    assert len(group.bot_messages()) == 1
    async with world.rt.db.read() as tx:
        assert (await chat_repo.get_chat(tx, group.chat_id)).active

    await group.bot_becomes("kicked", by=chen)
    await group.bot_becomes("administrator", by=chen, can_pin_messages=True)
    assert len(group.bot_messages()) == 2
    assert "我是“商量”议事助手" in group.last_bot_message()["text"]


async def test_欢迎用群里设定的语言(world):
    group = world.group("Dongshan village")
    chen = group.creator("chen")
    await chen.says("/language en")
    await group.bot_becomes("left", by=chen)
    await group.bot_becomes("member", by=chen)
    welcome = group.last_bot_message()["text"]
    assert welcome.startswith("Hello, I am 商量 Shangliang.")
    assert "Convenors" in welcome and "Rights I use" in welcome


# ----- /help --------------------------------------------------------------------------------
async def test_help_列出程序注册的每一个命令_召集人命令单独一节(world):
    group = world.group("东山村")
    alice = group.member("alice")
    commands = registered_commands(world)
    assert {"close", "round", "end", "reopen", "drop", "convenor", "merge"} <= commands

    # Across its two parts: /help (members) and /help 召集人 (convenors).
    await alice.says("/help")
    members = group.last_bot_message()["text"]
    assert "/help 召集人" in members
    sent_before = len(group.sent())
    await alice.says("/help 召集人")
    convenors = "\n".join(c.text for c in group.sent()[sent_before:])
    assert convenors.startswith("<b>召集人使用</b>")
    zh = members + "\n" + convenors
    assert [name for name in sorted(commands) if not mentions_command(zh, name)] == []
    for name in CONVENOR_COMMANDS:
        assert re.search(rf"/{name}(?![a-z_])", convenors), name
        assert not re.search(rf"/{name} ", members), name

    chen = group.convenor("chen")
    await chen.says("/language en")
    sent_before = len(group.sent())
    await alice.says("/help")
    members = "\n".join(c.text for c in group.sent()[sent_before:])
    sent_before = len(group.sent())
    await alice.says("/help convenor")
    # The convenors' part may take more than one message: all of them together.
    en = members + "\n" + "\n".join(c.text for c in group.sent()[sent_before:])
    assert [name for name in sorted(commands) if not mentions_command(en, name)] == []
    assert en.index("For convenors") > en.index("/propose")


async def test_help_in_a_group_is_short_and_points_convenors_on(world):
    group = world.group("东山村")
    alice = group.member("alice")
    await alice.says("/help")
    members = group.last_bot_message()["text"]
    assert len(members) < 900  # was ~1,700 characters with every part
    assert "两商衔接" in members  # only in the pointer line
    assert "/accept" not in members and "/link" not in members
    await alice.says("/help convenor")
    convenors = group.last_bot_message()["text"]
    assert "/accept" in convenors and "/link" in convenors and "/board" in convenors
    await alice.says_privately("/help")
    assert "/accept" not in alice.last_private_message()["text"]


# ----- 命令菜单 -----------------------------------------------------------------------------
async def test_管理员的命令菜单里有召集人命令_大家的菜单里没有(world):
    shown = menus(world)
    commands = registered_commands(world)
    for language in ("zh", "en", None):
        members = shown[("all_group_chats", language)]
        admins = shown[("all_chat_administrators", language)]
        assert not CONVENOR_COMMANDS & set(members)
        assert CONVENOR_COMMANDS <= set(admins)
        # 管理员的菜单代替大家的菜单：大家的命令也都在
        assert set(members) <= set(admins)
        assert set(admins) <= commands
    assert shown[("all_chat_administrators", "zh")]["accept"] == "受理议题"
    assert shown[("all_chat_administrators", "en")]["accept"] == "Accept a proposed topic"
    assert shown[("all_chat_administrators", None)] == shown[("all_chat_administrators", "zh")]
    assert world.api.refusals == []


# ----- /settings ----------------------------------------------------------------------------
async def test_settings_用大白话_每行带一个改法(world):
    group = world.group("东山村")
    chen = group.convenor("chen")
    await chen.says("/settings")
    shown = group.last_bot_message()["text"]
    lines = shown.splitlines()
    assert lines[0] == "本群设置"
    assert "无记名投票：关（改为开启：/settings 无记名投票 on）" in lines
    assert "允许匿名发表意见：开（改为关闭：/settings 匿名意见 off）" in lines
    assert "意见征集时长：3 天（修改示例：/settings 征集意见时长 5d）" in lines
    assert (
        "表决有效所需的投票数（法定人数）：成员的 1/3，最多 10 人（修改示例：/settings 法定人数 1/4）"
        in lines
    )
    assert "群组使用的语言：中文（修改示例：/settings 语言 en）" in lines
    assert (
        "通过后发送跟踪反馈卡片的时间：7 天、30 天、90 天（修改示例：/settings 跟踪时间 7d,30d）"
        in lines
    )
    assert " = " not in shown

    # 每一行的改法都真能用
    examples = re.findall(r"/settings (\S+) (\S+)）", shown)
    assert len(examples) == len(lines) - 2
    for key, value in examples:
        if key == "语言":
            continue  # 改了语言，下面就读不懂了
        await chen.says(f"/settings {key} {value}")
        assert group.last_bot_message()["text"].startswith(f"设置项 {key} 已改为"), key

    await chen.says("/settings")
    lines = group.last_bot_message()["text"].splitlines()
    assert "无记名投票：开（改为关闭：/settings 无记名投票 off）" in lines
    assert "此时段内不发送定时消息：无（修改示例：/settings 免打扰 22:00-08:00）" in lines
    assert (
        "表决有效所需的投票数（法定人数）：成员的 1/4（修改示例：/settings 法定人数 10）" in lines
    )


async def test_settings_英文群用英文说(world):
    group = world.group("Dongshan village")
    chen = group.convenor("chen")
    await chen.says("/language en")
    await chen.says("/settings quorum 10")
    await chen.says("/settings vote_duration 1d12h")
    await chen.says("/settings")
    lines = group.last_bot_message()["text"].splitlines()
    assert "Secret ballot: off (to turn it on: /settings secret_ballot on)" in lines
    assert "Ballots needed for a vote to count: 10 people (for example: /settings quorum 1/4)" in (
        lines
    )
    assert (
        "How long a vote lasts: 1 day 12 hours (for example: /settings vote_duration 3d)" in lines
    )
    assert "Language of the group: English (for example: /settings language zh)" in lines
