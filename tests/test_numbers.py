"""Numbers as members type them: one rule (bot/numbers.py), then the bot's answers to them.

Full-width digits from a Chinese keyboard work everywhere; superscripts, circled digits and other
scripts' digits, which Python's isdigit() accepts but int() or the rules do not, get a clear
answer instead of "something went wrong".
"""

from __future__ import annotations

import unicodedata

import pytest

from bot import numbers
from bot.durations import DurationError, parse_duration
from bot.errors import UserError
from bot.group_settings import GroupSettings
from bot.ratios import RatioError, parse_quorum, parse_ratio
from storage import followup as followup_repo
from storage import topics as topic_repo
from storage import votes as vote_repo

# ----- the pure rule ---------------------------------------------------------------------------

# (text, topic, action, whole, percent): what each reader makes of the text; None is refused.
TABLE = [
    ("3", 3, 3, 3, 3),
    (" 3 ", 3, 3, 3, 3),
    ("007", 7, 7, 7, 7),
    ("0", 0, 0, 0, 0),
    ("#3", 3, 3, None, None),
    ("＃３", 3, 3, None, None),
    ("#３", 3, 3, None, None),
    ("１", 1, 1, 1, 1),
    ("１２", 12, 12, 12, 12),
    ("\u30001\u3000", 1, 1, 1, 1),  # ideographic spaces around it
    ("A3", None, 3, None, None),
    ("a3", None, 3, None, None),
    ("#A3", None, 3, None, None),
    ("Ａ３", None, 3, None, None),
    ("＃Ａ３", None, 3, None, None),
    ("A#3", None, None, None, None),
    ("AA3", None, None, None, None),
    ("##3", None, None, None, None),
    ("40%", None, None, None, 40),
    ("４０％", None, None, None, 40),
    ("100", 100, 100, 100, 100),
    ("100%", None, None, None, 100),
    ("101", 101, 101, 101, None),
    ("999999999", 999999999, 999999999, 999999999, None),
    ("1000000000", None, None, None, None),  # ten digits
    ("²", None, None, None, None),  # NFKC makes it "2": refused on purpose
    ("¹²", None, None, None, None),
    ("#²", None, None, None, None),
    ("A²", None, None, None, None),
    ("①", None, None, None, None),
    ("𝟐", None, None, None, None),
    ("٣", None, None, None, None),  # Arabic-Indic three: isdigit() and int() accept it
    ("३", None, None, None, None),  # Devanagari three
    ("-5", None, None, None, None),
    ("--5", None, None, None, None),
    ("－５", None, None, None, None),
    ("+5", None, None, None, None),
    ("2.5", None, None, None, None),
    ("1 2", None, None, None, None),
    ("5%%", None, None, None, None),
    ("%5", None, None, None, None),
    ("", None, None, None, None),
    ("#", None, None, None, None),
    ("A", None, None, None, None),
    ("two", None, None, None, None),
    ("3\n", 3, 3, 3, 3),
    ("3\n4", None, None, None, None),
    # Said in words (bot.numbers.everyday): topics and percentages, not views or actions.
    ("1号", 1, None, None, None),
    ("第1个", 1, None, None, None),
    ("第一个", 1, None, None, None),
    ("议题3", 3, None, None, None),
    ("十二", None, None, None, 12),  # a bare word is no topic number: it may start a view
    ("第十二号", 12, None, None, None),
    ("百分之四十", None, None, None, 40),
    ("百分之一百零一", None, None, None, None),
    ("第", None, None, None, None),
]


@pytest.mark.parametrize(("text", "topic", "action", "whole", "percent"), TABLE)
def test_the_number_rule(text, topic, action, whole, percent):
    assert numbers.read_topic(text) == topic
    assert numbers.read_action(text) == action
    assert numbers.read_whole(text) == whole
    assert numbers.read_percent(text) == percent


@pytest.mark.parametrize("text", [row[0] for row in TABLE])
def test_a_text_whose_nfkc_form_differs_from_its_fold_is_refused(text):
    """The documented rule, said with NFKC: folding agrees with NFKC on everything accepted."""
    if numbers.fold(text) != unicodedata.normalize("NFKC", text):
        assert _readers(text) == (None, None, None, None)


