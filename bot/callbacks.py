"""What buttons and links carry back to the bot: short, versionless strings. Every kind of button
is built and parsed here, and nowhere else; every deep link is built here (handlers/private.py
reads them back).

The short wire prefixes are what buttons and links already posted in groups carry, so they keep
their values (a renamed prefix would break every older card); only the Python names say what
each one is. Anything that does not match a known shape is refused; a match still goes through
the same rules as the equivalent command (chat, phase, role), so forged data gains nothing.

Callback data, at most 64 bytes: ``prefix:number[:id][:code]``

=====  ===================  ===========================================  ==========  ========
wire   Kind                 the button                                   id          code
=====  ===================  ===========================================  ==========  ========
sup    SUPPORT              🙋 Second a proposed topic (number: topic)    -           -
acc    ACCEPT               ✅ Accept a proposed topic (convenor)          -           -
vw     VIEW                 a stance button: write a view on the topic   0           stance
lst    LIST_VIEWS           📋 All views of the topic                     -           -
bal    BALLOT               a ballot choice in the topic's vote          vote id     choice
rsn    REASON               ✍ say why one disagrees (optional; a vote)   vote id     -
rate   RATE                 a satisfaction rating on a follow-up card    round id    rating
prg    PROGRESS             📈 report progress (number: action A-number)  -           -
ro     REOPEN               🔄 Reopen the topic (convenors' question)     -           -
kf     KEEP_FOLLOWING       ➡ Keep following (same question)             -           -
ul     UNLINK               end one link of the group (number: link id)  -           -
rt     REFER_TO             the members' group a referral goes to        link id     -
                            (number: referral id)
tk     TAKE_UP              接手 take up a referral (number: referral)     -           -
sb     SEND_BACK            退回 send a referral back (number: referral)   -           -
dc     DROP_CONTACT         remove a contact member (number: contact id) -           -
pt     PICK_TOPIC           a topic, answering "which topic?" for a      command's   -
                            command typed without its number             message id
vs     VIEW_STANCE          a stance, answering "which stance?" for a    command's   stance
                            /view typed without one                      message id
cs     CONSULT_TO           the village a consultation goes to           link id     -
                            (number: topic; link id 0: every village)
cv     CONSULT_VIEW         a stance on a consultation card              -           stance
                            (number: consultation id)
mtg    RSVP                 ✅ 参加 / ❌ 不能参加 on a meeting card        meeting id  answer
=====  ===================  ===========================================  ==========  ========

PICK_TOPIC and VIEW_STANCE answer a question that replies to the member's command: the rest of
what they typed is read back from that message (the question's reply_to_message), whose id the
button carries, so nothing else needs keeping (handlers/topic_choice.py, handlers/view_stance.py).

Codes: stance s/o/c/g (support, oppose, concern, suggestion); choice a/n/d/b (agree, abstain,
disagree, block); rating s/p/x (satisfied, partly, not satisfied); answer y/n (will come,
cannot come).

Deep links, ``https://t.me/<bot>?start=prefix_<group chat id>_<topic number>`` (a start
payload of at most 64 characters), each opening the private chat about one group's topic:

=====  ===================  ===========================================================
wire   Link                 what the private chat then does
=====  ===================  ===========================================================
sub    SUBSCRIBE            🔔 Notify me: follow the topic's result and follow-up cards
rc     RATING_COMMENT       💬 Comment privately on one's follow-up rating
rp     REPORT_HERE          📈 Report here: an owner's /progress and /done act on the group
av     ANONYMOUS_VIEW       🕶 Anonymous view: write a view posted without one's name
bv     PRIVATE_BALLOT       🗳 Vote in private
or     OWNER_REMINDERS      🔔 Get reminders: an owner is reminded privately before due dates
ct     CONTACT_TOPIC        A contact member opens a topic of a village they serve
mn     MINUTES              📄 Get the minutes: a convenor's /minutes, delivered privately
=====  ===================  ===========================================================
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from bot.rules.phases import Choice, Stance

STANCE_CODE = {"s": Stance.SUPPORT, "o": Stance.OPPOSE, "c": Stance.CONCERN, "g": Stance.SUGGESTION}
CHOICE_CODE = {"a": Choice.AGREE, "n": Choice.ABSTAIN, "d": Choice.DISAGREE, "b": Choice.BLOCK}
_CODE_OF_STANCE = {v: k for k, v in STANCE_CODE.items()}
_CODE_OF_CHOICE = {v: k for k, v in CHOICE_CODE.items()}

# A rating's code: satisfied, partly, not satisfied.
RATING_CODE = {"satisfied": "s", "partly": "p", "not_satisfied": "x"}
RATING_OF_CODE = {v: k for k, v in RATING_CODE.items()}


class Kind(StrEnum):
    """What a button does; the value is the wire prefix of its callback data (table above)."""

    SUPPORT = "sup"
    ACCEPT = "acc"
    VIEW = "vw"
    LIST_VIEWS = "lst"
    BALLOT = "bal"
    REASON = "rsn"
    RATE = "rate"
    PROGRESS = "prg"
    REOPEN = "ro"
    KEEP_FOLLOWING = "kf"
    UNLINK = "ul"
    REFER_TO = "rt"
    TAKE_UP = "tk"
    SEND_BACK = "sb"
    DROP_CONTACT = "dc"
    PICK_TOPIC = "pt"
    VIEW_STANCE = "vs"
    CONSULT_TO = "cs"
    CONSULT_VIEW = "cv"
    RSVP = "mtg"


class Link(StrEnum):
    """What a deep link opens; the value is the wire prefix of its start payload (table above)."""

    SUBSCRIBE = "sub"
    RATING_COMMENT = "rc"
    REPORT_HERE = "rp"
    ANONYMOUS_VIEW = "av"
    PRIVATE_BALLOT = "bv"
    OWNER_REMINDERS = "or"
    CONTACT_TOPIC = "ct"
    MINUTES = "mn"


KINDS = frozenset(Kind)
_SHAPE = re.compile(r"([a-z]{2,4}):([0-9]{1,9})(?::([0-9]{1,12}))?(?::([a-z]))?")
# Kinds that carry a number only.
_BARE = {
    Kind.SUPPORT,
    Kind.ACCEPT,
    Kind.LIST_VIEWS,
    Kind.PROGRESS,
    Kind.REOPEN,
    Kind.KEEP_FOLLOWING,
    Kind.UNLINK,
    Kind.TAKE_UP,
    Kind.SEND_BACK,
    Kind.DROP_CONTACT,
}


@dataclass(frozen=True)
class Press:
    """A button press: its kind, the topic (or action) number, and what the kind adds."""

    kind: Kind
    number: int
    # The third field, an id: a ballot's vote, a rating's round (0 on a view button). Read it
    # as `vote_id` or `round_id`, which say which one it is.
    target_id: int | None = None
    code: str | None = None

    @property
    def vote_id(self) -> int | None:
        """The vote a ballot button belongs to."""
        return self.target_id if self.kind == Kind.BALLOT else None

    @property
    def command_message_id(self) -> int | None:
        """The member's command a "which topic?" or "which stance?" button answers."""
        return self.target_id if self.kind in (Kind.PICK_TOPIC, Kind.VIEW_STANCE) else None

    @property
    def reason_vote_id(self) -> int | None:
        """The vote a ✍ reason button belongs to."""
        return self.target_id if self.kind == Kind.REASON else None

    @property
    def round_id(self) -> int | None:
        """The follow-up round a rating button belongs to."""
        return self.target_id if self.kind == Kind.RATE else None

    @property
    def meeting_id(self) -> int | None:
        """The meeting an answer button belongs to."""
        return self.target_id if self.kind == Kind.RSVP else None

    @property
    def coming(self) -> bool:
        """An answer button's answer: will come (y) or cannot (n)."""
        return self.code == "y"

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
    prefix, number, target_id, code = match.groups()
    kind = Kind(prefix)
    press = Press(kind, int(number), int(target_id) if target_id else None, code)
    if kind in _BARE and (target_id is not None or code is not None):
        return None
    if kind in (Kind.VIEW, Kind.VIEW_STANCE) and press.stance is None:
        return None
    if kind in (Kind.PICK_TOPIC, Kind.VIEW_STANCE) and press.target_id is None:
        return None
    if kind == Kind.PICK_TOPIC and code is not None:
        return None
    if kind == Kind.BALLOT and (press.choice is None or press.target_id is None):
        return None
    if kind == Kind.REASON and (press.target_id is None or code is not None):
        return None
    if kind == Kind.RATE and (press.rating is None or press.target_id is None):
        return None
    if kind in (Kind.REFER_TO, Kind.CONSULT_TO) and (press.target_id is None or code is not None):
        return None
    if kind == Kind.CONSULT_VIEW and (press.stance is None or target_id is not None):
        return None
    if kind == Kind.RSVP and (press.code not in ("y", "n") or press.target_id is None):
        return None
    return press


