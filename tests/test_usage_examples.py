"""Usage answers are examples (issue 12): each command's answer to incomplete input is a short
sentence and a real example in the group's language ("例如：/vote 1 2 3天"), and each example,
in both languages, is sent back to the bot by the member it is for and accepted (bot/usage.py).
No programmer's notation ([], <>, |, "A-number", "Usage:") is left in those answers.
"""

from __future__ import annotations

import re

import pytest

from bot.i18n import translator
from bot.usage import USAGE
from handlers.common import Ctx

EXAMPLE = re.compile(r"(?:For example: |例如：)(/[^（(\n]*)")

# command: (the stage it is used in, who sends it; "reply" when it answers the owner's message)
WHERE = {
    "support": ("proposed", "liu"),
    "withdraw": ("proposed", "wang"),
    "accept": ("proposed", "chen"),
    "decline": ("proposed", "chen"),
    "merge": ("proposed", "chen"),
    "topic": ("proposed", "liu"),
    "end": ("deliberating", "chen"),
    "escalate": ("deliberating", "chen"),
    "extend": ("deliberating", "chen"),
    "view": ("deliberating", "liu"),
    "views": ("deliberating", "liu"),
    "editview": ("deliberating", "wang"),
    "retract": ("deliberating", "wang"),
    "draft": ("deliberating", "liu"),
    "drafts": ("deliberating", "liu"),
    "vote": ("deliberating", "chen"),
    "minutes": ("deliberating", "chen"),
    "subscribe": ("deliberating", "liu"),
    "unsubscribe": ("subscribed", "liu"),
    "ballot": ("voting", "liu"),
    "close": ("voting", "chen"),
    "round": ("not_adopted", "chen"),
    "action": ("adopted", "reply"),
    "reopen": ("adopted", "chen"),
    "actions": ("with_action", "liu"),
    "progress": ("with_action", "liu"),
    "done": ("with_action", "liu"),
    "drop": ("with_action", "chen"),
    "language": ("proposed", "chen"),
    "settings": ("proposed", "chen"),
}
STAGES = ["proposed", "deliberating", "subscribed", "voting", "not_adopted", "adopted"]
STAGES.append("with_action")


def example(language: str, command: str) -> str:
    said = translator(language)(USAGE[command])
    found = EXAMPLE.search(said)
    assert found, said
    return found.group(1).strip()


async def staged(world, language: str, stage: str):
    """A group in `language`: 王 proposes #1 and #2; then as far as `stage`: accepted (王's
    views 1 and 2, drafts 1 and 2), 刘 subscribed, put to the vote, not adopted or adopted,
    with action A1 owned by 刘."""
    group = world.group("东山村" if language == "zh" else "Dongshan village")
    chen = group.convenor("chen", language=language)
    wang = group.member("wang", language=language)
    liu = group.member("liu", language=language)
    await chen.says(f"/language {language}")
    await wang.says("/propose 修村口的路")
    await wang.says("/propose 装路灯")
    until = STAGES.index(stage)
    if until >= STAGES.index("deliberating"):
        await chen.says("/accept 1")
        await wang.says("/view 1 support 路早该修了")
        await wang.says("/view 1 concern 钱从哪里来")
        await wang.says("/draft 1 今年内把村口的路修好。")
        await wang.says("/draft 1 今年内把村口的路修好，费用由村集体承担。")
    if until >= STAGES.index("subscribed"):
        await liu.says("/subscribe 1")
    if until >= STAGES.index("voting"):
        await chen.says("/vote 1 2")
    if until >= STAGES.index("not_adopted"):
        choice = "disagree" if stage == "not_adopted" else "agree"
        for person in (chen, wang, liu):
            await person.says(f"/ballot 1 {choice}")
        await chen.says("/close 1")
        await world.run_due()
    if until >= STAGES.index("with_action"):
        hello = await liu.says("我来负责")
        await chen.replies_to(hello, "/action 1 3/31 向镇政府递交申请")
    return group, {"chen": chen, "wang": wang, "liu": liu}


@pytest.fixture
def refusals(monkeypatch):
    """Every refusal the bot gives (Ctx.refuse), as message ids."""
    seen: list[str] = []
    original = Ctx.refuse

    async def refuse(self, err):
        seen.append(err.msgid)
        await original(self, err)

    monkeypatch.setattr(Ctx, "refuse", refuse)
    return seen


def test_every_usage_has_a_place_in_this_test():
    assert set(WHERE) == set(USAGE)


@pytest.mark.parametrize("language", ["zh", "en"])
@pytest.mark.parametrize("command", sorted(USAGE))
async def test_each_example_is_accepted(world, refusals, language, command):
    stage, who = WHERE[command]
    group, people = await staged(world, language, stage)
    assert refusals == [], "the stage itself was refused"
    typed = example(language, command)
    assert typed.split()[0] == f"/{command}"
    before = len(world.api.calls)
    if who == "reply":
        hello = await people["liu"].says("我来" if language == "zh" else "I will do it")
        await people["chen"].replies_to(hello, typed)
    else:
        await people[who].says(typed)
    assert refusals == [], f"{typed!r} was refused"
    assert len(world.api.calls) > before, f"{typed!r} did nothing the group could see"


@pytest.mark.parametrize("language", ["zh", "en"])
@pytest.mark.parametrize("command", sorted(USAGE))
def test_usage_answers_are_sentences_not_patterns(language, command):
    said = translator(language)(USAGE[command])
    assert ("例如：" if language == "zh" else "For example: ") in said
    for notation in ("[", "]", "<", ">", "|", "A-number", "Usage", "用法", " N ", "N M"):
        assert notation not in said, (notation, said)


async def test_a_usage_answer_in_the_group_language(world):
    group, people = await staged(world, "zh", "deliberating")
    await people["chen"].says("/vote 1 2 3天 4天")
    assert group.last_bot_message()["text"] == (
        "请写上议题编号和草案编号，也可以写上表决多长时间。例如：/vote 1 2 3天"
    )


async def test_the_refusal_spy_sees_a_refusal(world, refusals):
    """The check above can fail: an example the bot refuses is seen."""
    group, people = await staged(world, "zh", "deliberating")
    await people["chen"].says("/vote 1 9 3天")
    assert len(refusals) == 1


@pytest.mark.parametrize("language", ["zh", "en"])
def test_the_help_shows_no_patterns_and_says_the_number_may_be_left_out(language):
    from handlers.basics import HELP_CONVENORS, HELP_GROUP

    _ = translator(language)
    for text in (_(HELP_GROUP), _(HELP_CONVENORS)):
        for notation in ("|", "[", "A-number"):
            assert notation not in text, (notation, text)
    assert ("编号可以不写" if language == "zh" else "leave out the topic number") in _(HELP_GROUP)