@pytest.mark.parametrize("text", ["²", "①", "𝟐", "¹²"])
def test_nfkc_would_make_a_number_of_it_but_the_rule_does_not(text):
    assert numbers.read_whole(unicodedata.normalize("NFKC", text)) is not None
    assert numbers.read_whole(text) is None


def _readers(text):
    return (
        numbers.read_topic(text),
        numbers.read_action(text),
        numbers.read_whole(text),
        numbers.read_percent(text),
    )


def test_fold_maps_full_width_ascii_only():
    assert numbers.fold("＃１２ Ａｂ％：－／　") == "#12 Ab%:-/ "
    assert numbers.fold("²①٣议题") == "²①٣议题"


@pytest.mark.parametrize(
    ("reader", "text", "msgid", "quoted"),
    [
        (numbers.topic_number, "²", "“{text}” is not a topic number.", "²"),
        (numbers.topic_number, " x ", "“{text}” is not a topic number.", "x"),
        (numbers.topic_number, "9" * 60, "“{text}” is not a topic number.", "9" * 40),
        (numbers.draft_number, "①", "“{text}” is not a draft number.", "①"),
        (numbers.view_number, "#2", "“{text}” is not a view number.", "#2"),
        (numbers.action_number, "B3", "“{text}” is not an action number (like A3).", "B3"),
        (numbers.percent, "--5", "Progress is a percentage from 0 to 100.", None),
        (numbers.percent, "101%", "Progress is a percentage from 0 to 100.", None),
    ],
)
def test_a_refusal_quotes_the_text(reader, text, msgid, quoted):
    with pytest.raises(UserError) as caught:
        reader(text)
    assert caught.value.msgid == msgid
    assert caught.value.params.get("text") == quoted


# ----- the same rule in durations, ratios and settings ----------------------------------------


def test_durations_ratios_and_quorums_take_full_width_and_refuse_other_digits():
    assert parse_duration("３ｄ１２ｈ") == parse_duration("3d12h")
    assert parse_ratio("２／３") == parse_ratio("2/3")
    assert parse_ratio("６７％") == parse_ratio("67%")
    assert parse_quorum("５").count == 5
    for bad in ("²d", "٣d"):
        with pytest.raises(DurationError):
            parse_duration(bad)
    for bad in ("²", "٢/٣"):
        with pytest.raises(RatioError):
            parse_quorum(bad)


def test_settings_typed_in_full_width_are_stored_in_ascii():
    settings = GroupSettings(
        quiet_hours="２２：００－０８：００", quorum="５", threshold="２／３", blocks_allowed="１"
    )
    assert (settings.quiet_hours, settings.quorum, settings.threshold) == (
        "22:00-08:00",
        "5",
        "2/3",
    )
    assert settings.blocks_allowed == 1
    # Before, "２:00-08:00" was taken as typed and made every follow-up card fail later.
    assert GroupSettings(quiet_hours="２:00-08:00").quiet_window() is not None


# ----- through the bot -------------------------------------------------------------------------

WENT_WRONG = "something went wrong"


async def english_group(world):
    group = world.group("Dongshan village")
    chen = group.convenor("chen", language="en")
    await chen.says("/language en")
    alice, bob = group.member("alice", language="en"), group.member("bob", language="en")
    return group, chen, alice, bob


async def topic_row(world, group, number):
    async with world.rt.db.read() as tx:
        return await topic_repo.get_topic(tx, group.chat_id, number)


async def supporters(world, group, number):
    topic = await topic_row(world, group, number)
    async with world.rt.db.read() as tx:
        return await topic_repo.supporters(tx, topic.id)


@pytest.mark.parametrize(
    ("text", "answer"),
    [
        ("/support ²", "“²” is not a topic number."),
        ("/topic ²", "“²” is not a topic number."),
        ("/support ①", "“①” is not a topic number."),
        ("/views ٣", "“٣” is not a topic number."),
        ("/ballot ² agree", "“²” is not a topic number."),
    ],
)
async def test_a_number_that_only_looks_like_one_gets_a_clear_answer(world, text, answer):
    group, _chen, alice, bob = await english_group(world)
    await alice.says("/propose Fix the well")
    sent = len(group.sent())
    await bob.says(text)
    assert len(group.sent()) == sent + 1
    assert group.last_bot_message()["text"] == answer
    assert not any(WENT_WRONG in t for t in group.texts())
    assert await supporters(world, group, 1) == []


