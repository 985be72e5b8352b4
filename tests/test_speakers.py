"""Who is speaking, and members only (issue 11).

A member may write in a group as a channel, and every anonymous administrator writes as the
group itself: such a name is not a person, so it can neither second, voice a view, vote nor
rate. In a public supergroup people who are not members can press buttons: only members count.
Telegram answers whether someone is a member; when it does not answer, nothing is decided.
"""

from __future__ import annotations

from bot.rules.speakers import Speaker, is_current_member, speaker_of
from tests.kit.story import ANONYMOUS_ADMIN_ID, CHANNEL_BOT_ID, Member, World

CHANNEL_ASKED = (
    "您正以频道的名义发言。这里的每一个声音都属于一个人：请改用您本人的身份"
    "（点按输入框旁的头像，选择您自己的名字），然后再发送一次。本条未作记录。"
)
GROUP_REFUSED = (
    "您正以群组的名义发言（匿名管理员），所有匿名管理员共用这个名义。附议、发表意见和投票都是"
    "一人一票，需要您以本人身份进行：请在您的管理员权限中关闭“保持匿名”，或直接按卡片上的按钮"
    "（按钮能认出您本人）。"
)
MEMBERS_ONLY = "只有本群成员可以进行此操作。"
ANSWER_IN_PERSON = (
    "您正以群组的名义发言（匿名管理员），这条回答不能算作我所问之人的回答。请以本人身份回答："
    "在您的管理员权限中关闭“保持匿名”，然后再次回复我的问题。"
)
TRY_AGAIN = "暂时无法向 Telegram 核实您在本群的身份，请稍后再试。"
TELEGRAM = 777000  # the sender of posts the linked channel forwards into its group

RECORDS = ("topics", "supporters", "views", "drafts", "ballots", "ratings", "pending_inputs")


async def records(world: World) -> dict[str, list]:
    async with world.rt.db.read() as tx:
        found = {t: [tuple(r) for r in await tx.fetchall(f"SELECT * FROM {t}")] for t in RECORDS}
        found["users"] = [
            tuple(r)
            for r in await tx.fetchall(
                "SELECT * FROM users WHERE user_id IN (?, ?, ?)",
                (CHANNEL_BOT_ID, ANONYMOUS_ADMIN_ID, TELEGRAM),
            )
        ]
    return found


async def count(world: World, table: str) -> int:
    async with world.rt.db.read() as tx:
        return await tx.scalar(f"SELECT COUNT(*) FROM {table}")


async def proposed(world: World):
    """东山村: 陈 (an administrator) convenes; alice proposed topic 1."""
    group = world.group("东山村")
    chen = group.convenor("chen")
    alice = group.member("alice")
    await alice.says("/propose 修缮村口水井\n水井年久失修，夏天水质差。")
    return group, chen, alice, group.last_bot_message()


async def voting(world: World):
    """Topic 1 put to the vote on alice's draft; the ballot card."""
    group, chen, alice, _card = await proposed(world)
    await chen.says("/accept 1 1d 1d")
    await alice.says("/draft 1 村委会年内修缮水井，预算公开。")
    await chen.says("/vote 1 1")
    return group, chen, alice, group.last_bot_message()


def replied_to(world: World, group, message: dict) -> list[str]:
    """What the bot said in reply to `message`."""
    return [
        m["text"]
        for m in group.bot_messages()
        if (m.get("reply_to_message") or {}).get("message_id") == message["message_id"]
    ]


def visitor(world: World, group, name: str, status: str = "left") -> Member:
    """Someone who can see a public group and press its buttons without being in it."""
    return group.add(world.person(name), status=status)


# ----- the rules ------------------------------------------------------------------------


def test_who_is_speaking_is_read_from_the_sender_chat():
    group, channel = -1001, -1002
    assert speaker_of(group, None) is Speaker.PERSON
    assert speaker_of(group, group) is Speaker.GROUP
    assert speaker_of(group, channel) is Speaker.CHANNEL
    assert speaker_of(group, channel, automatic_forward=True) is Speaker.AUTOMATIC


def test_who_is_a_member_now():
    for status in ("creator", "administrator", "member"):
        assert is_current_member(status)
    assert is_current_member("restricted", is_member=True)
    assert not is_current_member("restricted", is_member=False)
    assert not is_current_member("left") and not is_current_member("kicked")


# ----- a channel --------------------------------------------------------------------------


async def test_a_member_writing_as_a_channel_is_asked_once_to_write_as_themselves(world):
    group, chen, alice, card = await proposed(world)
    news = group.channel("东山新闻")
    before = await records(world)
    sent = len(group.bot_messages())

    support = await news.says("/support 1")
    assert replied_to(world, group, support) == [CHANNEL_ASKED]
    # Once is enough: the same channel trying again soon is not told again, nor given a
    # question to answer, and nothing of what it asked is done.
    await news.says("/view 1 support 支持，早该修了")
    await news.says("/propose 修路")
    await news.says("/propose")
    await news.replies_to(card, "/support 1")
    await news.says("今天停水")  # chatter, not for the bot
    assert len(group.bot_messages()) == sent + 1
    # Another channel is another name: asked in its turn.
    voice = await group.channel("西村之声").says("/support 1")
    assert replied_to(world, group, voice) == [CHANNEL_ASKED]
    # After a while the first one is asked again.
    await world.advance(hours=2)
    again = await news.says("/support 1")
    assert replied_to(world, group, again) == [CHANNEL_ASKED]

    assert await records(world) == before
    assert not any(MEMBERS_ONLY in t for t in group.texts())


