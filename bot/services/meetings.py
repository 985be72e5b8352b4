"""Offline meetings (线下协商): a convenor calls one on a topic (/meeting N date time place);
members say whether they will come (参加 / 不能参加); the group and those coming are reminded
before it (setting meeting_reminder); after it the convenor records attendance (/attendance),
the minutes (a reply to the meeting card: text, photos kept as file ids), a show of hands that
is the vote's result (/tally), and ballots entered by proxy for members without a phone
(/proxy). Every one of these is a row with its history."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta

from bot import times
from bot.clock_times import read_time
from bot.dates import NotADate, read_date
from bot.errors import Msg, UserError
from bot.events import BallotCast, TopicChanged
from bot.group_settings import GroupSettings
from bot.i18n import N_
from bot.rules.followup import quiet_until
from bot.rules.permissions import Action
from bot.rules.phases import Choice, Status, parse_choice
from bot.runtime import Runtime
from bot.services import votes
from bot.services.card_lines import CARD_LINES
from bot.services.common import Actor, authorize, bounded, load_topic, run_unit
from bot.services.forms import form_name
from bot.services.kinds import MEETING_BEGINS, MEETING_REMIND
from bot.text import fill
from storage import Tx, schedule
from storage import forms as form_repo
from storage import hands as hands_repo
from storage import meetings as repo
from storage import topics as topic_repo
from storage import votes as vote_repo
from storage.followup import reachable
from storage.meetings import MeetingRow, NoteRow
from storage.schedule import Job
from storage.topics import TopicRow

PLACE_MAX = 200
NAME_MAX = 40
NOTE_MAX = 3000
# The most hands a show of hands may count for one choice (a typo guard).
HANDS_MAX = 100_000
# A meeting can be called at most this far ahead.
AHEAD_MAX = timedelta(days=366)

MEETING_EXAMPLE = N_(
    "For example: /meeting 1 3/5 19:30 under the old tree at the village gate (date, time, place; the date may be today, tomorrow, 3/5)."
)
ATTENDANCE_EXAMPLE = N_("For example: /attendance 1 23 (23 people came to the meeting).")
TALLY_EXAMPLE = N_(
    "For example: /tally 1 12 1 2 0: hands for agree, abstain, disagree and block, in that order."
)
NO_MEETING = N_(
    "Topic #{number} has no meeting yet: call one with /meeting {number} date time place."
)
DATE_PASSED = N_(
    "That date has passed: a meeting is called for a day to come (today, tomorrow, 3/5). {example}"
)
# Days already gone, as people say them: a meeting cannot be called for them.
PAST_DAYS = ("大前天", "前天", "昨天", "昨日", "yesterday")
NOT_BEGUN = N_("The meeting on topic #{number} has not begun yet: record it afterwards.")
# A choice in words, as a proxy ballot's confirmation names it.
CHOICE_WORD = {
    Choice.AGREE: N_("agree"),
    Choice.ABSTAIN: N_("abstain"),
    Choice.DISAGREE: N_("disagree"),
    Choice.BLOCK: N_("block"),
}
SECRET_NO_HANDS = N_(
    "The vote on topic #{number} is a secret ballot, and a show of hands is public: it is not counted in a secret vote. A secret vote is counted from ballots only: those at the meeting vote on the ballot card on their phones; for a member without a phone a convenor may enter the ballot with /proxy {number} name choice, where the group allows it; the vote ends at its deadline, or earlier with /close {number}. To vote by show of hands, open the next vote as an open ballot (/settings secret_ballot off before /vote)."
)
PROXY_EXAMPLE = N_(
    "For example: /proxy 1 Grandma Wang agree (her name, then agree, abstain or disagree)."
)


@dataclass(frozen=True)
class MeetingState:
    """A meeting as its card shows it."""

    topic: TopicRow
    meeting: MeetingRow
    yes: int
    no: int
    notes: list[NoteRow]
    vote_open: bool = False
    # The meeting this one moved (called again before it began): its card is to be retired.
    replaces: MeetingRow | None = None
    # The open vote is a secret ballot: a show of hands (public) does not count in it.
    vote_secret: bool = False


async def _state(tx: Tx, meeting_id: int) -> MeetingState:
    meeting = await repo.get(tx, meeting_id)
    assert meeting is not None
    topic = await topic_repo.get_topic_by_id(tx, meeting.topic_id)
    assert topic is not None
    counts = await repo.counts(tx, meeting.id)
    vote = await vote_repo.current_vote(tx, topic.id)
    return MeetingState(
        topic,
        meeting,
        counts[repo.YES],
        counts[repo.NO],
        await repo.notes(tx, meeting.id),
        vote is not None and vote.is_open,
        vote_secret=vote is not None and vote.is_open and vote.secret,
    )


async def state(rt: Runtime, meeting_id: int) -> MeetingState:
    return await rt.db.view(lambda tx: _state(tx, meeting_id))


# ----- when and where ---------------------------------------------------------------------------
def _glued(token: str, today: date) -> tuple[date, time] | None:
    """A date and a time written as one word: 明天晚上7点, 3月5日19:30."""
    for cut in range(1, len(token)):
        try:
            day = read_date(token[:cut], today)
        except NotADate:
            continue
        moment = read_time(token[cut:]) if day is not None else None
        if moment is not None:
            return day, moment
    return None


def parse_when(words: list[str], settings: GroupSettings, now: datetime) -> tuple[datetime, int]:
    """The meeting's start (UTC) from the words after the topic number, and how many words it
    took: a date and a time (明天 19:30, 3月5日 晚上7点, 3/5 7pm), the two glued together
    (明天晚上7点), or a time alone (today). Raises UserError with an example otherwise, and
    saying so for a day already gone (昨天, a date before today)."""
    zone = settings.zone()
    today = now.astimezone(zone).date()
    if not words:
        raise UserError(MEETING_EXAMPLE)
    first = words[0]
    if first.lower().startswith(PAST_DAYS):
        raise UserError(DATE_PASSED, example=Msg(MEETING_EXAMPLE))
    try:
        day = read_date(first, today)
    except NotADate:
        raise UserError(N_("There is no such day as “{text}”."), text=first[:20]) from None
    if day is not None and len(words) > 1 and read_time(words[1]) is not None:
        moment, used = read_time(words[1]), 2
    elif read_time(first) is not None:
        day, moment, used = today, read_time(first), 1
    elif (both := _glued(first, today)) is not None:
        (day, moment), used = both, 1
    else:
        raise UserError(MEETING_EXAMPLE)
    assert day is not None and moment is not None
    if day < today:
        raise UserError(DATE_PASSED, example=Msg(MEETING_EXAMPLE))
    starts = datetime.combine(day, moment, tzinfo=zone)
    return starts.astimezone(now.tzinfo), used


# ----- calling a meeting ------------------------------------------------------------------------
async def call_meeting(
    rt: Runtime, chat_id: int, actor: Actor, number: int, words: list[str], settings: GroupSettings
) -> MeetingState:
    """A convenor calls a meeting on topic `number`: `words` are what follows the number (when,
    then the place). The meeting takes the topic's form; a reminder row falls due the group's
    `meeting_reminder` before it (none if that is already past). Raises UserError for a time
    that is not understood or already past, a missing place, or who and when."""
    now = rt.clock.now()
    starts_at, used = parse_when(words, settings, now)
    if not words[used:]:
        raise UserError(MEETING_EXAMPLE)  # when, but not where
    place = bounded(" ".join(words[used:]), PLACE_MAX, N_("place"))
    if starts_at <= now:
        raise UserError(N_("That time has passed: a meeting is called for a time to come."))
    if starts_at - now > AHEAD_MAX:
        raise UserError(N_("A meeting can be called at most a year ahead."))

    async def work(tx: Tx) -> MeetingState:
        topic = await load_topic(tx, chat_id, number)
        authorize(Action.MEETING, topic, actor)
        form = await form_repo.current_form(tx, topic.id) or "online"
        # Called again before the last one began: that one is moved, its rows end here (a
        # reminder of the old time and place must not go out).
        earlier = await repo.latest(tx, topic.id)
        moved = earlier if earlier is not None and now < earlier.starts_at else None
        if moved is not None:
            await schedule.cancel(tx, MEETING_REMIND, moved.id, now)
            await schedule.cancel(tx, MEETING_BEGINS, moved.id, now)
        meeting = await repo.create(tx, topic.id, starts_at, place, form, actor.user_id, now)
        detail = {"meeting": meeting.id, "at": _iso(starts_at), "place": place, "form": form}
        if moved is not None:
            detail["moves"] = moved.id
        await topic_repo.record(tx, topic.id, now, actor.user_id, "meeting_called", detail)
        remind_at = reminder_time(starts_at, settings)
        if remind_at > now:
            await schedule.add(tx, chat_id, MEETING_REMIND, meeting.id, remind_at)
        await schedule.add(tx, chat_id, MEETING_BEGINS, meeting.id, starts_at)
        rt.events.publish(tx, TopicChanged(chat_id, topic.id))
        return replace(await _state(tx, meeting.id), replaces=moved)

    return await run_unit(rt, actor, work)


async def _is_latest(tx: Tx, meeting: MeetingRow) -> bool:
    """Is `meeting` its topic's current one (not moved by a later /meeting)?"""
    latest = await repo.latest(tx, meeting.topic_id)
    return latest is not None and latest.id == meeting.id


