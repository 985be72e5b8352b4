"""The form of a consultation (选择最优协商路径): which of the four the source names fits a topic,
and the rule by which the bot suggests one when its views close. The convenor decides (/form).

The source (shared/seed, MISSION.md) chooses the form "by goal fit, participation, adaptability
and feasibility". What the bot can see of that is: how many took part against the group's size,
how split the stances are, whether the matter waits on a referral to a members' group, and
whether the group is itself a members' group (the members' side of a link: its members meet at
one table, not under a village tree). The suggestion is one row of `RULES`, the first whose
condition holds; each row carries its reason; a members' group is never sent under the tree.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from fractions import Fraction


class Form(StrEnum):
    ONLINE = "online"  # 网上议事: in the group chat, the default
    ROUNDTABLE = "roundtable"  # 圆桌会谈: the sides (and departments) at one table
    UNDER_TREE = "under_tree"  # 树下贤聊: an informal talk where villagers gather
    OPEN_DOOR = "open_door"  # 开门协商: open to every resident and department concerned


DEFAULT = Form.ONLINE
# The offline forms: a meeting (/meeting) is where they happen.
OFFLINE = frozenset({Form.ROUNDTABLE, Form.UNDER_TREE, Form.OPEN_DOOR})

# What a convenor may type for each form, in either language (folded to lower case, no spaces).
FORM_WORDS: dict[str, Form] = {
    **{f.value: f for f in Form},
    "under-the-tree": Form.UNDER_TREE,
    "under-tree": Form.UNDER_TREE,
    "underthetree": Form.UNDER_TREE,
    "undertree": Form.UNDER_TREE,
    "tree": Form.UNDER_TREE,
    "open-door": Form.OPEN_DOOR,
    "opendoor": Form.OPEN_DOOR,
    "round-table": Form.ROUNDTABLE,
    "网上议事": Form.ONLINE,
    "网上": Form.ONLINE,
    "线上": Form.ONLINE,
    "圆桌会谈": Form.ROUNDTABLE,
    "圆桌": Form.ROUNDTABLE,
    "树下贤聊": Form.UNDER_TREE,
    "树下": Form.UNDER_TREE,
    "开门协商": Form.OPEN_DOOR,
    "开门": Form.OPEN_DOOR,
}


def parse_form(word: str) -> Form | None:
    """A form as typed ("roundtable", "圆桌会谈", "树下"); None for anything else."""
    key = "".join(word.split()).lower()
    return FORM_WORDS.get(key) or FORM_WORDS.get(key.replace("_", "-"))


class Reason(StrEnum):
    """Why a form is suggested: each names what the bot saw (the cards say it in words)."""

    REFERRAL = "referral"  # a referral to a members' group is pending or being handled
    NOBODY = "nobody"  # nobody gave a view
    FEW = "few"  # few of the group took part
    MEMBERS_QUIET = "members_quiet"  # a members' group where few or none took part
    EARLY = "early"  # too few views to say whether they agree
    SPLIT = "split"  # the stances are sharply divided
    WIDE = "wide"  # many took part and concerns remain
    AGREED = "agreed"  # enough took part and views mostly agree


@dataclass(frozen=True)
class Seen:
    """What the bot can see of a topic when its views close.

    `participants`: people who took part: gave a view (an anonymous view counts its author
    once) or answered a consultation of the topic in a linked village;
    `group_size`: the members of the group, bots left out (None: Telegram did not say);
    `stances`: views and consultation answers by stance ("support", "oppose", "concern",
    "suggestion");
    `referral_pending`: the topic waits on a referral to a linked members' group, or the
    members' group is handling it;
    `members_group`: the group is the members' side of a live link.
    """

    participants: int
    group_size: int | None
    stances: Mapping[str, int]
    referral_pending: bool = False
    members_group: bool = False

    @property
    def views(self) -> int:
        """Views (and answers) of every stance."""
        return sum(self.stances.values())

    @property
    def share(self) -> Fraction | None:
        """Who took part, as a share of the group (None: the group's size is not known)."""
        if not self.group_size:
            return None
        return Fraction(min(self.participants, self.group_size), self.group_size)

    @property
    def against(self) -> int:
        """Views that oppose or raise a concern."""
        return self.stances.get("oppose", 0) + self.stances.get("concern", 0)

    @property
    def taking_sides(self) -> int:
        return self.stances.get("support", 0) + self.against

    @property
    def against_share(self) -> Fraction | None:
        """Oppose and concern among the views that take a side (suggestions take none)."""
        if not self.taking_sides:
            return None
        return Fraction(self.against, self.taking_sides)


# Thresholds, named so a reader can check them.
FEW_SHARE = Fraction(1, 5)  # under a fifth of the group took part: few
SPLIT_LOW, SPLIT_HIGH = Fraction(1, 3), Fraction(2, 3)  # against between a third and two thirds
SPLIT_AT_LEAST = 4  # a split means something with at least this many views taking a side
WIDE_SHARE = Fraction(1, 2)  # half the group or more took part
WIDE_PEOPLE = 30  # or at least this many people
WIDE_AGAINST = Fraction(1, 5)  # and at least a fifth of the views oppose or raise concerns
AGREE_AT_LEAST = 4  # under this many views, nothing is said about whether they agree


def _few(seen: Seen) -> bool:
    share = seen.share
    return share is not None and share < FEW_SHARE


def _split(seen: Seen) -> bool:
    share = seen.against_share
    return (
        share is not None
        and seen.taking_sides >= SPLIT_AT_LEAST
        and SPLIT_LOW <= share <= SPLIT_HIGH
    )


def _wide(seen: Seen) -> bool:
    share, against = seen.share, seen.against_share
    many = seen.participants >= WIDE_PEOPLE or (share is not None and share >= WIDE_SHARE)
    return many and against is not None and against >= WIDE_AGAINST


# (condition, form, reason), first match wins; the last row always holds.
RULES: tuple[tuple[Callable[[Seen], bool], Form, Reason], ...] = (
    # A members' group will take it up: the members, the departments and the village at one
    # table.
    (lambda s: s.referral_pending, Form.ROUNDTABLE, Reason.REFERRAL),
    # Nobody wrote: go where people are, under the tree.
    (lambda s: s.participants == 0, Form.UNDER_TREE, Reason.NOBODY),
    # Few took part online: the same, to hear those who do not write.
    (_few, Form.UNDER_TREE, Reason.FEW),
    # The sides are evenly matched: bring them to one table.
    (_split, Form.ROUNDTABLE, Reason.SPLIT),
    # Many took part and concerns remain: open the door to every resident concerned.
    (_wide, Form.OPEN_DOOR, Reason.WIDE),
    # Too few views to say they agree: the group chat serves for now.
    (lambda s: s.views < AGREE_AT_LEAST, Form.ONLINE, Reason.EARLY),
    # Otherwise the group chat serves.
    (lambda s: True, Form.ONLINE, Reason.AGREED),
)


@dataclass(frozen=True)
class Suggestion:
    form: Form
    reason: Reason


def suggest(seen: Seen) -> Suggestion:
    """The form the bot suggests for what it saw (the first row of RULES that holds). A
    members' group is not sent under a village tree: where the rule says so, its members meet
    at one table (roundtable, Reason.MEMBERS_QUIET)."""
    for condition, form, reason in RULES:
        if condition(seen):
            if seen.members_group and form is Form.UNDER_TREE:
                return Suggestion(Form.ROUNDTABLE, Reason.MEMBERS_QUIET)
            return Suggestion(form, reason)
    raise AssertionError("the last rule always holds")  # pragma: no cover
