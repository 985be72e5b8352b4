"""A command typed without its topic number (issue 12): is the number missing, and which topics
could it be about?

Every command that takes a topic number N first has a :class:`Shape` here: the phases in which
it makes sense (from the permission table, bot/rules/permissions.py, or, for a command that
only shows something, the phases in which there is something to show), and how its other
arguments look, so that ``/vote 2 3天`` (draft 2, three days: the number is missing) is told
from ``/vote 1 2`` (topic 1, draft 2) and ``/support ²`` still gets "“²” is not a topic number".

The rule, for the arguments typed after the command:

1. The first is a topic number (bot.numbers.read_topic) and the rest fits the command with
   it (``numbered``): taken as typed.
2. Otherwise, if all of them fit the command as what follows the number (``unnumbered``):
   the number is missing. The command then acts on the only topic in a fitting phase, or asks
   which (handlers/topic_choice.py).
3. Otherwise taken as typed: the command's own answer says what is wrong, with an example.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

from bot import numbers
from bot.durations import DurationError, parse_duration
from bot.rules.permissions import TABLE, Action
from bot.rules.phases import Status, parse_choice, parse_stance

Check = Callable[[list[str]], bool]
S = Status


def _anything(args: list[str]) -> bool:
    return True


def _nothing(rest: list[str]) -> bool:
    return not rest


def _some(rest: list[str]) -> bool:
    return bool(rest)


def _is_duration(text: str) -> bool:
    try:
        parse_duration(text)
    except DurationError:
        return False
    return True


def _durations(rest: list[str]) -> bool:
    """/accept's: nothing, or one or two durations (views, vote)."""
    return len(rest) <= 2 and all(_is_duration(word) for word in rest)


def _vote_numbered(args: list[str]) -> bool:
    """/vote N draft [duration]: with the number, a draft follows it."""
    return len(args) >= 3 or (len(args) == 2 and numbers.read_draft(args[1]) is not None)


def _vote_unnumbered(rest: list[str]) -> bool:
    """/vote draft [duration]."""
    return (
        1 <= len(rest) <= 2
        and numbers.read_draft(rest[0]) is not None
        and (len(rest) == 1 or _is_duration(rest[1]))
    )


def _view_unnumbered(rest: list[str]) -> bool:
    """/view [stance] text; but not a word and then a stance ("/view two support ..."): that
    word was meant as the topic number."""
    if not rest:
        return False
    return not (len(rest) >= 2 and parse_stance(rest[1]) and not parse_stance(rest[0]))


def _ballot_unnumbered(rest: list[str]) -> bool:
    return bool(rest) and parse_choice(rest[0]) is not None


ROUND_WORDS = {
    "views": "views",
    "drafts": "drafts",
    "意见": "views",
    "观点": "views",
    "草案": "drafts",
    "文本": "drafts",
}


def _round_unnumbered(rest: list[str]) -> bool:
    """/round views|drafts [duration]."""
    return 1 <= len(rest) <= 2 and rest[0].lower() in ROUND_WORDS


def _two_or_more(args: list[str]) -> bool:
    return len(args) >= 2


def _extend_unnumbered(rest: list[str]) -> bool:
    """/extend duration."""
    return len(rest) == 1 and _is_duration(rest[0])


def _editview_numbered(args: list[str]) -> bool:
    """/editview N V text: a view number follows the topic's."""
    return len(args) >= 3 and numbers.read_whole(args[1]) is not None


def _editview_unnumbered(rest: list[str]) -> bool:
    """/editview V text; "/editview 2 1" (two numbers) stays a topic and a view, text missing."""
    return (
        len(rest) >= 2
        and numbers.read_whole(rest[0]) is not None
        and not (len(rest) == 2 and numbers.read_topic(rest[1]) is not None)
    )


def _consult_unnumbered(rest: list[str]) -> bool:
    """/consult, or /consult close."""
    return not rest or (len(rest) == 1 and rest[0].lower() in ("close", "结束"))


def _retract_unnumbered(rest: list[str]) -> bool:
    return len(rest) == 1 and numbers.read_whole(rest[0]) is not None


