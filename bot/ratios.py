"""Ratios and quorums as a convenor writes them: 2/3, 67%, 0.5; a quorum may also be a head count."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from bot.numbers import fold, read_whole


class RatioError(ValueError):
    """Not a ratio between 0 and 1."""


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
        raise RatioError(f"a ratio must lie between 0 and 1: {text!r}")
    return value


@dataclass(frozen=True)
class Quorum:
    """Either a share of the eligible members or a fixed head count."""

    share: Fraction | None = None
    count: int | None = None

    def required(self, eligible: int) -> int:
        if self.count is not None:
            return self.count
        assert self.share is not None
        needed = self.share * eligible
        # Round up: a third of 10 members is 4 ballots, never 3.33.
        return max(1, -(-needed.numerator // needed.denominator)) if eligible else 1


def parse_quorum(text: str) -> Quorum:
    raw = fold(str(text)).strip().replace(" ", "")
    count = read_whole(raw)
    if count is not None:
        if count < 1 or count > 100_000:
            raise RatioError(f"a quorum head count must lie between 1 and 100000: {text!r}")
        return Quorum(count=count)
    return Quorum(share=parse_ratio(raw))
