"""When a vote is carried: quorum, threshold and blocks, each stated so the group can check it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction

from bot.ratios import Quorum
from bot.rules.phases import Choice


@dataclass(frozen=True)
class Tally:
    agree: int = 0
    abstain: int = 0
    disagree: int = 0
    block: int = 0

    @classmethod
    def of(cls, choices: Iterable[str]) -> Tally:
        counts = {c.value: 0 for c in Choice}
        for choice in choices:
            counts[Choice(choice).value] += 1
        return cls(**counts)

    @property
    def cast(self) -> int:
        return self.agree + self.abstain + self.disagree + self.block

    @property
    def deciding(self) -> int:
        """Ballots that take a side: abstentions count for the quorum only."""
        return self.agree + self.disagree + self.block

    def as_dict(self) -> dict[str, int]:
        return {
            "agree": self.agree,
            "abstain": self.abstain,
            "disagree": self.disagree,
            "block": self.block,
        }


@dataclass(frozen=True)
class Outcome:
    tally: Tally
    quorum_required: int
    threshold: Fraction
    blocks_allowed: int
    quorum_met: bool
    threshold_met: bool
    blocks_ok: bool
    # More than the threshold (">1/2", 过半), not at least: a tie does not carry.
    strict: bool = False

    @property
    def adopted(self) -> bool:
        return self.quorum_met and self.threshold_met and self.blocks_ok

    @property
    def agree_share(self) -> Fraction | None:
        return Fraction(self.tally.agree, self.tally.deciding) if self.tally.deciding else None


def quorum_for(quorum: Quorum, eligible: int) -> int:
    return quorum.required(eligible)


def decide(
    tally: Tally,
    quorum_required: int,
    threshold: Fraction,
    blocks_allowed: int,
    strict: bool = False,
) -> Outcome:
    """Carried when the quorum is met, agree reaches `threshold` of agree + disagree + block
    (more than it when `strict`: 过半, ">1/2"), and blocks stay within `blocks_allowed`."""
    share = Fraction(tally.agree, tally.deciding) if tally.deciding else Fraction(0)
    reached = share > threshold if strict else share >= threshold
    return Outcome(
        tally=tally,
        quorum_required=quorum_required,
        threshold=threshold,
        blocks_allowed=blocks_allowed,
        quorum_met=tally.cast >= quorum_required,
        # With nobody taking a side there is nothing to adopt.
        threshold_met=tally.deciding > 0 and reached,
        blocks_ok=tally.block <= blocks_allowed,
        strict=strict,
    )


def eligible_members(member_count: int, bots_known: int = 1) -> int:
    """getChatMemberCount counts bots too; at least this bot is one of them."""
    return max(1, member_count - bots_known)
