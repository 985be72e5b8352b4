"""How a report on an action reads (bot/services/followup/actions.py): /progress, /done and
/drop's arguments, the answer to the 📈 question, whose open actions a reminder lists, and the
wire prefixes that buttons and links already posted in groups carry."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from bot import callbacks
from bot.errors import UserError
from bot.rules.followup import FINISHED, is_finished
from bot.services.followup import (
    DONE_WORDS,
    ProgressReport,
    ReportKind,
    open_actions_of,
    read_progress_answer,
    read_report,
)
from bot.usage import USAGE
from storage import followup as repo
from storage.followup import ActionRow
from tests.kit.story import button_labels
from tests.test_followup import adopted_topic

P, D, X = ReportKind.PROGRESS, ReportKind.DONE, ReportKind.DROP


@pytest.mark.parametrize(
    ("kind", "text", "report"),
    [
        (P, "A3 40", ProgressReport(P, 3, 40, "")),
        (P, "A3 40% lamps ordered", ProgressReport(P, 3, 40, "lamps ordered")),
        (P, "#a3 0", ProgressReport(P, 3, 0, "")),
        (P, "Ａ３ ４０％ 一半", ProgressReport(P, 3, 40, "一半")),
        (P, "A3 100 line one\nline two", ProgressReport(P, 3, 100, "line one\nline two")),
        (P, "3 60", ProgressReport(P, 3, 60, "")),
        (D, "A3", ProgressReport(D, 3, None, "")),
        (D, "A3 all fitted", ProgressReport(D, 3, None, "all fitted")),
        (D, "A3 40", ProgressReport(D, 3, None, "40")),  # /done takes no figure: it is the note
        (X, "A2 nobody can do it", ProgressReport(X, 2, None, "nobody can do it")),
    ],
)
def test_a_command_report_reads_its_action_figure_and_note(kind, text, report):
    assert read_report(kind, text) == report


@pytest.mark.parametrize(
    ("kind", "text", "refusal"),
    [
        (P, "", USAGE["progress"]),
        (P, "A3", USAGE["progress"]),
        (D, "", USAGE["done"]),
        (D, "   ", USAGE["done"]),
        (X, "A2", USAGE["drop"]),
        (P, "A3 140", "Progress is a percentage from 0 to 100."),
        (P, "A3 half", "Progress is a percentage from 0 to 100."),
        (P, "A3 -5", "Progress is a percentage from 0 to 100."),
        (P, "B3 40", "“{text}” is not an action number (like A3)."),
        (D, "A² done", "“{text}” is not an action number (like A3)."),
    ],
)
def test_a_command_report_that_breaks_the_grammar_is_refused_with_why(kind, text, refusal):
    with pytest.raises(UserError) as caught:
        read_report(kind, text)
    assert caught.value.msgid == refusal


@pytest.mark.parametrize(
    ("text", "report"),
    [
        ("60", ProgressReport(P, 7, 60, "")),
        ("60 poles painted", ProgressReport(P, 7, 60, "poles painted")),
        ("６０％ 刷了一半", ProgressReport(P, 7, 60, "刷了一半")),
        ("60\npoles painted", ProgressReport(P, 7, 60, "poles painted")),
        ("  60   poles  ", ProgressReport(P, 7, 60, "poles")),
        ("done", ProgressReport(D, 7, None, "")),
        ("Done all fitted", ProgressReport(D, 7, None, "all fitted")),
        ("DONE", ProgressReport(D, 7, None, "")),
        ("完成", ProgressReport(D, 7, None, "")),
        ("已完成 路灯都换了", ProgressReport(D, 7, None, "路灯都换了")),
        ("0 not started", ProgressReport(P, 7, 0, "not started")),
        # Words alone are a note (finding 7): the percentage said in them, else none (the
        # action's percent stays).
        ("poles painted", ProgressReport(P, 7, None, "poles painted")),
        ("done, all fitted", ProgressReport(P, 7, None, "done, all fitted")),
        ("完成了", ProgressReport(P, 7, None, "完成了")),
        ("沙子拉来了一半", ProgressReport(P, 7, 50, "沙子拉来了一半")),
        ("沙子拉来了 50%", ProgressReport(P, 7, 50, "沙子拉来了 50%")),
        ("拉了百分之三十", ProgressReport(P, 7, 30, "拉了百分之三十")),
        ("拉了3车沙", ProgressReport(P, 7, None, "拉了3车沙")),  # 3 trucks, not 3%
    ],
)
def test_an_answer_to_the_progress_question_is_a_figure_or_a_done_word(text, report):
    assert read_progress_answer(7, text) == report


@pytest.mark.parametrize(
    ("text", "refusal"),
    [
        ("", USAGE["progress"]),
        ("101", "Progress is a percentage from 0 to 100."),
        ("-5 oops", "Progress is a percentage from 0 to 100."),
    ],
)
def test_an_answer_that_is_neither_is_refused_with_why(text, refusal):
    with pytest.raises(UserError) as caught:
        read_progress_answer(7, text)
    assert caught.value.msgid == refusal


def test_the_done_words_are_lower_case_so_that_any_case_matches():
    assert DONE_WORDS == {"done", "完成", "已完成"}
    assert all(word == word.lower() for word in DONE_WORDS)


def _action(number: int, status: str, owners: tuple[int, ...]) -> ActionRow:
    due = datetime(2026, 4, 1, tzinfo=UTC)
    return ActionRow(
        number, 1, 1, number, "x", date(2026, 3, 31), due, status, 0, None, owners, None
    )


def test_an_owner_reminder_lists_only_their_unfinished_actions():
    actions = [
        _action(1, "open", (10,)),
        _action(2, "in_progress", (10, 11)),
        _action(3, "done", (10,)),
        _action(4, "dropped", (10,)),
        _action(5, "open", (11,)),
    ]
    assert [a.number for a in open_actions_of(actions, 10)] == [1, 2]
    assert [a.number for a in open_actions_of(actions, 11)] == [2, 5]
    assert open_actions_of(actions, 12) == []
    assert FINISHED == ("done", "dropped")
    assert [is_finished(s) for s in ("open", "in_progress", "done", "dropped")] == [
        False,
        False,
        True,
        True,
    ]


def test_the_wire_prefixes_keep_their_values():
    """Cards already posted in groups carry these: a changed value would break every one."""
    assert {k.name: k.value for k in callbacks.Kind} == {
        "SUPPORT": "sup",
        "ACCEPT": "acc",
        "VIEW": "vw",
        "LIST_VIEWS": "lst",
        "BALLOT": "bal",
        "RATE": "rate",
        "PROGRESS": "prg",
        "REOPEN": "ro",
        "KEEP_FOLLOWING": "kf",
        # 两商衔接 (issue 13)
        "UNLINK": "ul",
        "REFER_TO": "rt",
        "TAKE_UP": "tk",
        "SEND_BACK": "sb",
        "DROP_CONTACT": "dc",
        "PICK_TOPIC": "pt",
        "VIEW_STANCE": "vs",
        # ✍ why one disagrees (issue 12)
        "REASON": "rsn",
        "CONSULT_TO": "cs",
        "CONSULT_VIEW": "cv",
        "RSVP": "mtg",  # issue 13: 参加 / 不能参加 on a meeting card
    }
    assert callbacks.rsvp(1, 7, True) == "mtg:1:7:y" and callbacks.rsvp(1, 7, False) == "mtg:1:7:n"
    assert callbacks.parse("mtg:1:7:x") is None and callbacks.parse("mtg:1:y") is None
    assert {k.name: k.value for k in callbacks.Link} == {
        "SUBSCRIBE": "sub",
        "RATING_COMMENT": "rc",
        "REPORT_HERE": "rp",
        "ANONYMOUS_VIEW": "av",
        "PRIVATE_BALLOT": "bv",
        "OWNER_REMINDERS": "or",
        "CONTACT_TOPIC": "ct",  # 两商衔接 (issue 13)
        "MINUTES": "mn",  # the minutes, delivered privately (they hold private comments)
    }
    assert callbacks.reopen(4) == "ro:4" and callbacks.keep_following(4) == "kf:4"
    assert callbacks.rate(4, 9, "partly") == "rate:4:9:p"
    assert callbacks.start_link("shangliang_bot", callbacks.Link.RATING_COMMENT, -1001, 4) == (
        "https://t.me/shangliang_bot?start=rc_-1001_4"
    )


def test_a_press_names_the_id_it_carries():
    from bot.rules.phases import Choice

    ballot = callbacks.parse(callbacks.ballot(3, 77, Choice.AGREE))
    assert (ballot.vote_id, ballot.round_id) == (77, None)
    rating = callbacks.parse(callbacks.rate(3, 88, "satisfied"))
    assert (rating.round_id, rating.vote_id) == (88, None)
    assert callbacks.parse("ro:3").kind is callbacks.Kind.REOPEN
    assert callbacks.pattern(callbacks.Kind.REOPEN, callbacks.Kind.KEEP_FOLLOWING) == "^(ro|kf):"


async def test_a_done_word_in_chinese_answers_the_progress_question(world):
    group = world.group()
    chen, alice, bob, carol = await adopted_topic(world, group)
    hello = await bob.says("me")
    await chen.replies_to(hello, "/action 1 30d Paint the poles")
    await world.advance(days=7)
    await bob.presses(group.last_bot_message(), "📈 Report on A1")
    await bob.replies_to(group.last_bot_message(), "已完成 全部刷好了")
    assert "done" in group.last_bot_message()["text"]
    async with world.rt.db.read() as tx:
        action = await repo.get_action(tx, group.chat_id, 1)
        reports = await repo.progress_of(tx, action.id)
    assert action.status == "done"
    assert [(r.percent, r.note, r.by) for r in reports] == [(100, "全部刷好了", bob.id)]


def the_card(group) -> dict:
    """The living follow-up card (the last message with a 📈 button)."""
    return next(
        m
        for m in reversed(group.bot_messages())
        if any("Report on" in label for label in button_labels(m))
    )


async def test_an_answer_in_plain_words_is_a_note_kept_with_the_percent_said_or_current(world):
    """Finding 7: "沙子拉来了一半" was refused ("进度是 0 到 100 之间的百分数。") and lost."""
    group = world.group()
    chen, alice, bob, carol = await adopted_topic(world, group)
    hello = await bob.says("me")
    await chen.replies_to(hello, "/action 1 30d Paint the poles")
    await world.advance(days=7)
    await bob.presses(group.last_bot_message(), "📈 Report on A1")
    await bob.replies_to(group.last_bot_message(), "poles bought, painting next week")
    assert "Progress is a percentage" not in group.last_bot_message()["text"]
    await bob.presses(the_card(group), "📈 Report on A1")
    await bob.replies_to(group.last_bot_message(), "half the poles are painted")
    await bob.presses(the_card(group), "📈 Report on A1")
    await bob.replies_to(group.last_bot_message(), "the rain stopped us")
    async with world.rt.db.read() as tx:
        action = await repo.get_action(tx, group.chat_id, 1)
        reports = await repo.progress_of(tx, action.id)
    assert [(r.percent, r.note) for r in reports] == [
        (0, "poles bought, painting next week"),
        (50, "half the poles are painted"),
        (50, "the rain stopped us"),  # a note alone keeps the percent
    ]
    assert action.percent == 50 and action.status == "in_progress"
    await world.run_due()
    card = the_card(group)
    assert "the rain stopped us" in card["text"] and "50%" in card["text"]


async def test_owners_are_the_replied_to_author_and_each_known_mention(world):
    group = world.group()
    chen, alice, bob, carol = await adopted_topic(world, group)
    hello = await bob.says("me")
    await chen.replies_to(hello, "/action 1 30d Paint the poles with @carol and @alice_unknown")
    assert "I do not know @alice_unknown yet" in group.last_bot_message()["text"]
    await chen.replies_to(hello, "/action 1 30d Paint the poles with @carol")
    async with world.rt.db.read() as tx:
        action = await repo.get_action(tx, group.chat_id, 1)
    assert action.owners == (bob.id, carol.id)


async def test_an_action_without_an_owner_is_refused_with_an_example_and_stores_nothing(world):
    """Finding 8: /action without a reply made an ownerless action ("暂无负责人"), and
    repeating it as a reply made a duplicate."""
    from tests.test_everyday_table import staged

    w = await staged(world, "adopted")
    group, chen, liu = w.group, w.people["chen"], w.people["liu"]
    await chen.says("/action 1 3月31日 向镇政府递交申请")
    said = group.last_bot_message()["text"]
    assert "回复负责人的消息" in said and "例如：/action 1 3月31日" in said
    async with world.rt.db.read() as tx:
        topic_id = await tx.scalar("SELECT id FROM topics WHERE chat_id = ?", (group.chat_id,))
        assert await repo.actions_of(tx, topic_id) == []
    hello = await liu.says("我来负责")
    await chen.replies_to(hello, "/action 1 3月31日 向镇政府递交申请")
    async with world.rt.db.read() as tx:
        [action] = await repo.actions_of(tx, topic_id)
    assert action.number == 1 and action.owners == (liu.id,)


async def test_a_text_mention_names_the_owner(world):
    """A member without a username is named by a text mention (the client's pick of a name)."""
    from tests.kit.story import _public
    from tests.test_everyday_table import staged

    w = await staged(world, "adopted")
    group, chen, liu = w.group, w.people["chen"], w.people["liu"]
    command = "/action 1 3月31日 请刘德福递交申请"
    start = command.index("刘德福")
    message = chen.message(group.chat, command)
    message["entities"].append(
        {"type": "text_mention", "offset": start, "length": 3, "user": liu.user}
    )
    await world.feed({"message": _public(message)})
    async with world.rt.db.read() as tx:
        topic_id = await tx.scalar("SELECT id FROM topics WHERE chat_id = ?", (group.chat_id,))
        [action] = await repo.actions_of(tx, topic_id)
    assert action.owners == (liu.id,)