# Phases in which there is something to show.
_HAS_VIEWS = frozenset({S.DELIBERATING, S.VOTING, S.ADOPTED, S.NOT_ADOPTED, S.FOLLOWING_UP})
_HAS_ACTIONS = frozenset({S.ADOPTED, S.FOLLOWING_UP})
_ACCEPTED = frozenset(
    {S.DELIBERATING, S.VOTING, S.ADOPTED, S.NOT_ADOPTED, S.FOLLOWING_UP, S.DONE, S.ESCALATED}
)
_OPEN = frozenset({S.PROPOSED, S.DELIBERATING, S.VOTING, S.ADOPTED, S.NOT_ADOPTED, S.FOLLOWING_UP})


@dataclass(frozen=True)
class Shape:
    """How one command's arguments look, and in which phases it acts on a topic."""

    phases: frozenset[Status]
    # All the arguments, the topic number first: do the others fit the command?
    numbered: Check = _anything
    # The arguments without a number: are they what follows the number?
    unnumbered: Check = _nothing


def _acts(action: Action, numbered: Check = _anything, unnumbered: Check = _nothing) -> Shape:
    """A command that does `action`: it makes sense where the permission table allows it."""
    phases = TABLE[action][1]
    assert phases is not None, action
    return Shape(phases, numbered, unnumbered)


SHAPES: dict[str, Shape] = {
    "support": _acts(Action.SUPPORT),
    "withdraw": _acts(Action.WITHDRAW),
    "accept": _acts(Action.ACCEPT, unnumbered=_durations),
    "decline": _acts(Action.DECLINE, unnumbered=_some),
    "end": _acts(Action.CLOSE_TOPIC),
    "escalate": _acts(Action.ESCALATE, unnumbered=_some),
    "round": _acts(Action.NEW_ROUND, unnumbered=_round_unnumbered),
    "topic": Shape(_OPEN),
    "view": _acts(Action.VIEW, unnumbered=_view_unnumbered),
    "views": Shape(_HAS_VIEWS),
    "editview": _acts(Action.EDIT_VIEW, _editview_numbered, _editview_unnumbered),
    "retract": _acts(Action.EDIT_VIEW, _two_or_more, _retract_unnumbered),
    "draft": _acts(Action.DRAFT, unnumbered=_some),
    "drafts": Shape(_HAS_VIEWS),
    "vote": _acts(Action.OPEN_VOTE, _vote_numbered, _vote_unnumbered),
    "ballot": _acts(Action.BALLOT, unnumbered=_ballot_unnumbered),
    "close": _acts(Action.CLOSE_VOTE),
    "extend": _acts(Action.EXTEND, numbered=_two_or_more, unnumbered=_extend_unnumbered),
    "actions": Shape(_HAS_ACTIONS),
    "action": _acts(Action.ADD_ACTION, unnumbered=_two_or_more),
    "reopen": _acts(Action.REOPEN),
    "minutes": Shape(_ACCEPTED),
    # 两商衔接 (issue 13): /refer [note], /consult [close].
    "refer": _acts(Action.REFER, unnumbered=_anything),
    "consult": _acts(Action.CONSULT, unnumbered=_consult_unnumbered),
    # Following a topic: its result and follow-up are still to come.
    "subscribe": Shape(_OPEN),
    "unsubscribe": Shape(_OPEN | {S.DONE}),
}


class Reading(Enum):
    AS_TYPED = "as typed"  # the number is there (or the command's own answer says what is wrong)
    NO_NUMBER = "no number"  # the topic is to be found: the only one in a fitting phase, or asked


def reading(command: str, args: list[str]) -> Reading:
    """How `command`'s arguments `args` (as split by spaces) read: the rule above."""
    shape = SHAPES[command]
    if args and numbers.read_topic(args[0]) is not None and shape.numbered(args):
        return Reading.AS_TYPED
    if shape.unnumbered(args):
        return Reading.NO_NUMBER
    return Reading.AS_TYPED


def phases_of(command: str) -> frozenset[Status]:
    """The phases in which `command` acts on a topic."""
    return SHAPES[command].phases
