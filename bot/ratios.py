"""Ratios and quorums as a convenor writes them: 2/3, 67%, 0.5; a quorum may also be a head count."""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction

from bot.numbers import fold, read_whole


class RatioError(ValueError):
    """Not a ratio between 0 and 1; `kind` says which (not_a_ratio, out_of_range,
    head_count), for the message the group reads (bot/group_settings.setting_problem)."""

    def __init__(self, message: str, kind: str = "not_a_ratio") -> None:
        super().__init__(message)
        self.kind = kind


# "More than half" as villagers say it: stored as the strict rule ">1/2".
MAJORITY_WORDS = frozenset(
    {"过半", "过半数", "半数以上", "超过半数", "超过一半", "多数", "majority"}
)
STRICT = ">"


@dataclass(frozen=True)
class Threshold:
    """The share of agree ballots that carries a vote: at least `share` (a tie at 1/2 passes),
    or, when `strict`, more than `share` (">1/2", 过半: a tie does not pass)."""

    share: Fraction
    strict: bool = False

    def met(self, agree: Fraction) -> bool:
        return agree > self.share if self.strict else agree >= self.share


def normal_threshold(text: str) -> str:
    """A threshold as stored: 过半 / 半数以上 become ">1/2"; ">1/2" and "2/3" stay as written
    (folded). Raises RatioError."""
    raw = fold(str(text)).strip().replace(" ", "")
    if raw.lower() in MAJORITY_WORDS:
        return STRICT + "1/2"
    parse_threshold(raw)
    return raw


def parse_threshold(text: str) -> Threshold:
    """ "2/3" (at least), ">1/2" (more than), 过半 (more than half). Raises RatioError."""
    raw = fold(str(text)).strip().replace(" ", "")
    if raw.lower() in MAJORITY_WORDS:
        return Threshold(Fraction(1, 2), strict=True)
    if raw.startswith((STRICT, "＞")):
        return Threshold(parse_ratio(raw[1:]), strict=True)
    return Threshold(parse_ratio(raw))


def parse_ratio(text: str) -> Fraction:
    # Full-width digits, ／ and ％ count; other scripts' digits do not (the rule of bot.numbers).
    raw = fold(str(text)).strip().replace(" ", "")
    if not raw.isascii():
        raise RatioError(f"not a ratio: {text!r} (use e.g. 2/3, 67% or 0.5)")
    try:
        if raw.endswith("%"):
            value = Fraction(raw[:-1]) / 100
        else:
            value = Fraction(raw)
    except (ValueError, ZeroDivisionError) as exc:
        raise RatioError(f"not a ratio: {text!r} (use e.g. 2/3, 67% or 0.5)") from exc
    if not 0 <= value <= 1:
        raise RatioError(f"a ratio must lie between 0 and 1: {text!r}", "out_of_range")
    return value


@dataclass(frozen=True)
class Quorum:
    """A fixed head count, or a share of the eligible members, which may be capped by a head
    count (1/3 max 10: a third of the members, but never more than 10 people)."""

    share: Fraction | None = None
    count: int | None = None
    cap: int | None = None

    def required(self, eligible: int) -> int:
        if self.count is not None:
            return self.count
        assert self.share is not None
        needed = self.share * eligible
        # Round up: a third of 10 members is 4 ballots, never 3.33.
        people = max(1, -(-needed.numerator // needed.denominator)) if eligible else 1
        return min(people, self.cap) if self.cap is not None else people


# A share and its cap: 1/3 max 10, 1/3最多10人, 1/3,10.
_CAPPED = re.compile(r"(.+?)(?:max|最多|至多|不超过|,|、)([0-9]+)人?")


def _head_count(count: int, text: str) -> int:
    if count < 1 or count > 100_000:
        raise RatioError(
            f"a quorum head count must lie between 1 and 100000: {text!r}", "head_count"
        )
    return count


def _plain(text: str) -> str:
    return fold(str(text)).strip().replace(" ", "").replace("，", ",").lower()


def capped_share(text: str) -> tuple[str, int] | None:
    """The share and the cap of a capped quorum as written ("1/3 max 10": ("1/3", 10))."""
    capped = _CAPPED.fullmatch(_plain(text))
    return (capped.group(1), int(capped.group(2))) if capped else None


def parse_quorum(text: str) -> Quorum:
    raw = _plain(text)
    count = read_whole(raw)
    if count is not None:
        return Quorum(count=_head_count(count, text))
    capped = _CAPPED.fullmatch(raw)
    if capped:
        share = parse_ratio(capped.group(1))
        return Quorum(share=share, cap=_head_count(int(capped.group(2)), text))
    return Quorum(share=parse_ratio(raw))
