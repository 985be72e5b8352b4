"""Edits and voice views (issue 11), in a Chinese village group, through the real program.

An edited message that made a record (a topic, a view, a draft, a ballot) changes that record
while its phase allows it, or gets one polite line saying it is too late; it never makes a
second record, and an edit of any other message is ignored quietly. A voice note answering the
view question is a view; a sticker or a photo without caption is asked, once, for text.
"""

from __future__ import annotations

from bot.export import build_export, render
from storage import drafts as draft_repo
from storage import topics as topic_repo
from storage import views as view_repo
from storage import votes as vote_repo
from tests.kit.story import Group, _public, buttons, deep_link_payload, voice_content

# ----- the village and what it holds ---------------------------------------------------------


async def deliberating(world, group=None, title="修缮村口水井"):
    """东山村, topic #1 accepted: views are taken for three days."""
    group = group or world.group("东山村")
    chen = group.convenor("chen")
    alice = group.member("alice")
    await alice.says(f"/propose {title}")
    await chen.says("/accept 1")
    return group, chen, alice, group.last_bot_message()


async def topic_of(world, group, number=1):
    async with world.rt.db.read() as tx:
        return await topic_repo.get_topic(tx, group.chat_id, number)


async def views_of(world, group, number=1):
    topic = await topic_of(world, group, number)
    async with world.rt.db.read() as tx:
        return await view_repo.list_views(tx, topic.id, include_retracted=True)


async def drafts_of(world, group, number=1):
    topic = await topic_of(world, group, number)
    async with world.rt.db.read() as tx:
        return await draft_repo.list_drafts(tx, topic.id)


async def history_of(world, group, number=1):
    topic = await topic_of(world, group, number)
    async with world.rt.db.read() as tx:
        return await topic_repo.history(tx, topic.id)


async def ballots_of(world, group, number=1):
    topic = await topic_of(world, group, number)
    async with world.rt.db.read() as tx:
        vote = await vote_repo.current_vote(tx, topic.id)
        return await vote_repo.ballots(tx, vote.id)


async def minutes_of(world, group) -> str:
    async with world.rt.db.read() as tx:
        export = await build_export(
            tx, world.settings.defaults.model_dump(mode="json"), group.chat_id, world.clock.now()
        )
    return render(export, "md")


async def export_of(world, group) -> dict:
    async with world.rt.db.read() as tx:
        export = await build_export(
            tx, world.settings.defaults.model_dump(mode="json"), group.chat_id, world.clock.now()
        )
    return export.document


def current(world, group, message):
    """A message as the group sees it now (after the bot's edits)."""
    return world.api.messages[(group.chat_id, message["message_id"])]


def reactions_on(world, group, message):
    return [
        c
        for c in world.api.calls_of("setMessageReaction", group.chat_id)
        if int(c.params["message_id"]) == message["message_id"]
    ]


def basic_group(world, title="西岭村") -> Group:
    """A basic group (not a supergroup): its messages have no t.me links."""
    chat_id = -4_000_123
    world.api.add_chat(chat_id, "group", title)
    world.api.set_status(chat_id, world.api.bot_user["id"], "member")
    return Group(world, chat_id, title)


async def feed_privately(world, person, content: dict) -> dict:
    """`person` sends `content` (a voice note...) in their private chat with the bot."""
    message = person.compose(world.api.chats[person.id], content)
    await world.feed({"message": _public(message)})
    return message


async def edit_privately(world, person, message: dict, text: str) -> dict:
    """`person` edits a text message of theirs in their private chat with the bot."""
    edited = {**world.api.messages[(person.id, message["message_id"])], "text": text}
    edited["edit_date"] = int(world.clock.now().timestamp())
    world.api.store_message(edited)
    await world.feed({"edited_message": _public(edited)})
    return edited


# ----- edits ------------------------------------------------------------------------------------