async def test_a_channel_is_asked_in_the_groups_language(world):
    group, chen, alice, card = await proposed(world)
    await chen.says("/language en")
    asked = await group.channel("Dongshan news").says("/support 1")
    assert replied_to(world, group, asked) == [
        "You are writing as a channel. Here every voice is a person's: please write as "
        "yourself (tap the picture next to the message box and choose your own name), then "
        "send it again. Nothing was recorded."
    ]


async def test_posts_of_the_linked_channel_are_not_members_speaking(world):
    group, chen, alice, card = await proposed(world)
    linked = group.channel("东山村公告")
    before = await records(world)
    sent = len(group.bot_messages())
    # Telegram forwards each post of the group's linked channel into the group by itself.
    forwarder = Member(world, world.api.add_user(TELEGRAM, "Telegram"), group)
    forwarder.sender_chat = linked.sender_chat
    await forwarder.says("/propose 明天上午停水检修", is_automatic_forward=True)
    await forwarder.says("/support 1", is_automatic_forward=True)
    assert len(group.bot_messages()) == sent
    # Someone writing as that channel is asked, like any channel.
    asked = await linked.says("/support 1")
    assert replied_to(world, group, asked) == [CHANNEL_ASKED]
    assert await records(world) == before


# ----- the group's anonymous administrators ----------------------------------------------


async def test_an_anonymous_administrator_convenes_but_has_no_voice(world):
    group, chen, alice, card = await proposed(world)
    admin = group.anonymous_admin()

    second = await admin.says("/support 1")
    assert replied_to(world, group, second) == [GROUP_REFUSED]
    assert await count(world, "supporters") == 0

    await admin.says("/accept 1 1d 1d")
    assert "征集意见截止" in group.last_bot_message()["text"]
    view = await admin.says("/view 1 support 支持，早该修了")
    assert replied_to(world, group, view) == [GROUP_REFUSED]
    assert await count(world, "views") == 0

    await alice.says("/draft 1 村委会年内修缮水井，预算公开。")
    await admin.says("/vote 1 1")
    ballot_card = group.last_bot_message()
    assert "预算公开" in ballot_card["text"]
    # Two anonymous administrators are one name: neither may cast a ballot for it.
    first = await admin.says("/ballot 1 agree")
    other = await group.anonymous_admin().says("/ballot 1 disagree")
    assert replied_to(world, group, first) == [GROUP_REFUSED]
    assert replied_to(world, group, other) == [GROUP_REFUSED]
    assert await count(world, "ballots") == 0

    # Members vote in person; the anonymous administrator closes the vote.
    await alice.presses(ballot_card, "同意")
    await admin.says("/close 1")
    assert await count(world, "ballots") == 1
    async with world.rt.db.read() as tx:
        assert await tx.scalar("SELECT status FROM topics WHERE number = 1") in (
            "adopted",
            "not_adopted",
        )


async def test_an_answer_written_as_the_group_is_not_the_answer_of_the_person_asked(world):
    group, chen, alice, card = await proposed(world)
    await chen.presses(card, "受理")
    card = group.last_bot_message()
    # 陈 is an anonymous administrator: he presses as himself, but writes as the group.
    await chen.presses(card, "支持")
    question = group.last_bot_message()
    answer = await group.anonymous_admin().replies_to(question, "支持，早该修了")
    assert replied_to(world, group, answer) == [ANSWER_IN_PERSON]
    assert await count(world, "views") == 0
    # The question is still his, and his answer as himself counts.
    await chen.replies_to(question, "支持，早该修了")
    assert await count(world, "views") == 1
    # The group's own question (a bare /propose by an anonymous administrator) is answered by it.
    admin = group.anonymous_admin()
    await admin.says("/propose")
    await admin.replies_to(group.last_bot_message(), "村道路灯")
    assert await count(world, "topics") == 2


# ----- members only ---------------------------------------------------------------------


async def test_people_outside_the_group_cannot_second_or_give_views_by_button(world):
    group, chen, alice, card = await proposed(world)
    wang = visitor(world, group, "wang")
    answer = await wang.presses(card, "附议")
    assert answer is not None and answer.params["text"] == MEMBERS_ONLY
    assert await count(world, "supporters") == 0
    # Once he joins he counts at once: a "not a member" is never kept.
    world.api.set_status(group.chat_id, wang.id, "member")
    await wang.presses(card, "附议")
    assert await count(world, "supporters") == 1

    await chen.presses(card, "受理")
    card = group.last_bot_message()
    sent = len(group.bot_messages())
    zhao = visitor(world, group, "zhao", status="kicked")
    answer = await zhao.presses(card, "支持")
    assert answer is not None and answer.params["text"] == MEMBERS_ONLY
    # He is not asked for a view that would not count.
    assert len(group.bot_messages()) == sent
    assert await count(world, "pending_inputs") == 0


