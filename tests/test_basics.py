"""/start, /help, /language, /settings and /convenor as a group sees them."""

from __future__ import annotations

from storage import chats as chat_repo


async def test_help_in_group_follows_the_group_language(world):
    group = world.group()
    alice = group.member("alice", language="en")
    await alice.says("/help")
    assert "提出议题" in group.last_bot_message()["text"]

    chen = group.convenor("chen")
    await chen.says("/language en")
    assert group.last_bot_message()["text"] == "This group now speaks English."
    sent_before = len(group.sent())
    await alice.says("/help")
    # The English help is longer than one message can be: its pages, split between its parts.
    pages = [c.text for c in group.sent()[sent_before:]]
    assert "Propose" in pages[0] and all(len(page) <= 4096 for page in pages)
    async with world.rt.db.read() as tx:
        stored = await chat_repo.get_chat(tx, group.chat_id)
    assert stored.settings["language"] == "en"


async def test_private_chat_follows_the_user_language(world):
    english = world.person("emma", language="en-GB")
    chinese = world.person("wang", language="zh-hans")
    await english.says_privately("/start")
    await chinese.says_privately("/start")
    assert "runs deliberation" in english.last_private_message()["text"]
    assert "组织网上议事" in chinese.last_private_message()["text"]


async def test_member_cannot_change_language_and_nothing_changes(world):
    group = world.group()
    bob = group.member("bob")
    await bob.says("/language en")
    assert group.last_bot_message()["text"] == "只有本群的召集人可以进行此操作。"
    async with world.rt.db.read() as tx:
        assert (await chat_repo.get_chat(tx, group.chat_id)).settings["language"] == "zh"


async def test_language_with_wrong_arguments_is_explained(world):
    group = world.group()
    chen = group.convenor("chen")
    await chen.says("/language")
    assert group.last_bot_message()["text"] == "请选择本群的语言。例如：/language zh（中文）"
    await chen.says("/language fr")
    assert "请选择语言" in group.last_bot_message()["text"]


async def test_anonymous_admin_counts_as_convenor(world):
    group = world.group()
    admin = group.anonymous_admin()
    await admin.says("/language en")
    assert group.last_bot_message()["text"] == "This group now speaks English."


async def test_settings_show_and_change_with_validation(world):
    group = world.group()
    chen = group.convenor("chen")
    await chen.says("/settings")
    shown = group.last_bot_message()["text"]
    assert "表决通过所需的同意票比例：同意票至少占 2/3" in shown and "意见征集时长：3 天" in shown
    await chen.says("/settings threshold 75%")
    assert group.last_bot_message()["text"] == "设置项 threshold 已改为 75%。"
    await chen.says("/settings threshold 3/2")
    assert "“3/2”不在 0 到 1 之间" in group.last_bot_message()["text"]
    await chen.says("/settings timezone Europe/Nowhere")
    assert "不是有效的时区" in group.last_bot_message()["text"]
    await chen.says("/settings colour blue")
    assert group.last_bot_message()["text"] == "没有名为“colour”的设置项。"
    async with world.rt.db.read() as tx:
        stored = (await chat_repo.get_chat(tx, group.chat_id)).settings
    assert stored["threshold"] == "75%" and stored["timezone"] == "Asia/Shanghai"


async def test_convenor_named_by_reply_gains_and_loses_the_role(world):
    group = world.group()
    chen = group.convenor("chen")
    dana = group.member("dana")
    hello = await dana.says("hello")
    await dana.says("/language en")
    assert group.last_bot_message()["text"] == "只有本群的召集人可以进行此操作。"

    await chen.replies_to(hello, "/convenor add")
    assert group.last_bot_message()["text"] == "Dana 现在是本群的召集人。"
    await dana.says("/language en")
    assert group.last_bot_message()["text"] == "This group now speaks English."

    await chen.replies_to(hello, "/convenor remove")
    assert group.last_bot_message()["text"] == "Dana is no longer a convenor."
    await dana.says("/language zh")
    assert group.last_bot_message()["text"] == "Only a convenor of this group can do that."


async def test_html_in_names_is_escaped(world):
    group = world.group()
    chen = group.convenor("chen")
    evil = world.person("evil")
    evil.user["first_name"] = "<b>boss</b>&"
    member = group.add(evil)
    hello = await member.says("hi")
    await chen.replies_to(hello, "/convenor add")
    sent = group.sent()[-1].params["text"]
    assert "&lt;b&gt;boss&lt;/b&gt;&amp;" in sent