async def test_an_edited_view_command_changes_that_view_and_makes_no_second_one(world):
    group, _chen, _alice, card = await deliberating(world)
    dan = group.member("dan")
    said = await dan.says("/view 1 concern 水泵需要换个密风圈")
    sent_before = len(group.sent())
    await dan.edits(said, "/view 1 oppose 水泵需要换个密封圈")
    [view] = await views_of(world, group)
    assert (view.number, view.stance, view.text) == (1, "oppose", "水泵需要换个密封圈")
    assert len(group.sent()) == sent_before, "the edit costs the group no message"
    # The history keeps both texts, and the stance it had.
    [edited] = [h for h in await history_of(world, group) if h.event == "view_edited"]
    assert edited.actor_id == dan.id
    assert edited.detail == {
        "view": 1,
        "old": "水泵需要换个密风圈",
        "new": "水泵需要换个密封圈",
        "old_stance": "concern",
        "stance": "oppose",
    }
    # The card follows: its stance counts move from concern to oppose.
    await world.run_due()
    assert "👎1" in current(world, group, card)["text"]
    assert "⚠️0" in current(world, group, card)["text"]
    await dan.says("/views 1")
    listing = group.last_bot_message()["text"]
    assert "水泵需要换个密封圈" in listing and "密风圈" not in listing


async def test_an_edited_answer_to_the_view_question_changes_that_view(world):
    group, _chen, _alice, card = await deliberating(world)
    carol = group.member("carol")
    await carol.presses(card, "建议")
    answer = await carol.replies_to(group.last_bot_message(), "建议村委会公开预箅")
    await carol.edits(answer, "建议村委会公开预算")
    [view] = await views_of(world, group)
    assert (view.stance, view.text) == ("suggestion", "建议村委会公开预算")


async def test_an_edited_view_after_views_close_is_told_it_is_too_late(world):
    group, _chen, _alice, _card = await deliberating(world)
    dan = group.member("dan")
    said = await dan.says("/view 1 support 早该修了")
    await world.advance(days=4)  # views closed after three days
    await dan.edits(said, "/view 1 support 早就该修了")
    [view] = await views_of(world, group)
    assert view.text == "早该修了"
    reply = group.last_bot_message()
    assert reply["text"] == "来不及修改第 1 条意见了：议题 #1 的意见征集已截止，意见保持原样。"
    assert reply["reply_to_message"]["message_id"] == said["message_id"]
    assert not [h for h in await history_of(world, group) if h.event == "view_edited"]


async def test_an_edit_cannot_move_a_view_to_another_topic(world):
    group, chen, alice, _card = await deliberating(world)
    await alice.says("/propose 硬化村道")
    await chen.says("/accept 2")
    dan = group.member("dan")
    said = await dan.says("/view 1 support 早该修了")
    await dan.edits(said, "/view 2 support 早该修了")
    assert [(v.number, v.text) for v in await views_of(world, group, 1)] == [(1, "早该修了")]
    assert await views_of(world, group, 2) == []
    assert "不能把它挪到议题 #2" in group.last_bot_message()["text"]


async def test_a_view_merged_into_another_topic_still_answers_to_its_edit(world):
    group, chen, alice, _card = await deliberating(world)
    await alice.says("/propose 村口水井漏水")
    await chen.says("/accept 2")
    dan = group.member("dan")
    said = await dan.says("/view 2 support 早该修了")
    await chen.says("/merge 2 1")
    await dan.edits(said, "/view 2 support 早就该修了")
    assert [(v.number, v.text) for v in await views_of(world, group, 1)] == [(1, "早就该修了")]


