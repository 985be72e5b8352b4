"""Topic statuses, and which of them are still open to the group."""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    PROPOSED = "proposed"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"
    MERGED = "merged"
    DELIBERATING = "deliberating"
    VOTING = "voting"
    ADOPTED = "adopted"
    NOT_ADOPTED = "not_adopted"
    FOLLOWING_UP = "following_up"
    DONE = "done"
    CLOSED = "closed"
    ESCALATED = "escalated"


# Ended for good. DONE can still be reopened by a convenor (see permissions.TABLE).
FINAL = frozenset({Status.DECLINED, Status.WITHDRAWN, Status.MERGED, Status.CLOSED})
OPEN = frozenset(Status) - FINAL - {Status.DONE, Status.ESCALATED}


class Stance(StrEnum):
    SUPPORT = "support"
    OPPOSE = "oppose"
    CONCERN = "concern"
    SUGGESTION = "suggestion"


class Choice(StrEnum):
    AGREE = "agree"
    ABSTAIN = "abstain"
    DISAGREE = "disagree"
    BLOCK = "block"


# What people may type for a stance or a choice, in either language.
STANCE_WORDS = {
    **{s.value: s for s in Stance},
    "支持": Stance.SUPPORT,
    # Villagers say 同意 / 赞成 for support and 不同意 for oppose (tester, issue 12).
    "同意": Stance.SUPPORT,
    "赞成": Stance.SUPPORT,
    "反对": Stance.OPPOSE,
    "不同意": Stance.OPPOSE,
    "担忧": Stance.CONCERN,
    "顾虑": Stance.CONCERN,
    "建议": Stance.SUGGESTION,
}
CHOICE_WORDS = {
    **{c.value: c for c in Choice},
    "同意": Choice.AGREE,
    "赞成": Choice.AGREE,
    "弃权": Choice.ABSTAIN,
    "反对": Choice.DISAGREE,
    "不同意": Choice.DISAGREE,
    "否决": Choice.BLOCK,
    "阻止": Choice.BLOCK,
}


def parse_stance(word: str) -> Stance | None:
    return STANCE_WORDS.get(word.strip().lower())


def parse_choice(word: str) -> Choice | None:
    return CHOICE_WORDS.get(word.strip().lower())