def pattern(*kinds: Kind) -> str:
    """The regular expression that routes these kinds' presses to one handler."""
    return "^(" + "|".join(kinds) + "):"


def support(number: int) -> str:
    return f"{Kind.SUPPORT}:{number}"


def accept(number: int) -> str:
    return f"{Kind.ACCEPT}:{number}"


def view(number: int, stance: Stance) -> str:
    return f"{Kind.VIEW}:{number}:0:{_CODE_OF_STANCE[stance]}"


def list_views(number: int) -> str:
    return f"{Kind.LIST_VIEWS}:{number}"


def ballot(number: int, vote_id: int, choice: Choice) -> str:
    return f"{Kind.BALLOT}:{number}:{vote_id}:{_CODE_OF_CHOICE[choice]}"


def reason(number: int, vote_id: int) -> str:
    """✍ on topic `number`'s ballot card: say why one disagrees (vote `vote_id`)."""
    return f"{Kind.REASON}:{number}:{vote_id}"


def rate(number: int, round_id: int, rating: str) -> str:
    """A rating button of topic `number`'s round `round_id` (rating: a RATING_CODE key)."""
    return f"{Kind.RATE}:{number}:{round_id}:{RATING_CODE[rating]}"


def progress(action_no: int) -> str:
    return f"{Kind.PROGRESS}:{action_no}"