async def test_an_edited_proposal_changes_the_topic_and_its_card_not_a_second_topic(world):
    group = world.group("东山村")
    alice = group.member("alice")
    said = await alice.says("/propose 修缮村口水扞\n夏天水质差")
    card = group.last_bot_message()
    await alice.edits(said, "/propose 修缮村口水井\n水井年久失修，夏天水质差。")
    topic = await topic_of(world, group)
    assert (topic.title, topic.details) == ("修缮村口水井", "水井年久失修，夏天水质差。")
    assert await topic_of(world, group, 2) is None, "no second topic"
    [edited] = [h for h in await history_of(world, group) if h.event == "topic_edited"]
    assert edited.detail["old_title"] == "修缮村口水扞" and edited.detail["title"] == "修缮村口水井"
    assert edited.detail["old_details"] == "夏天水质差"
    await world.run_due()
    assert "议题 #1：修缮村口水井" in current(world, group, card)["text"]
    assert "水井年久失修" in current(world, group, card)["text"]


async def test_an_edited_answer_to_the_proposal_question_changes_that_topic(world):
    group = world.group("东山村")
    alice = group.member("alice")
    await alice.says("/propose")
    answer = await alice.replies_to(group.last_bot_message(), "修缮村口水扞")
    await alice.edits(answer, "修缮村口水井")
    assert (await topic_of(world, group)).title == "修缮村口水井"
    assert await topic_of(world, group, 2) is None


async def test_an_edited_proposal_once_accepted_is_told_it_is_too_late(world):
    group = world.group("东山村")
    chen = group.convenor("chen")
    alice = group.member("alice")
    said = await alice.says("/propose 修缮村口水井")
    await chen.says("/accept 1")
    await alice.edits(said, "/propose 修缮村口水井和水泵")
    assert (await topic_of(world, group)).title == "修缮村口水井"
    assert await topic_of(world, group, 2) is None
    assert group.last_bot_message()["text"] == (
        "来不及修改议题 #1 了：它现在协商中，标题和说明保持原样。"
    )


async def test_an_edited_draft_changes_its_wording_and_the_bots_post(world):
    group, _chen, alice, _card = await deliberating(world)
    said = await alice.says("/draft 1 村委会年内修缮水井，费用按户均摊。")
    post = group.last_bot_message()
    await alice.edits(said, "/draft 1 村委会年内修缮水井，费用由村集体承担。")
    [draft] = await drafts_of(world, group)
    assert draft.text == "村委会年内修缮水井，费用由村集体承担。"
    [edited] = [h for h in await history_of(world, group) if h.event == "draft_edited"]
    assert edited.detail == {
        "draft": 1,
        "old": "村委会年内修缮水井，费用按户均摊。",
        "new": "村委会年内修缮水井，费用由村集体承担。",
    }
    await world.run_due()
    assert "费用由村集体承担" in current(world, group, post)["text"]


async def test_an_edited_amendment_changes_that_version_only(world):
    group, _chen, alice, _card = await deliberating(world)
    emma = group.member("emma")
    await alice.says("/draft 1 村委会年内修缮水井。")
    said = await emma.replies_to(group.last_bot_message(), "/amend 村委会年内修缮水井，预箅公开。")
    await emma.edits(said, "/amend 村委会年内修缮水井，预算公开。")
    assert [(d.number, d.version, d.text) for d in await drafts_of(world, group)] == [
        (1, 1, "村委会年内修缮水井。"),
        (2, 2, "村委会年内修缮水井，预算公开。"),
    ]


async def test_an_edited_draft_once_put_to_the_vote_is_told_it_is_too_late(world):
    group, chen, alice, _card = await deliberating(world)
    said = await alice.says("/draft 1 村委会年内修缮水井。")
    await chen.says("/vote 1 1 1d")
    await alice.edits(said, "/draft 1 村委会明年修缮水井。")
    assert [d.text for d in await drafts_of(world, group)] == ["村委会年内修缮水井。"]
    assert group.last_bot_message()["text"] == (
        "来不及修改草案 1 了：议题 #1 现在表决中，草案保持原样。"
    )


