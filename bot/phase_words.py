"""One table of the words for a topic's phase, used wherever a phase is named: the topic card,
the notice board, /topics and other lists, refusals, the minutes (Markdown and Word) and the
demo's records panel. A village that read "已落实" on the card, "已完成" in the records and
"已办结" in the minutes asked whether those were three different things: they are now one word
per phase, in each language (zh translations in the catalog).

A topic deliberating has two moments that the card names apart: views being gathered, and views
closed while the wording is drafted (`views_open`); lists that group topics by phase call both
"deliberating".
"""

from __future__ import annotations

from bot.i18n import N_
from bot.rules.phases import Status

PHASE_WORDS: dict[Status, str] = {
    Status.PROPOSED: N_("waiting to be accepted"),
    Status.DECLINED: N_("declined"),
    Status.WITHDRAWN: N_("withdrawn"),
    Status.MERGED: N_("merged into another topic"),
    Status.DELIBERATING: N_("deliberating"),
    Status.VOTING: N_("being voted on"),
    Status.ADOPTED: N_("adopted"),
    Status.NOT_ADOPTED: N_("not adopted"),
    Status.FOLLOWING_UP: N_("being carried out"),
    Status.DONE: N_("carried out"),
    Status.CLOSED: N_("closed"),
    Status.ESCALATED: N_("sent to mediation"),
}

VIEWS_OPEN = N_("views being gathered")
VIEWS_CLOSED = N_("views closed, wording being drafted")

# Finished phases: a refusal says "no longer", not "not now" (暂时). A topic not adopted may
# get a new round, and one sent to mediation may be settled, so those are not among them.
FINISHED = frozenset({Status.DECLINED, Status.WITHDRAWN, Status.MERGED, Status.DONE, Status.CLOSED})


def phase_word(status: str | Status, views_open: bool | None = None) -> str:
    """The msgid naming phase `status` (translate it with the group's `_`); for a topic
    deliberating, `views_open` True/False names the moment ("views being gathered" / "views
    closed, wording being drafted"), None the phase as a whole ("deliberating"). An unknown
    status is returned as it is."""
    try:
        phase = Status(status)
    except ValueError:
        return str(status)
    if phase == Status.DELIBERATING and views_open is not None:
        return VIEWS_OPEN if views_open else VIEWS_CLOSED
    return PHASE_WORDS[phase]
