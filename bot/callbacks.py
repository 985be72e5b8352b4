"""Callback data: short, versionless strings under Telegram's 64 bytes, parsed strictly. Every
kind of button is built and parsed here, and nowhere else.

The shape is `kind:number[:ref][:code]`. The short kind names are what buttons already posted
in groups carry, so they stay as they are (a renamed kind would break every older card).
Anything that does not match a known shape is refused; a match still goes through the same
rules as the equivalent command (chat, phase, role), so forged data gains nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.rules.phases import Choice, Stance

STANCE_CODE = {"s": Stance.SUPPORT, "o": Stance.OPPOSE, "c": Stance.CONCERN, "g": Stance.SUGGESTION}
CHOICE_CODE = {"a": Choice.AGREE, "n": Choice.ABSTAIN, "d": Choice.DISAGREE, "b": Choice.BLOCK}
_CODE_OF_STANCE = {v: k for k, v in STANCE_CODE.items()}
_CODE_OF_CHOICE = {v: k for k, v in CHOICE_CODE.items()}

# A rating's code: satisfied, partly, not satisfied.
RATING_CODE = {"satisfied": "s", "partly": "p", "not_satisfied": "x"}
RATING_OF_CODE = {v: k for k, v in RATING_CODE.items()}

_SHAPE = re.compile(r"([a-z]{2,4}):([0-9]{1,9})(?::([0-9]{1,12}))?(?::([a-z]))?")
SUPPORT, ACCEPT, VIEW, LIST_VIEWS, BALLOT = "sup", "acc", "vw", "lst", "bal"
RATE, PROGRESS, REOPEN, KEEP_FOLLOWING = "rate", "prg", "ro", "kf"
KINDS = {SUPPORT, ACCEPT, VIEW, LIST_VIEWS, BALLOT, RATE, PROGRESS, REOPEN, KEEP_FOLLOWING}
# Kinds that carry a number only.
_BARE = {SUPPORT, ACCEPT, LIST_VIEWS, PROGRESS, REOPEN, KEEP_FOLLOWING}


@dataclass(frozen=True)
class Press:
    kind: str
    number: int
    ref: int | None = None
    code: str | None = None

    @property
    def stance(self) -> Stance | None:
        return STANCE_CODE.get(self.code or "")

    @property
    def choice(self) -> Choice | None:
        return CHOICE_CODE.get(self.code or "")

    @property
    def rating(self) -> str | None:
        return RATING_OF_CODE.get(self.code or "")


def parse(data: str | None) -> Press | None:
    """The press a button's data stands for; None for anything not built by this module."""
    if not data or len(data.encode()) > 64:
        return None
    match = _SHAPE.fullmatch(data)
    if not match or match.group(1) not in KINDS:
        return None
    kind, number, ref, code = match.groups()
    press = Press(kind, int(number), int(ref) if ref else None, code)
    if kind in _BARE and (ref is not None or code is not None):
        return None
    if kind == VIEW and press.stance is None:
        return None
    if kind == BALLOT and (press.choice is None or press.ref is None):
        return None
    if kind == RATE and (press.rating is None or press.ref is None):
        return None
    return press


def support(number: int) -> str:
    return f"sup:{number}"


def accept(number: int) -> str:
    return f"acc:{number}"


def view(number: int, stance: Stance) -> str:
    return f"vw:{number}::{_CODE_OF_STANCE[stance]}".replace("::", ":0:")


def list_views(number: int) -> str:
    return f"lst:{number}"


def ballot(number: int, vote_id: int, choice: Choice) -> str:
    return f"bal:{number}:{vote_id}:{_CODE_OF_CHOICE[choice]}"


def rate(number: int, round_id: int, rating: str) -> str:
    """A rating button of topic `number`'s round `round_id` (rating: a RATING_CODE key)."""
    return f"rate:{number}:{round_id}:{RATING_CODE[rating]}"


def progress(action_no: int) -> str:
    return f"prg:{action_no}"


def reopen(number: int) -> str:
    return f"ro:{number}"


def keep_following(number: int) -> str:
    return f"kf:{number}"