async def test_an_edited_ballot_changes_the_ballot_while_the_vote_is_open(world):
    group, chen, alice, _card = await deliberating(world)
    bob = group.member("bob")
    await alice.says("/draft 1 村委会年内修缮水井。")
    await chen.says("/vote 1 1 1d")
    said = await bob.says("/ballot 1 disagree 太贵了")
    await bob.edits(said, "/ballot 1 agree")
    [ballot] = await ballots_of(world, group)
    assert (ballot.user_id, ballot.choice, ballot.reason) == (bob.id, "agree", None)
    await world.advance(days=2)  # the vote closes
    await bob.edits(said, "/ballot 1 block 太贵了")
    [ballot] = await ballots_of(world, group)
    assert ballot.choice == "agree"
    assert group.last_bot_message()["text"] == "来不及改票了：议题 #1 的表决已结束。"


async def test_an_edit_of_a_message_that_made_nothing_is_ignored_quietly(world):
    group, _chen, alice, _card = await deliberating(world)
    dan = group.member("dan")
    refused = await dan.says("/view 1")  # only the usage line: no view
    chatter = await dan.replies_to(group.last_bot_message(), "好的")
    helped = await dan.says("/help")
    sent_before = len(world.api.calls)
    await dan.edits(refused, "/view 1 support 早该修了")
    await dan.edits(chatter, "/view 1 support 早该修了")
    await dan.edits(helped, "/propose 修路")
    assert await views_of(world, group) == []
    assert await topic_of(world, group, 2) is None
    assert world.api.calls[sent_before:] == [], "not a word, not a reaction"


async def test_a_repeated_edit_changes_nothing_twice(world):
    group, _chen, _alice, _card = await deliberating(world)
    dan = group.member("dan")
    said = await dan.says("/view 1 support 早该修了")
    await dan.edits(said, "/view 1 support 早就该修了")
    await dan.edits(said, "/view 1 support 早就该修了")
    assert [v.text for v in await views_of(world, group)] == ["早就该修了"]
    assert len([h for h in await history_of(world, group) if h.event == "view_edited"]) == 1


async def test_an_anonymous_view_edited_in_private_changes_and_stays_anonymous(world):
    group, _chen, _alice, card = await deliberating(world)
    dan = group.member("dan")
    [link] = [b for b in buttons(card) if "匿名" in b["text"]]
    await dan.says_privately(f"/start {deep_link_payload(link['url'])}")
    await dan.presses_privately(dan.last_private_message(), "担忧")
    # A voice would tell who is speaking: asked, once, for text.
    await feed_privately(world, dan, voice_content(8))
    assert dan.last_private_message()["text"].endswith("声音可能让人认出你：匿名意见请用文字写。")
    said = await dan.says_privately("费用会压垮困难户")
    await edit_privately(world, dan, said, "费用分摊会压垮困难户")
    [view] = await views_of(world, group)
    assert view.anonymous and view.text == "费用分摊会压垮困难户"
    [edited] = [h for h in await history_of(world, group) if h.event == "view_edited"]
    assert edited.actor_id is None, "the record does not name the author of an anonymous view"


# ----- voice views ------------------------------------------------------------------------------


async def test_a_voice_note_answering_the_stance_question_is_a_view(world):
    group, _chen, _alice, card = await deliberating(world)
    dan = group.member("dan")
    before = len(world.api.calls)
    await dan.sends_voice(5, reply_to=card)  # nobody asked yet: left alone
    assert world.api.calls[before:] == []
    await dan.presses(card, "支持")
    prompt = group.last_bot_message()
    voice = await dan.sends_voice(23, reply_to=prompt)
    [view] = await views_of(world, group)
    assert (view.author_id, view.stance, view.text) == (dan.id, "support", "")
    assert view.voice_duration == 23 and view.voice_file_id
    internal = str(group.chat_id)[4:]  # -100 and the id inside t.me/c links
    assert view.voice_link == f"https://t.me/c/{internal}/{voice['message_id']}"
    # Acknowledged like a text view: a reaction on the member's own message; the question goes.
    assert reactions_on(world, group, voice)
    assert (group.chat_id, prompt["message_id"]) not in world.api.messages
    # Counted by stance on the card, and listed as a voice note with its length.
    await world.run_due()
    assert "👍1" in current(world, group, card)["text"]
    await dan.says("/views 1")
    listing = group.last_bot_message()
    assert "🎤 0:23 — Dan" in listing["text"]
    assert f'<a href="{view.voice_link}">0:23</a>' in listing["html"]