async def test_the_answer_speaks_the_groups_language(world):
    group = world.group("东山村")
    alice, bob = group.member("alice"), group.member("bob", language="en")
    await alice.says("/propose 修缮水井")
    await bob.says("/support ²")
    assert group.last_bot_message()["text"] == "“²”不是议题编号。"


async def test_full_width_numbers_work(world):
    group, chen, alice, bob = await english_group(world)
    await alice.says("/propose Fix the well")
    await bob.says("/support １")
    assert await supporters(world, group, 1) == [bob.id]
    await chen.says("/accept ＃１")
    await alice.says("/draft １ Repair the well this year.")
    await alice.says("/draft 1 Repair the well this year, paid by the village fund.")
    await chen.says("/vote １ ２")
    ballot = group.last_bot_message()["text"]
    assert ballot.startswith("Vote on topic #1: Fix the well")
    assert "Draft 2:" in ballot and "paid by the village fund" in ballot
    await bob.says("/ballot ＃１ agree")
    topic = await topic_row(world, group, 1)
    async with world.rt.db.read() as tx:
        vote = await vote_repo.current_vote(tx, topic.id)
        ballots = await vote_repo.ballots(tx, vote.id)
    assert [(b.user_id, b.choice) for b in ballots] == [(bob.id, "agree")]
    assert not any(WENT_WRONG in t for t in group.texts())


async def adopted_with_action(world):
    group, chen, alice, bob = await english_group(world)
    await alice.says("/propose Fix the street lights")
    await chen.says("/accept 1 1h 1h")
    await alice.says("/draft 1 Replace the lamps within a month.")
    await chen.says("/vote 1 1")
    ballot = group.last_bot_message()
    for person in (chen, alice, bob):
        await person.presses(ballot, "Agree")
    await chen.says("/close 1")
    hello = await bob.says("me")
    await chen.replies_to(hello, "/action 1 30d Paint the poles")
    return group, chen, alice, bob


async def progress_of(world, group):
    async with world.rt.db.read() as tx:
        action = await followup_repo.get_action(tx, group.chat_id, 1)
        return [(r.percent, r.note) for r in await followup_repo.progress_of(tx, action.id)]


@pytest.mark.parametrize(
    ("text", "answer"),
    [
        ("/progress A1 --5", "Progress is a percentage from 0 to 100."),
        ("/progress A1 -5", "Progress is a percentage from 0 to 100."),
        ("/progress A1 ²", "Progress is a percentage from 0 to 100."),
        ("/progress A1 101%", "Progress is a percentage from 0 to 100."),
        ("/progress A² 50", "“A²” is not an action number (like A3)."),
        ("/done ①", "“①” is not an action number (like A3)."),
    ],
)
async def test_a_bad_progress_report_is_explained_and_stores_nothing(world, text, answer):
    group, _chen, _alice, bob = await adopted_with_action(world)
    await bob.says(text)
    assert group.last_bot_message()["text"] == answer
    assert await progress_of(world, group) == []
    assert not any(WENT_WRONG in t for t in group.texts())


async def test_progress_in_full_width_is_recorded(world):
    group, _chen, _alice, bob = await adopted_with_action(world)
    await bob.says("/progress Ａ１ ６０％ half the poles")
    assert "in progress 60%" in group.last_bot_message()["text"]
    assert await progress_of(world, group) == [(60, "half the poles")]


async def test_a_setting_typed_in_full_width_is_taken(world):
    group, chen, _alice, _bob = await english_group(world)
    await chen.says("/settings quiet_hours ２２：００－０７：３０")
    assert "22:00-07:30" in group.last_bot_message()["text"]
    await chen.says("/settings")
    assert "22:00-07:30" in group.last_bot_message()["text"]