async def is_current(rt: Runtime, meeting: MeetingRow) -> bool:
    """Is `meeting` its topic's current meeting (not moved by a later /meeting)?"""
    return await rt.db.view(lambda tx: _is_latest(tx, meeting))


def reminder_time(starts_at: datetime, settings: GroupSettings) -> datetime:
    """When the group is reminded of a meeting: `meeting_reminder` before it; if that falls in
    the quiet hours, at their end, as long as that is still before the meeting (as the turnout
    reminders do, bot/services/turnout.py)."""
    at = starts_at - settings.meeting_reminder
    quiet_end = quiet_until(at, settings.quiet_window(), settings.zone())
    return quiet_end if quiet_end is not None and quiet_end < starts_at else at


async def set_card(rt: Runtime, meeting_id: int, message_id: int | None) -> None:
    await rt.db.run(lambda tx: repo.set_card(tx, meeting_id, message_id))


@dataclass(frozen=True)
class MeetingChanged:
    """Who will come, attendance or minutes changed: the meeting card is out of date."""

    chat_id: int
    meeting_id: int


@dataclass(frozen=True)
class Answered:
    coming: bool
    previous: str | None
    state: MeetingState


async def answer(
    rt: Runtime, chat_id: int, actor: Actor, meeting_id: int, coming: bool
) -> Answered:
    """A member says they will come (or cannot) to meeting `meeting_id`, until it starts; the
    latest answer counts. The card's counts follow (MeetingChanged, edits coalesced)."""
    now = rt.clock.now()

    async def work(tx: Tx) -> Answered:
        meeting = await repo.get(tx, meeting_id)
        topic = await topic_repo.get_topic_by_id(tx, meeting.topic_id) if meeting else None
        if meeting is None or topic is None or topic.chat_id != chat_id:
            raise UserError(N_("This button is no longer valid."))
        authorize(Action.RSVP, topic, actor)
        if not await _is_latest(tx, meeting):
            raise UserError(N_("This meeting was moved: answer on the new meeting card."))
        if actor.when(now) >= meeting.starts_at:
            raise UserError(N_("The meeting has begun: answers are closed."))
        wanted = repo.YES if coming else repo.NO
        previous = await repo.answer(tx, meeting.id, actor.user_id, wanted, now)
        if previous != wanted:
            rt.events.publish(tx, MeetingChanged(chat_id, meeting.id))
        return Answered(coming, previous, await _state(tx, meeting.id))

    return await run_unit(rt, actor, work)