async def test_a_voice_note_answering_view_n_stance_is_a_view(world):
    group, _chen, _alice, _card = await deliberating(world)
    dan = group.member("dan")
    said = await dan.says("/view 1 担忧")
    prompt = group.last_bot_message()
    assert prompt["reply_to_message"]["message_id"] == said["message_id"]
    assert prompt["asked"]["force_reply"] is True and prompt["asked"]["selective"] is True
    await dan.sends_voice(75, reply_to=prompt)
    [view] = await views_of(world, group)
    assert (view.stance, view.voice_duration) == ("concern", 75)
    await dan.says("/views 1")
    assert "🎤 1:15 — Dan" in group.last_bot_message()["text"]


async def test_a_voice_view_is_named_in_the_minutes_and_the_export(world):
    group, _chen, _alice, card = await deliberating(world)
    dan = group.member("dan")
    await dan.presses(card, "反对")
    await dan.sends_voice(23, reply_to=group.last_bot_message())
    [view] = await views_of(world, group)
    minutes = await minutes_of(world, group)
    assert f"🎤 语音留言，时长 0:23（未转写），收听：{view.voice_link}" in minutes
    assert "意见 1（反对，语音 0:23）" in minutes
    [topic] = (await export_of(world, group))["chats"][0]["topics"]
    assert topic["views"][0]["voice"] == {"duration": 23, "link": view.voice_link}


async def test_a_voice_view_in_a_basic_group_has_no_link(world):
    group = basic_group(world)
    group, _chen, _alice, card = await deliberating(world, group)
    dan = group.member("dan")
    await dan.presses(card, "建议")
    await dan.sends_voice(9, reply_to=group.last_bot_message())
    [view] = await views_of(world, group)
    assert (view.voice_duration, view.voice_link) == (9, None)
    await dan.says("/views 1")
    listing = group.last_bot_message()
    assert "🎤 0:09 — Dan" in listing["text"] and "<a " not in listing["html"]
    assert "🎤 语音留言，时长 0:09（未转写），无链接：普通群的消息没有链接" in (
        await minutes_of(world, group)
    )


async def test_a_sticker_gets_one_polite_request_for_text_and_the_question_stays(world):
    group, _chen, _alice, card = await deliberating(world)
    dan = group.member("dan")
    await dan.presses(card, "建议")
    prompt = group.last_bot_message()
    sticker = await dan.sends_sticker("👍", reply_to=prompt)
    request = group.last_bot_message()
    assert request["text"] == "请用文字或语音回答这个问题；这条消息我看不懂。"
    assert request["reply_to_message"]["message_id"] == sticker["message_id"]
    sent = len(group.sent())
    await dan.sends_sticker("🙏", reply_to=prompt)
    assert len(group.sent()) == sent, "asked once, not at every sticker"
    assert await views_of(world, group) == []
    # The question is still open: a text answer is the view.
    await dan.replies_to(prompt, "建议公开预算")
    assert [(v.stance, v.text) for v in await views_of(world, group)] == [
        ("suggestion", "建议公开预算")
    ]


