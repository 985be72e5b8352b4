"""安静的拒绝（议题 12）：拒绝不在群里留下噪音。

- 按钮被拒：只弹提示（toast），群里不多一条消息（各按钮早已如此，见 handlers/common.py Ctx.refuse）。
- 命令在群里被拒：简短回复，一分钟后机器人把回复和那条命令一起删掉（机器人有删除消息的权限时）；
  没有权限时两条都留着。删除是一条计划表记录，重启后照样执行；已被删掉的消息算作删除成功。
- /views N 和 📋 按钮：已私聊过机器人的成员私下收到清单（先写明群名和议题）；否则发在群里，
  而且同一议题几分钟内只在群里列一次，之后的点击只弹提示指向上一次的清单。
"""

from __future__ import annotations

from bot.services.kinds import TIDY_REFUSAL
from tests.kit.story import button_labels

NOT_CONVENOR = "只有本群的召集人可以进行此操作。"


async def village(world, deletes=True):
    """东山村：召集人陈支书，村民王秀英提出议题 #1 并被接受（征集意见中）。"""
    group = world.group("东山村")
    if deletes:
        world.api.set_bot_rights(group.chat_id, can_delete_messages=True)
    chen = group.convenor("chen")
    wang = group.member("wang")
    await wang.says("/propose 修村口的水井")
    await chen.says("/accept 1")
    return group, chen, wang


def present(world, group, message) -> bool:
    return (group.chat_id, message["message_id"]) in world.api.messages


def tidy_rows(world):
    async def rows():
        async with world.rt.db.read() as tx:
            return await tx.fetchall(
                "SELECT id, ref_id, payload_json, done_at FROM scheduled WHERE kind = ?",
                (TIDY_REFUSAL,),
            )

    return rows()


async def test_拒绝命令的回复一分钟后连同命令一起删掉(world):
    group, _chen, wang = await village(world)
    command = await wang.says("/close 1")
    refusal = group.last_bot_message()
    assert refusal["text"] == NOT_CONVENOR
    assert present(world, group, command) and present(world, group, refusal)
    # 一条拒绝，一条计划记录。
    assert len(await tidy_rows(world)) == 1

    await world.advance(seconds=30)
    assert present(world, group, refusal), "半分钟时还在，让人看得到"

    await world.advance(seconds=31)
    assert not present(world, group, refusal)
    assert not present(world, group, command)
    [row] = await tidy_rows(world)
    assert row["done_at"] is not None


async def test_只删拒绝和被拒的命令_别的消息一条不动(world):
    group, _chen, wang = await village(world)
    card = group.last_bot_message()
    li = group.member("li")
    ok = await li.says("/view 1 支持 早该修了")
    command = await wang.says("/close 1")
    refusal = group.last_bot_message()
    await world.advance(minutes=2)
    assert not present(world, group, refusal) and not present(world, group, command)
    assert present(world, group, card) and present(world, group, ok)
    deleted = {int(c.params["message_id"]) for c in world.api.calls_of("deleteMessage")}
    assert deleted == {refusal["message_id"], command["message_id"]}


async def test_没有删除权限时拒绝留着_给了权限以后才删(world):
    group, _chen, wang = await village(world, deletes=False)
    command = await wang.says("/close 1")
    refusal = group.last_bot_message()
    assert refusal["text"] == NOT_CONVENOR
    await world.advance(minutes=5)
    assert present(world, group, refusal) and present(world, group, command)
    assert world.api.calls_of("deleteMessage") == []

    # 群主把机器人设为管理员并允许删除消息：之后的拒绝一分钟后删掉。
    await group.bot_becomes("administrator", can_delete_messages=True)
    command2 = await wang.says("/close 1")
    refusal2 = group.last_bot_message()
    assert refusal2["text"] == NOT_CONVENOR
    await world.advance(minutes=2)
    assert not present(world, group, refusal2) and not present(world, group, command2)
    assert present(world, group, refusal) and present(world, group, command)


async def test_重启之后照样删除(world):
    group, _chen, wang = await village(world)
    command = await wang.says("/close 1")
    refusal = group.last_bot_message()
    await world.restart()
    await world.advance(minutes=2)
    assert not present(world, group, refusal) and not present(world, group, command)


async def test_已经被删掉的消息算删除成功(world):
    group, chen, wang = await village(world)
    command = await wang.says("/close 1")
    refusal = group.last_bot_message()
    # 管理员在这一分钟里先把那条命令删了。
    del world.api.messages[(group.chat_id, command["message_id"])]
    await world.advance(minutes=2)
    assert not present(world, group, refusal)
    [row] = await tidy_rows(world)
    assert row["done_at"] is not None
    # 只试了一次，没有反复重试。
    assert len(world.api.calls_of("deleteMessage")) == 2


async def test_私聊过机器人的成员用_views_私下收到清单(world):
    group, _chen, wang = await village(world)
    li = group.member("li")
    await li.says("/view 1 支持 早该修了")
    await wang.starts_bot()
    before = len(group.sent())
    command = await wang.says("/views 1")
    assert len(group.sent()) == before, "群里不多一条消息"
    listing = wang.last_private_message()["text"]
    assert listing.startswith("东山村 · 议题 #1\n")
    assert "早该修了" in listing
    reactions = [
        c
        for c in world.api.calls_of("setMessageReaction", group.chat_id)
        if int(c.params["message_id"]) == command["message_id"]
    ]
    assert reactions


async def test_私聊过的成员点_全部意见_私下收到并弹提示(world):
    group, _chen, wang = await village(world)
    card = group.last_bot_message()
    assert "📋 全部意见" in button_labels(card)
    await wang.starts_bot()
    before = len(group.sent())
    answer = await wang.presses(card, "📋 全部意见")
    assert answer is not None and answer.params["text"] == "已私信发给你"
    assert len(group.sent()) == before
    assert wang.last_private_message()["text"].startswith("东山村 · 议题 #1\n")


async def test_连点_全部意见_群里几分钟内只列一次(world):
    group, _chen, wang = await village(world)
    card = group.last_bot_message()
    li = group.member("li")
    before = len(group.sent())
    await wang.presses(card, "📋 全部意见")
    assert len(group.sent()) == before + 1
    again = await li.presses(card, "📋 全部意见")
    third = await wang.presses(card, "📋 全部意见")
    assert len(group.sent()) == before + 1, "后来的点击不再刷屏"
    for answer in (again, third):
        assert answer is not None
        assert "往上翻看" in answer.params["text"]
    # 过了几分钟，可以再列一次。
    await world.advance(minutes=6)
    await li.presses(card, "📋 全部意见")
    assert len(group.sent()) == before + 2