# ----- the reminder -----------------------------------------------------------------------------
@dataclass(frozen=True)
class Reminder:
    state: MeetingState
    privately: list[int]


async def reminder_due(rt: Runtime, job: Job) -> Reminder | None:
    """Who the meeting reminder of row `job` goes to (those who said they will come and started
    the bot, privately; the group in one line); None when the meeting has begun or its topic
    ended."""
    now = rt.clock.now()

    async def work(tx: Tx) -> Reminder | None:
        meeting = await repo.get(tx, job.ref_id)
        if meeting is None or now >= meeting.starts_at or not await _is_latest(tx, meeting):
            return None
        current = await _state(tx, meeting.id)
        if current.topic.status in (Status.CLOSED, Status.MERGED, Status.DECLINED):
            return None
        return Reminder(current, await reachable(tx, await repo.coming(tx, meeting.id)))

    return await rt.db.view(work)


async def finish_job(rt: Runtime, job_id: int, late: bool, outcome: str = "done") -> bool:
    now = rt.clock.now()
    return await rt.db.run(lambda tx: schedule.finish(tx, job_id, now, late, outcome))


# ----- the record after the meeting -------------------------------------------------------------
async def _held(tx: Tx, chat_id: int, number: int, actor: Actor, now: datetime) -> MeetingState:
    """Topic `number`'s last meeting, once it has begun: its record is the convenor's."""
    topic = await load_topic(tx, chat_id, number)
    authorize(Action.MEETING_RECORD, topic, actor)
    meeting = await repo.latest(tx, topic.id)
    if meeting is None:
        raise UserError(NO_MEETING, number=number)
    if now < meeting.starts_at:
        raise UserError(NOT_BEGUN, number=number)
    return await _state(tx, meeting.id)


