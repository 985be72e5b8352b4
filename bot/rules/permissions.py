"""Who may do what in which phase: one table, asked by every handler and service.

A reader can check this table against MISSION.md without running anything.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum, StrEnum

from bot.rules.phases import Status


class Role(StrEnum):
    OUTSIDER = "outsider"  # not in this chat: left, banned, or never joined (a visitor)
    BOT = "bot"
    # A name many share (bot.rules.speakers): the group itself, as its anonymous administrators
    # write; a channel, as a member may write instead of as themselves.
    GROUP = "group"
    CHANNEL = "channel"
    MEMBER = "member"
    PROPOSER = "proposer"  # the member who proposed this topic
    OWNER = "owner"  # an owner of an action item of this topic
    CONVENOR = "convenor"


class Action(StrEnum):
    PROPOSE = "propose"
    EDIT_TOPIC = "edit_topic"  # the proposer edits the message that proposed it
    SUPPORT = "support"
    WITHDRAW = "withdraw"
    ACCEPT = "accept"
    DECLINE = "decline"
    MERGE = "merge"
    VIEW = "view"
    EDIT_VIEW = "edit_view"
    DRAFT = "draft"
    AMEND = "amend"
    EDIT_DRAFT = "edit_draft"  # its author edits the message that drafted it
    OPEN_VOTE = "open_vote"
    BALLOT = "ballot"
    CLOSE_VOTE = "close_vote"
    NEW_ROUND = "new_round"
    CLOSE_TOPIC = "close_topic"
    ADD_ACTION = "add_action"
    REPORT_PROGRESS = "report_progress"
    RATE = "rate"
    REOPEN = "reopen"
    ESCALATE = "escalate"
    SHOW = "show"
    EXTEND = "extend"  # move the open deadline (views or vote) of a topic
    # The form and offline meetings (issue 13): bot/services/forms.py, bot/services/meetings.py.
    SET_FORM = "set_form"
    MEETING = "meeting"  # call a meeting about the topic
    RSVP = "rsvp"  # say one will come to it, or not
    MEETING_RECORD = "meeting_record"  # attendance and minutes of a meeting held
    TALLY = "tally"  # a show of hands at a meeting, as the vote's result
    PROXY_BALLOT = "proxy_ballot"  # a ballot entered for a member without a phone
    RESOLVE = "resolve"  # how an escalated matter was settled
    # 两商衔接 (issue 13): linking a members' group with village groups, and referral up.
    LINK = "link"  # ask for a link code (members' group), or enter one (village group)
    UNLINK = "unlink"
    NAME_CONTACT = "name_contact"  # name or remove a village's contact member
    REFER = "refer"  # send a village topic up to a linked members' group
    DECIDE_REFERRAL = "decide_referral"  # take up a referral, or send it back (members' group)
    CONSULT = "consult"  # put a members' topic to the linked villages, or end that (/consult)
    ANSWER_CONSULTATION = "answer_consultation"  # a villager answers a consultation card


class Who(Enum):
    ANY_MEMBER = "any member"
    # Any member, counted one person, one voice (seconding, views, ballots, ratings): they must
    # be in the group now, and be themselves, not a name many share.
    EACH_MEMBER = "each member in person"
    PROPOSER = "the proposer"
    OWNER_OR_CONVENOR = "an owner or a convenor"
    CONVENOR = "a convenor"


S = Status
_ACTIVE_AFTER_ACCEPT = frozenset(
    {S.DELIBERATING, S.VOTING, S.ADOPTED, S.NOT_ADOPTED, S.FOLLOWING_UP}
)

# action: (who may, in which statuses; None means the action needs no topic)
TABLE: dict[Action, tuple[Who, frozenset[Status] | None]] = {
    Action.PROPOSE: (Who.ANY_MEMBER, None),
    Action.SUPPORT: (Who.EACH_MEMBER, frozenset({S.PROPOSED})),
    Action.WITHDRAW: (Who.PROPOSER, frozenset({S.PROPOSED})),
    # Until a convenor accepts it: what they accepted is what the views are about.
    Action.EDIT_TOPIC: (Who.PROPOSER, frozenset({S.PROPOSED})),
    Action.ACCEPT: (Who.CONVENOR, frozenset({S.PROPOSED})),
    Action.DECLINE: (Who.CONVENOR, frozenset({S.PROPOSED})),
    Action.MERGE: (Who.CONVENOR, frozenset({S.PROPOSED, S.DELIBERATING})),
    Action.VIEW: (Who.EACH_MEMBER, frozenset({S.DELIBERATING})),
    Action.EDIT_VIEW: (Who.ANY_MEMBER, frozenset({S.DELIBERATING})),
    Action.DRAFT: (Who.ANY_MEMBER, frozenset({S.DELIBERATING})),
    Action.AMEND: (Who.ANY_MEMBER, frozenset({S.DELIBERATING})),
    # (and only a draft not yet put to the vote: bot/services/drafts.py)
    Action.EDIT_DRAFT: (Who.ANY_MEMBER, frozenset({S.DELIBERATING})),
    Action.OPEN_VOTE: (Who.CONVENOR, frozenset({S.DELIBERATING})),
    Action.BALLOT: (Who.EACH_MEMBER, frozenset({S.VOTING})),
    Action.CLOSE_VOTE: (Who.CONVENOR, frozenset({S.VOTING})),
    Action.NEW_ROUND: (Who.CONVENOR, frozenset({S.NOT_ADOPTED})),
    Action.CLOSE_TOPIC: (
        Who.CONVENOR,
        frozenset({S.DELIBERATING, S.NOT_ADOPTED, S.ADOPTED, S.FOLLOWING_UP, S.DONE, S.ESCALATED}),
    ),
    Action.ADD_ACTION: (Who.CONVENOR, frozenset({S.ADOPTED, S.FOLLOWING_UP})),
    Action.REPORT_PROGRESS: (Who.OWNER_OR_CONVENOR, frozenset({S.ADOPTED, S.FOLLOWING_UP})),
    Action.RATE: (Who.EACH_MEMBER, frozenset({S.FOLLOWING_UP, S.DONE})),
    Action.REOPEN: (Who.CONVENOR, frozenset({S.ADOPTED, S.FOLLOWING_UP, S.DONE})),
    Action.ESCALATE: (Who.CONVENOR, _ACTIVE_AFTER_ACCEPT),
    Action.SHOW: (Who.ANY_MEMBER, frozenset(Status)),
    Action.EXTEND: (Who.CONVENOR, frozenset({S.DELIBERATING, S.VOTING})),
    Action.SET_FORM: (Who.CONVENOR, _ACTIVE_AFTER_ACCEPT),
    Action.MEETING: (Who.CONVENOR, _ACTIVE_AFTER_ACCEPT),
    Action.RSVP: (Who.EACH_MEMBER, _ACTIVE_AFTER_ACCEPT),
    # A meeting's record may come after the topic moved on (adopted by the show of hands).
    Action.MEETING_RECORD: (
        Who.CONVENOR,
        _ACTIVE_AFTER_ACCEPT | {S.DONE, S.ESCALATED},
    ),
    Action.TALLY: (Who.CONVENOR, frozenset({S.VOTING})),
    Action.PROXY_BALLOT: (Who.CONVENOR, frozenset({S.VOTING})),
    Action.RESOLVE: (Who.CONVENOR, frozenset({S.ESCALATED})),
    Action.LINK: (Who.CONVENOR, None),
    Action.UNLINK: (Who.CONVENOR, None),
    Action.NAME_CONTACT: (Who.CONVENOR, None),
    # At any phase after acceptance, while the topic has not been closed for good.
    Action.REFER: (Who.CONVENOR, _ACTIVE_AFTER_ACCEPT | {S.DONE, S.ESCALATED}),
    Action.DECIDE_REFERRAL: (Who.CONVENOR, None),
    Action.CONSULT: (Who.CONVENOR, _ACTIVE_AFTER_ACCEPT),
    # (while the consultation is open: bot/services/consultations.py)
    Action.ANSWER_CONSULTATION: (Who.EACH_MEMBER, None),
}


class Verdict(Enum):
    ALLOWED = "allowed"
    NOT_A_MEMBER = "not a member"
    NOT_IN_PERSON = "not in person"  # a channel, or the group's anonymous administrator
    WRONG_ROLE = "wrong role"
    WRONG_PHASE = "wrong phase"


@dataclass(frozen=True)
class Decision:
    verdict: Verdict
    needs: Who | None = None
    phases: frozenset[Status] | None = None

    @property
    def allowed(self) -> bool:
        return self.verdict is Verdict.ALLOWED


def _role_fits(who: Who, roles: frozenset[Role]) -> bool:
    if Role.CONVENOR in roles and who is not Who.PROPOSER:
        return True
    if who in (Who.ANY_MEMBER, Who.EACH_MEMBER):
        return bool(roles & {Role.MEMBER, Role.PROPOSER, Role.OWNER})
    if who is Who.PROPOSER:
        return Role.PROPOSER in roles
    if who is Who.OWNER_OR_CONVENOR:
        return Role.OWNER in roles
    return False


def decide(action: Action, status: Status | None, roles: frozenset[Role] | set[Role]) -> Decision:
    """May someone with `roles` do `action` to a topic in `status`? Role is checked first.

    A channel may do nothing; the group's anonymous administrator (one name for all of them)
    may do what a convenor does, but not what counts one person, one voice."""
    roles = frozenset(roles)
    who, phases = TABLE[action]
    if not roles:
        return Decision(Verdict.NOT_A_MEMBER, who, phases)
    if Role.CHANNEL in roles or (who is Who.EACH_MEMBER and Role.GROUP in roles):
        return Decision(Verdict.NOT_IN_PERSON, who, phases)
    if roles & {Role.OUTSIDER, Role.BOT}:
        return Decision(Verdict.NOT_A_MEMBER, who, phases)
    if not _role_fits(who, roles):
        return Decision(Verdict.WRONG_ROLE, who, phases)
    if phases is not None and (status is None or status not in phases):
        return Decision(Verdict.WRONG_PHASE, who, phases)
    return Decision(Verdict.ALLOWED, who, phases)
