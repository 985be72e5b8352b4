"""Action items (落实事项): added with owners and a due date, progress reported, done or dropped."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from bot import numbers
from bot.errors import Msg, UserError
from bot.events import FollowupChanged
from bot.i18n import N_
from bot.rules.followup import DueError, is_finished, parse_due
from bot.rules.permissions import Action
from bot.rules.phases import Status
from bot.runtime import Runtime
from bot.services import threads
from bot.services.chats import ChatContext, user_by_username
from bot.services.common import (
    ACTION_STATUS_TEXT,
    REASON_MAX,
    TEXT_MAX,
    Actor,
    authorize,
    bounded,
    load_topic,
    run_unit,
)
from bot.services.followup.owners import schedule_reminders
from bot.services.kinds import (
    ACTION_KINDS,
    DUE_SOON,
    FOLLOWUP_TOPIC_KINDS,
    OVERDUE,
    OVERDUE_REOPEN,
)
from bot.usage import USAGE
from storage import Tx, schedule
from storage import followup as repo
from storage import topics as topic_repo
from storage.followup import ActionRow, RoundRow
from storage.topics import TopicRow

DUE_TEXT = {
    "invalid_date": N_("“{text}” is not a real date: write it as YYYY-MM-DD, e.g. 2026-05-31."),
    "past_date": N_(
        "{text} is already past: give a date from today on, or a duration such as 14d."
    ),
    "not_a_due": N_("“{text}” is neither a date (YYYY-MM-DD) nor a duration (14d)."),
    "too_far": N_("A due date can be at most ten years away."),
}
# /action names nobody (no reply, no mention): an action needs someone to do it.
NO_OWNER = N_(
    "Who will do it? Reply to the owner's message with the command, for example: /action 1 2026-03-31 Hand in the application; or name them in it with @."
)


class ReportKind(StrEnum):
    """What a report on an action says."""

    PROGRESS = "progress"  # a figure: /progress A3 40 [note]
    DONE = "done"  # carried out: /done A3 [note]
    DROP = "drop"  # given up, with a reason (a convenor's call): /drop A3 reason


REPORT_USAGE = {
    ReportKind.PROGRESS: USAGE["progress"],
    ReportKind.DONE: USAGE["done"],
    ReportKind.DROP: USAGE["drop"],
}

# The words that answer the bot's progress question with "carried out" instead of a figure
# (compared in lower case).
DONE_WORDS = frozenset({"done", "完成", "已完成"})

# A word that is a figure (one a percentage cannot be is refused, not taken for a note).
_FIGURE = re.compile(r"[-+]?[0-9]+(?:\.[0-9]+)?%?")

_MENTION = re.compile(r"(?<!\w)@([A-Za-z0-9_]{5,32})")


@dataclass(frozen=True)
class ProgressReport:
    """A report on action A`action_no` as the member typed it, read."""

    kind: ReportKind
    action_no: int
    # A PROGRESS report's figure, 0 to 100 (None: a note alone, the percent stays); None for
    # the others.
    percent: int | None = None
    note: str = ""  # the member's note; a DROP's reason


@dataclass(frozen=True)
class Progress:
    """What a report changed: the action, its topic, and whether that finished the topic (then
    `final_round` is the final round: on the living card, edited in place, when the topic has
    one (its card_message_id is set); otherwise its card is to be posted)."""

    action: ActionRow
    topic: TopicRow
    topic_done: bool
    final_round: RoundRow | None


def read_report(kind: ReportKind, text: str) -> ProgressReport:
    """The arguments of /progress, /done or /drop (`kind` says which).

    ``/progress A3 40 [note]``, ``/done A3 [note]``, ``/drop A3 reason``: the action number and
    the percentage are read by bot.numbers (``Ａ３``, ``４０％`` too); the rest is the note, its
    line breaks kept. Raises UserError: the command's usage when a part is missing, else what
    bot.numbers says of a number that breaks its rule.
    """
    parts = text.strip().split(maxsplit=2 if kind == ReportKind.PROGRESS else 1)
    if len(parts) < (1 if kind == ReportKind.DONE else 2):
        raise UserError(REPORT_USAGE[kind])
    action_no = numbers.action_number(parts[0])
    if kind == ReportKind.PROGRESS:
        note = parts[2] if len(parts) > 2 else ""
        return ProgressReport(kind, action_no, numbers.percent(parts[1]), note)
    return ProgressReport(kind, action_no, None, parts[1] if len(parts) > 1 else "")


def read_progress_answer(action_no: int, text: str) -> ProgressReport:
    """An answer to the bot's question about the progress of action A`action_no`.

    A percentage and an optional note ("60 poles painted", "６０％"); one of DONE_WORDS and an
    optional note ("done", "完成 路灯都换了"); or words alone, read as a note (the whole answer)
    whose percentage is the one said in it ("沙子拉来了一半" 50, "拉了 50%", bot.numbers
    find_percent) or, if none, the action's current one (percent None). Raises UserError:
    /progress's usage for an empty answer; what bot.numbers says of a leading figure that is
    not a percentage ("101").
    """
    parts = text.strip().split(maxsplit=1)
    if not parts:
        raise UserError(REPORT_USAGE[ReportKind.PROGRESS])
    note = parts[1] if len(parts) > 1 else ""
    if parts[0].lower() in DONE_WORDS:
        return ProgressReport(ReportKind.DONE, action_no, None, note)
    figure = numbers.read_percent(parts[0])
    if figure is not None:
        return ProgressReport(ReportKind.PROGRESS, action_no, figure, note)
    if _FIGURE.fullmatch(numbers.fold(parts[0])):
        numbers.percent(parts[0])  # a figure that is no percentage ("101", "-5"): refused
    return ProgressReport(ReportKind.PROGRESS, action_no, numbers.find_percent(text), text.strip())


def open_actions_of(actions: Iterable[ActionRow], user_id: int) -> list[ActionRow]:
    """The actions `user_id` owns that are not finished (neither done nor dropped): what their
    private reminder lists."""
    return [a for a in actions if user_id in a.owners and not is_finished(a.status)]


async def find_owners(
    rt: Runtime, text: str, replied_author: int | None, named: Iterable[int] = ()
) -> list[int]:
    """An action's owners, in order and each once: the author of the message /action replies to
    (`replied_author`, None when there is none or it is a bot), the people the command names
    by a mention without a username (`named`, Telegram's text mentions), then each @username
    named in `text`. Raises UserError for a @username the bot has not seen yet."""
    owners = [] if replied_author is None else [replied_author]
    owners += [o for o in dict.fromkeys(named) if o not in owners]
    for username in _MENTION.findall(text):
        user_id = await user_by_username(rt, username)
        if user_id is None:
            raise UserError(
                N_(
                    "I do not know @{username} yet: they should send any command in this group first, or reply to their message with /action."
                ),
                username=username,
            )
        if user_id not in owners:
            owners.append(user_id)
    return owners


async def add_action(
    rt: Runtime,
    chat: ChatContext,
    actor: Actor,
    number: int,
    due_text: str,
    text: str,
    owners: list[int],
) -> tuple[TopicRow, ActionRow]:
    """Action `text` of topic `number`, due `due_text` (a date or a duration, in the group's
    zone), carried out by `owners` (find_owners; at least one). A convenor's; stores nothing
    and raises UserError for a bad due date or no owner (NO_OWNER)."""
    text = bounded(text, TEXT_MAX, N_("action"))
    now = rt.clock.now()
    settings = chat.settings
    try:
        due_date, due_at = parse_due(due_text, now, settings.zone())
    except DueError as err:
        raise UserError(DUE_TEXT[err.kind], text=due_text[:20]) from None

    async def work(tx: Tx) -> tuple[TopicRow, ActionRow]:
        topic = await load_topic(tx, chat.chat_id, number)
        authorize(Action.ADD_ACTION, topic, actor)
        if not owners:
            raise UserError(NO_OWNER)
        action = await repo.add_action(
            tx, chat.chat_id, topic.id, text, due_date, due_at, owners, actor.user_id, now
        )
        if topic.status == Status.ADOPTED:
            await topic_repo.set_status(tx, topic.id, Status.FOLLOWING_UP)
        await topic_repo.record(
            tx,
            topic.id,
            now,
            actor.user_id,
            "action_added",
            {"action": action.number, "due": due_date.isoformat()},
        )
        reminder = due_at - settings.due_reminder
        if reminder > now:
            await schedule.add(tx, chat.chat_id, DUE_SOON, action.id, reminder)
        await schedule.add(tx, chat.chat_id, OVERDUE, action.id, due_at)
        await schedule.add(
            tx, chat.chat_id, OVERDUE_REOPEN, action.id, due_at + settings.overdue_reopen_after
        )
        await schedule_reminders(tx, chat.chat_id, action, settings.zone(), now)
        rt.events.publish(tx, FollowupChanged(chat.chat_id, topic.id))
        topic = await topic_repo.get_topic_by_id(tx, topic.id)
        return topic, action

    return await run_unit(rt, actor, work)


async def report(rt: Runtime, chat_id: int, actor: Actor, said: ProgressReport) -> Progress:
    """A report by an owner or a convenor (read_report, read_progress_answer); a DROP
    (convenors only) gives up the action, its note being the reason."""
    action_no, percent, note = said.action_no, said.percent, said.note
    done, drop = said.kind == ReportKind.DONE, said.kind == ReportKind.DROP
    if drop:
        note = bounded(note, REASON_MAX, N_("reason"))
    if percent is not None and not 0 <= percent <= 100:
        raise UserError(N_("Progress is a percentage from 0 to 100."))
    note = note.strip()
    if said.kind == ReportKind.PROGRESS and percent is None and not note:
        raise UserError(REPORT_USAGE[ReportKind.PROGRESS])
    if len(note) > REASON_MAX:
        bounded(note, REASON_MAX, N_("note"))
    now = rt.clock.now()

    async def work(tx: Tx) -> Progress:
        action = await repo.get_action(tx, chat_id, action_no)
        if action is None:
            raise UserError(N_("There is no action A{action} in this group."), action=action_no)
        topic = await topic_repo.get_topic_by_id(tx, action.topic_id)
        if drop:
            # Giving an action up changes what was agreed: that is a convenor's call.
            authorize(Action.ADD_ACTION, topic, actor)
        else:
            authorize(Action.REPORT_PROGRESS, topic, actor, owner=actor.user_id in action.owners)
        if is_finished(action.status):
            raise UserError(
                N_("Action A{action} is already {status}."),
                action=action_no,
                status=Msg(ACTION_STATUS_TEXT[action.status]),
            )
        if drop:
            value, status = action.percent, "dropped"
        else:
            # A note alone keeps the action's percent.
            value = 100 if done else (action.percent if percent is None else percent)
            status = "done" if value == 100 else ("in_progress" if value > 0 else "open")
        await repo.report(
            tx, action.id, actor.user_id, value, note, status, now, reason=note if drop else None
        )
        await topic_repo.record(
            tx,
            topic.id,
            now,
            actor.user_id,
            "dropped" if drop else "progress",
            {"action": action_no, "percent": value},
        )
        if is_finished(status):
            for kind in ACTION_KINDS:
                await schedule.cancel(tx, kind, action.id, now)
        topic_done, final_round = await _maybe_done(tx, topic, now)
        rt.events.publish(tx, FollowupChanged(chat_id, topic.id))
        action = await repo.get_action_by_id(tx, action.id)
        topic = await topic_repo.get_topic_by_id(tx, topic.id)
        return Progress(action, topic, topic_done, final_round)

    return await run_unit(rt, actor, work)


async def check_can_report(rt: Runtime, chat_id: int, actor: Actor, action_no: int) -> ActionRow:
    """Before asking for a figure: would the report be taken?"""

    async def work(tx: Tx) -> tuple[ActionRow, TopicRow]:
        action = await repo.get_action(tx, chat_id, action_no)
        if action is None:
            raise UserError(N_("There is no action A{action} in this group."), action=action_no)
        return action, await topic_repo.get_topic_by_id(tx, action.topic_id)

    action, topic = await rt.db.view(work)
    authorize(Action.REPORT_PROGRESS, topic, actor, owner=actor.user_id in action.owners)
    return action


async def _maybe_done(tx: Tx, topic: TopicRow, now: datetime) -> tuple[bool, RoundRow | None]:
    actions = await repo.actions_of(tx, topic.id)
    live = [a for a in actions if a.status != "dropped"]
    if not live or any(a.status != "done" for a in live):
        return False, None
    await topic_repo.set_status(tx, topic.id, Status.DONE)
    await topic_repo.record(tx, topic.id, now, None, "done")
    await threads.follow_status(tx, topic, now)
    await schedule.cancel_for_topic(
        tx, topic.id, [a.id for a in actions], FOLLOWUP_TOPIC_KINDS, ACTION_KINDS, now
    )
    # The final rating is one round on the living card (not a card of its own): the round
    # takes the card's message, and the round before shows its result beside it.
    living = await repo.living_round(tx, topic.id)
    final = await repo.open_round(tx, topic.id, "final", now)
    if living is not None:
        await repo.set_round_card(tx, final.id, living.card_message_id)
        final = await repo.get_round(tx, final.id)
    return True, final


async def list_actions(rt: Runtime, chat_id: int, number: int) -> tuple[TopicRow, list[ActionRow]]:
    async def work(tx: Tx) -> tuple[TopicRow, list[ActionRow]]:
        topic = await load_topic(tx, chat_id, number)
        return topic, await repo.actions_of(tx, topic.id)

    return await rt.db.view(work)