async def test_only_members_ballots_count(world):
    group, chen, alice, ballot = await voting(world)
    bob = group.member("bob")
    muted = group.member("muted")
    group.restrict(muted, is_member=True)  # restricted, still in the group
    gone = group.member("gone")
    group.restrict(gone, is_member=False)  # restricted, and has left
    wang = visitor(world, group, "wang")
    zhao = visitor(world, group, "zhao", status="kicked")

    for person in (wang, zhao, gone):
        answer = await person.presses(ballot, "同意")
        assert answer is not None and answer.params["text"] == MEMBERS_ONLY, person.name
        # Nor is anyone outside asked for the reason of a block.
        answer = await person.presses(ballot, "否决")
        assert answer is not None and answer.params["text"] == MEMBERS_ONLY, person.name
    for person in (alice, bob, muted):
        answer = await person.presses(ballot, "同意")
        assert answer is not None and "同意" in answer.params["text"], person.name

    async with world.rt.db.read() as tx:
        voters = {r[0] for r in await tx.fetchall("SELECT user_id FROM ballots")}
    assert voters == {alice.id, bob.id, muted.id}
    assert await count(world, "pending_inputs") == 0


async def test_a_ballot_typed_by_someone_outside_the_group_does_not_count(world):
    # A public group may let people write without joining.
    group, chen, alice, ballot = await voting(world)
    wang = visitor(world, group, "wang")
    typed = await wang.says("/ballot 1 agree")
    assert replied_to(world, group, typed) == [MEMBERS_ONLY]
    assert await count(world, "ballots") == 0


async def test_only_members_rate_the_follow_up(world):
    group, chen, alice, ballot = await voting(world)
    for name in ("bob", "carol"):
        await group.member(name).presses(ballot, "同意")
    await alice.presses(ballot, "同意")
    await chen.says("/close 1")
    await world.advance(days=7)
    followup = group.last_bot_message()
    wang = visitor(world, group, "wang")
    answer = await wang.presses(followup, "不满意")
    assert answer is not None and answer.params["text"] == MEMBERS_ONLY
    assert await count(world, "ratings") == 0
    await alice.presses(followup, "满意")
    assert await count(world, "ratings") == 1


# ----- when Telegram does not answer -----------------------------------------------------


async def test_a_failed_membership_look_up_asks_to_try_again_and_is_not_kept(world):
    group, chen, alice, ballot = await voting(world)
    bob = group.member("bob")
    world.api.fail("getChatMember", 502, "Bad Gateway")
    answer = await bob.presses(ballot, "同意")
    assert answer is not None and answer.params["text"] == TRY_AGAIN
    assert await count(world, "ballots") == 0
    answer = await bob.presses(ballot, "同意")
    assert answer is not None and "同意" in answer.params["text"]
    assert await count(world, "ballots") == 1
    # A yes is trusted for a short while: his next press asks Telegram nothing.
    asked = len(world.api.calls_of("getChatMember", group.chat_id))
    await bob.presses(ballot, "反对")
    assert len(world.api.calls_of("getChatMember", group.chat_id)) == asked


async def test_a_failed_look_up_is_not_taken_for_not_a_convenor(world):
    group, chen, alice, card = await proposed(world)
    world.api.fail("getChatMember", 400, "Bad Request: PARTICIPANT_ID_INVALID")
    first = await chen.says("/accept 1")
    assert replied_to(world, group, first) == [TRY_AGAIN]
    async with world.rt.db.read() as tx:
        assert await tx.scalar("SELECT status FROM topics WHERE number = 1") == "proposed"
    # Asked again at once (nothing was kept), and Telegram answers this time.
    await chen.says("/accept 1")
    async with world.rt.db.read() as tx:
        assert await tx.scalar("SELECT status FROM topics WHERE number = 1") == "deliberating"


async def test_a_failed_look_up_in_private_asks_to_try_again(world):
    group, chen, alice, ballot = await voting(world)
    await alice.starts_bot()
    link = next(
        b["url"] for row in ballot["reply_markup"]["inline_keyboard"] for b in row if "url" in b
    )
    world.api.fail("getChatMember", 500, "Internal Server Error")
    await alice.says_privately("/start " + link.split("start=")[1])
    assert TRY_AGAIN in alice.last_private_message()["text"]
    await alice.says_privately("/start " + link.split("start=")[1])
    await alice.says_privately("/ballot 1 agree")
    assert await count(world, "ballots") == 1


async def test_a_topic_proposed_by_an_anonymous_administrator_names_them_so_on_its_card(world):
    group = world.group("东山村")
    group.convenor("chen")
    await group.anonymous_admin().says("/propose 修缮村口水井")
    card = group.last_bot_message()["text"]
    assert "提议人：管理员（以群组身份）" in card and "?" not in card