async def record_attendance(
    rt: Runtime, chat_id: int, actor: Actor, number: int, text: str
) -> MeetingState:
    """How many came to topic `number`'s last meeting (a convenor, once it has begun; a second
    count replaces the first, and the history keeps both)."""
    count = _count(text, ATTENDANCE_EXAMPLE)
    now = rt.clock.now()

    async def work(tx: Tx) -> MeetingState:
        held = await _held(tx, chat_id, number, actor, now)
        await repo.set_attendance(tx, held.meeting.id, count, actor.user_id, now)
        await topic_repo.record(
            tx,
            held.topic.id,
            now,
            actor.user_id,
            "attendance",
            {"meeting": held.meeting.id, "count": count},
        )
        rt.events.publish(tx, MeetingChanged(chat_id, held.meeting.id))
        rt.events.publish(tx, TopicChanged(chat_id, held.topic.id))
        return await _state(tx, held.meeting.id)

    return await run_unit(rt, actor, work)


@dataclass(frozen=True)
class Noted:
    state: MeetingState
    count: int  # notes of the meeting now


async def meeting_of_card(rt: Runtime, chat_id: int, message_id: int) -> MeetingRow | None:
    """The meeting whose card is that message, if any (a reply to it may be its minutes)."""
    return await rt.db.view(lambda tx: repo.by_card(tx, chat_id, message_id))