def reopen(number: int) -> str:
    return f"{Kind.REOPEN}:{number}"


def keep_following(number: int) -> str:
    return f"{Kind.KEEP_FOLLOWING}:{number}"


def unlink(link_id: int) -> str:
    return f"{Kind.UNLINK}:{link_id}"


def refer_to(referral_id: int, link_id: int) -> str:
    return f"{Kind.REFER_TO}:{referral_id}:{link_id}"


def take_up(referral_id: int) -> str:
    return f"{Kind.TAKE_UP}:{referral_id}"


def send_back(referral_id: int) -> str:
    return f"{Kind.SEND_BACK}:{referral_id}"


def drop_contact(contact_id: int) -> str:
    return f"{Kind.DROP_CONTACT}:{contact_id}"


def pick_topic(number: int, command_message_id: int) -> str:
    """Topic `number`, for the command typed in message `command_message_id` without one."""
    return f"{Kind.PICK_TOPIC}:{number}:{command_message_id}"


def view_stance(number: int, command_message_id: int, stance: Stance) -> str:
    """`stance` for the view on topic `number` typed in message `command_message_id`."""
    return f"{Kind.VIEW_STANCE}:{number}:{command_message_id}:{_CODE_OF_STANCE[stance]}"


def consult_to(number: int, link_id: int) -> str:
    """Consult the village of `link_id` on topic `number` (link id 0: every linked village)."""
    return f"{Kind.CONSULT_TO}:{number}:{link_id}"


def consult_view(consultation_id: int, stance: Stance) -> str:
    return f"{Kind.CONSULT_VIEW}:{consultation_id}:{_CODE_OF_STANCE[stance]}"


def rsvp(number: int, meeting_id: int, coming: bool) -> str:
    """An answer on the card of meeting `meeting_id` about topic `number`."""
    return f"{Kind.RSVP}:{number}:{meeting_id}:{'y' if coming else 'n'}"


def start_link(bot_username: str, link: Link, chat_id: int, number: int) -> str:
    """The deep link that opens the private chat with the bot about topic `number` of the group
    `chat_id` (handlers/private.py reads it back)."""
    return f"https://t.me/{bot_username}?start={link}_{chat_id}_{number}"