async def test_a_photo_without_caption_is_asked_for_text_and_a_caption_counts(world):
    group, _chen, _alice, card = await deliberating(world)
    dan = group.member("dan")
    await dan.presses(card, "担忧")
    prompt = group.last_bot_message()
    await dan.sends_photo(reply_to=prompt)
    assert group.last_bot_message()["text"] == "请用文字或语音回答这个问题；这条消息我看不懂。"
    assert await views_of(world, group) == []
    await dan.sends_photo("井口已经开裂了，担心安全", reply_to=prompt)
    [view] = await views_of(world, group)
    assert (view.stance, view.text, view.voice_duration) == (
        "concern",
        "井口已经开裂了，担心安全",
        None,
    )


async def test_a_voice_note_answering_the_proposal_question_is_asked_for_text(world):
    group = world.group("东山村")
    alice = group.member("alice")
    await alice.says("/propose")
    prompt = group.last_bot_message()
    await alice.sends_voice(12, reply_to=prompt)
    assert group.last_bot_message()["text"] == "这个问题我没法听语音：请用文字回答。"
    assert await topic_of(world, group) is None
    await alice.replies_to(prompt, "修缮村口水井")
    assert (await topic_of(world, group)).title == "修缮村口水井"


async def test_in_a_forum_a_voice_view_and_a_late_edit_stay_in_the_topics_thread(world):
    forum = world.group("东山村", forum=True)
    world.api.set_bot_rights(forum.chat_id, can_manage_topics=True)
    chen, alice, dan = forum.convenor("chen"), forum.member("alice"), forum.member("dan")
    affairs = forum.thread("村务", by=chen)
    await alice.says_in(affairs, "/propose 修缮村口水井")
    await chen.presses(forum.last_bot_message(), "受理")
    card = forum.last_bot_message()
    own = world.api.thread_of(forum.chat_id, card["message_id"])
    assert own not in (None, affairs)

    await dan.presses(card, "支持")
    prompt = forum.last_bot_message()
    assert world.api.thread_of(forum.chat_id, prompt["message_id"]) == own
    voice = await dan.sends_voice(23, reply_to=prompt)
    assert voice["message_thread_id"] == own
    said = await dan.says_in(own, "/view 1 concern 费用谁出")
    assert [(v.stance, v.voice_duration) for v in await views_of(world, forum)] == [
        ("support", 23),
        ("concern", None),
    ]

    await world.advance(days=4)  # views closed
    await dan.edits(said, "/view 1 concern 费用由谁来出")
    late = forum.last_bot_message()
    assert late["text"] == "来不及修改第 2 条意见了：议题 #1 的意见征集已截止，意见保持原样。"
    assert world.api.thread_of(forum.chat_id, late["message_id"]) == own


async def test_help_tells_the_village_about_voice_notes_and_edits(world):
    group = world.group("东山村")
    alice = group.member("alice")
    await alice.says("/help")
    text = group.last_bot_message()["text"]
    assert "语音和修改" in text and "发语音" in text and "直接编辑当初那条消息" in text


def test_voice_lengths_read_as_a_player_shows_them():
    from bot.durations import clock_length

    assert [clock_length(s) for s in (0, 9, 23, 75, 600, 3723)] == [
        "0:00",
        "0:09",
        "0:23",
        "1:15",
        "10:00",
        "1:02:03",
    ]


async def test_a_member_who_left_cannot_change_their_counted_view_by_editing_it(world):
    """Found in review: a view is one member's voice, so an edit (or /editview) by someone no
    longer in the group changes nothing, like a new view from them would."""
    from tests.test_flow_views import deliberating, views_of

    group, _chen, _alice, _card = await deliberating(world)
    bob = group.member("bob", language="en")
    sent = await bob.says("/view 1 concern The pump needs a seal")
    world.api.set_status(group.chat_id, bob.id, "left")
    world.rt.admin_cache.drop(("member", group.chat_id, bob.id))

    await bob.edits(sent, "/view 1 oppose The pump needs a seal")
    await bob.says("/editview 1 1 Changed my mind")
    assert [(v.number, v.stance, v.text) for v in await views_of(world, group)] == [
        (1, "concern", "The pump needs a seal")
    ]