async def add_minutes(
    rt: Runtime,
    chat_id: int,
    actor: Actor,
    meeting_id: int,
    text: str,
    photo_file_id: str | None,
    message_id: int | None,
) -> Noted:
    """A convenor's reply to the meeting card is its minutes: text, and a photo kept by its
    file id. Only once the meeting has begun; the history notes each part."""
    text = text.strip()
    if not text and photo_file_id is None:
        raise UserError(N_("Reply to the meeting card with the minutes as text or a photo."))
    if text:
        text = bounded(text, NOTE_MAX, N_("minutes"))
    now = rt.clock.now()

    async def work(tx: Tx) -> Noted:
        meeting = await repo.get(tx, meeting_id)
        topic = await topic_repo.get_topic_by_id(tx, meeting.topic_id) if meeting else None
        if meeting is None or topic is None:
            raise UserError(N_("This meeting is no longer known."))
        held = await _held(tx, chat_id, topic.number, actor, now)
        if held.meeting.id != meeting.id:
            raise UserError(
                N_("This card is of an earlier meeting: reply to the card of the last one."),
            )
        await repo.add_note(tx, meeting.id, actor.user_id, now, text, photo_file_id, message_id)
        await topic_repo.record(
            tx,
            topic.id,
            now,
            actor.user_id,
            "meeting_minutes",
            {"meeting": meeting.id, "photo": photo_file_id is not None},
        )
        rt.events.publish(tx, MeetingChanged(chat_id, meeting.id))
        current = await _state(tx, meeting.id)
        return Noted(current, len(current.notes))

    return await run_unit(rt, actor, work)


def _count(text: str, example: str) -> int:
    """A count of people or hands: digits or Chinese numerals (九, 十二人; bot.numbers.everyday).
    Raises UserError(example) otherwise, or past HANDS_MAX."""
    from bot.numbers import everyday, read_whole

    value = read_whole(everyday(text).strip().rstrip("人"))
    if value is None or value > HANDS_MAX:
        raise UserError(example)
    return value


@dataclass(frozen=True)
class Tallied:
    closed: votes.Closed
    hands: dict[str, int]
    online: int  # ballots cast by members themselves
    proxies: int  # ballots entered by proxy
    meeting: MeetingRow | None


async def tally(rt: Runtime, chat_id: int, actor: Actor, number: int, words: list[str]) -> Tallied:
    """A show of hands at a meeting, `words` the hands for agree, abstain, disagree and block:
    counted in the open vote with the ballots already cast (online, by proxy), and the vote
    ends now with its result under the group's rule, by the same path as any vote (the result
    card, follow-up when adopted). Marked as recorded by the convenor at the meeting. Refused
    (UserError) under a secret ballot: a show of hands is public."""
    if len(words) != 4:
        raise UserError(TALLY_EXAMPLE)
    counts = dict(
        zip(
            ("agree", "abstain", "disagree", "block"),
            (_count(w, TALLY_EXAMPLE) for w in words),
            strict=True,
        )
    )
    if not sum(counts.values()):
        raise UserError(N_("A show of hands with no hands at all counts nothing."))
    now = rt.clock.now()

    async def work(tx: Tx) -> Tallied:
        topic = await load_topic(tx, chat_id, number)
        authorize(Action.TALLY, topic, actor)
        vote = await vote_repo.current_vote(tx, topic.id)
        if vote is None or not vote.is_open:
            raise UserError(N_("This vote is closed."))
        if vote.secret:
            # A public count added to secret ballots would let anyone work out a ballot (a
            # proxy's, say): a secret vote is counted from ballots only.
            raise UserError(SECRET_NO_HANDS, number=number)
        meeting = await repo.latest(tx, topic.id)
        if meeting is None:
            raise UserError(NO_MEETING, number=number)
        if now < meeting.starts_at:
            raise UserError(NOT_BEGUN, number=number)
        online = len(await vote_repo.ballots(tx, vote.id))
        proxies = len(await hands_repo.proxies_of(tx, vote.id))
        await hands_repo.record_hands(tx, vote.id, meeting.id, counts, actor.user_id, now)
        await topic_repo.record(
            tx,
            topic.id,
            now,
            actor.user_id,
            "show_of_hands",
            {"tally": counts, "meeting": meeting.id},
        )
        closed = await votes.decide_and_close(tx, rt, vote, actor.user_id, now)
        rt.events.publish(tx, TopicChanged(chat_id, topic.id))
        rt.events.publish(tx, MeetingChanged(chat_id, meeting.id))
        return Tallied(closed, counts, online, proxies, meeting)

    return await run_unit(rt, actor, work)


@dataclass(frozen=True)
class Proxied:
    topic: TopicRow
    name: str
    choice: Choice
    previous: str | None
    secret: bool


def parse_proxy(text: str) -> tuple[str, Choice]:
    """ "王奶奶 同意" -> ("王奶奶", agree): the last word is the choice, the words before it the
    name. Raises UserError with an example otherwise."""
    words = text.split()
    choice = parse_choice(words[-1]) if len(words) >= 2 else None
    if choice is None:
        raise UserError(PROXY_EXAMPLE)
    name = bounded(" ".join(words[:-1]), NAME_MAX, N_("name"))
    return name, choice


async def enter_proxy(
    rt: Runtime,
    chat_id: int,
    actor: Actor,
    number: int,
    text: str,
    settings: GroupSettings,
) -> Proxied:
    """A convenor enters a ballot for a member without a phone (`text`: name, then choice),
    marked as proxy with who entered it; a second entry for the same name replaces the first.
    Under secret ballot only where the group allows it (setting proxy_under_secret). A block
    needs its member's own reason, so it is not entered by proxy."""
    name, choice = parse_proxy(text)
    if choice is Choice.BLOCK:
        raise UserError(
            N_("A block needs its member's own reason: it is not entered by proxy. {example}"),
            example=Msg(PROXY_EXAMPLE),
        )
    now = rt.clock.now()

    async def work(tx: Tx) -> Proxied:
        topic = await load_topic(tx, chat_id, number)
        authorize(Action.PROXY_BALLOT, topic, actor)
        vote = await vote_repo.current_vote(tx, topic.id)
        if vote is None or not vote.is_open or actor.when(now) >= vote.closes_at:
            raise UserError(N_("This vote is closed."))
        if vote.secret and not settings.proxy_under_secret:
            raise UserError(
                N_(
                    "This vote is secret: a ballot entered by proxy would show the convenor's hand in it, so this group does not take one (a convenor may allow it: /settings proxy_under_secret on)."
                )
            )
        previous = await hands_repo.enter_proxy(tx, vote.id, name, choice.value, actor.user_id, now)
        detail: dict[str, object] = {"name": name, "draft": vote.draft_no}
        if not vote.secret:
            detail["choice"] = choice.value
        await topic_repo.record(tx, topic.id, now, actor.user_id, "proxy_ballot", detail)
        rt.events.publish(tx, BallotCast(chat_id, vote.id))
        return Proxied(topic, name, choice, previous, vote.secret)

    return await run_unit(rt, actor, work)


# ----- the topic card's line --------------------------------------------------------------------
async def _card_lines(tx: Tx, topic: TopicRow, translate, settings: GroupSettings) -> list[str]:
    meeting = await repo.latest(tx, topic.id)
    if meeting is None:
        return []
    when = when_text(meeting.starts_at, settings)
    counts = await repo.counts(tx, meeting.id)
    if meeting.attendance is not None:
        template = N_("📅 {form}: {when}, {place}; {count} came.")
        count = meeting.attendance
    else:
        template = N_("📅 {form}: {when}, {place}; {count} say they will come.")
        count = counts[repo.YES]
    return [
        fill(
            translate(template),
            {
                "form": Msg(meeting_form(meeting.form)),
                "when": when,
                "place": meeting.place,
                "count": count,
            },
            translate,
        )
    ]


def meeting_form(form: str) -> str:
    """The meeting's form as a message id: "an offline meeting" for a topic still online."""
    if form == "online":
        return N_("offline meeting")
    return str(form_name(form))


def when_text(moment: datetime, settings: GroupSettings, now: datetime | None = None) -> str:
    """A meeting's time as the group reads it: 3月5日（周四）19:30（北京时间）."""
    return times.moment_text(moment, settings.timezone, settings.language, now)


async def coming(rt: Runtime, meeting_id: int) -> list[int]:
    """Who said they will come to the meeting."""
    return await rt.db.view(lambda tx: repo.coming(tx, meeting_id))


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


CARD_LINES.append(_card_lines)
