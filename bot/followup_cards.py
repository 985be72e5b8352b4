"""What residents see of the follow-up: action lists, the living follow-up card with its rating
buttons (and what an older card becomes), the one-line due and overdue notices, private
reminders, and the convenors' reopen question."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

from bot import callbacks, times
from bot.buttons import Button, Keyboard, keyboard
from bot.i18n import N_, language_of
from bot.rules.followup import display_status
from bot.rules.phases import Status
from bot.services.common import ACTION_STATUS_TEXT
from bot.services.followup import FOLLOWING, Card, Notice
from bot.services.kinds import DUE_SOON
from bot.text import Html, clip, esc, fill, fit_items, mention
from storage.followup import ActionRow
from storage.topics import TopicRow

Translate = Callable[[str], str]

RATING_LABEL = {
    "satisfied": N_("😊 Satisfied"),
    "partly": N_("😐 Partly"),
    "not_satisfied": N_("😞 Not satisfied"),
}


def owner_mentions(
    _: Translate, action: ActionRow, names: dict[int, str], only: tuple[int, ...] | None = None
) -> Html:
    """An action's owners (or those of them in `only`) as real mentions (each is notified
    where the line is posted)."""
    owners = action.owners if only is None else only
    if not owners:
        return Html(esc(_("no owner yet")))
    return Html(_(", ").join(mention(o, names.get(o, "?")) for o in owners))


def action_line(_: Translate, action: ActionRow, names: dict[int, str], now: datetime) -> str:
    status = display_status(action.status, action.due_at, now)
    owners = owner_mentions(_, action, names)
    shown = fill(_(ACTION_STATUS_TEXT[status]), {})
    if status == "in_progress":
        shown += f" {action.percent}%"
    elif status == "dropped" and action.reason:
        # "已取消：重复了": the colon through the catalog, full-width in Chinese.
        shown = fill(
            _(N_("{name}: {text}")), {"name": Html(shown), "text": clip(action.reason, 200)}
        )
    return fill(
        _(N_("A{action} {text} — {owners} — due {due} — {status}")),
        {
            "action": action.number,
            "text": clip(action.text, 300),
            "owners": owners,
            "due": times.day_text(action.due_date, language_of(_), now.date()),
            "status": shown,
        },
    )


def actions_list(
    _: Translate, topic: TopicRow, actions: list[ActionRow], names: dict[int, str], now: datetime
) -> tuple[str, list[str]]:
    header = fill(
        _(N_("<b>Actions of topic #{number}: {title}</b>")),
        {"number": topic.number, "title": topic.title},
    )
    if not actions:
        return header, [
            fill(
                _(
                    N_(
                        "No actions yet. A convenor adds one by replying to its owner's message, for example: /action {number} 14d Fix the street lights"
                    )
                ),
                {"number": topic.number},
            )
        ]
    return header, [action_line(_, a, names, now) for a in actions]


def counts_line(_: Translate, counts: dict[str, int]) -> str:
    return " · ".join(f"{_(RATING_LABEL[k])} {counts.get(k, 0)}" for k in RATING_LABEL)


# Why a living card no longer takes ratings, by the topic's status (reopened: any other).
ENDED_TEXT = {
    Status.ESCALATED: N_("The topic went to mediation: the follow-up has ended."),
    Status.CLOSED: N_("The topic was closed: the follow-up has ended."),
}
REOPENED_TEXT = N_("The topic was reopened for deliberation: this follow-up has ended.")
# A living card's actions show the latest note of each this long at most (characters).
NOTE_MAX = 120


def followup_card(
    _: Translate, card: Card, names: dict[int, str], now: datetime, bot_username: str
) -> tuple[str, Keyboard | None]:
    """A topic's living follow-up card: the adopted wording, each action with its owners (real
    mentions), status, percent and latest note, and the ratings of the current round beside
    the result of the round before. Rating buttons while the round is open; none once the
    topic is reopened, closed or escalated."""
    topic = card.topic
    t = lambda msgid, **kw: fill(_(msgid), kw, _)  # noqa: E731
    if card.kind == "final":
        head = t(
            N_(
                "<b>Topic #{number} is done: {title}</b>\nEvery action has been carried out. How satisfied are you with the outcome?"
            ),
            number=topic.number,
            title=topic.title,
        )
    else:
        head = t(
            N_("<b>Follow-up on topic #{number}: {title}</b>"),
            number=topic.number,
            title=topic.title,
        )
    lines = [head]
    following = topic.status in (*FOLLOWING, Status.DONE)
    if not following:
        lines.append(_(ENDED_TEXT.get(Status(topic.status), REOPENED_TEXT)))
    elif card.late:
        lines.append(_("(Sent late: the bot was offline when this was due.)"))
    if card.wording:
        lines.append(f"<blockquote>{esc(clip(card.wording, 1500))}</blockquote>")
    tail = [
        t(
            N_("This round (round {round}): {counts}"),
            round=card.round.number,
            counts=Html(counts_line(_, card.counts)),
        )
    ]
    if card.rating_open:
        tail.insert(0, _("How is it going? One rating each; you can change it."))
    if card.previous is not None:
        tail.append(
            t(
                N_("Last round (round {round}): {counts}"),
                round=card.previous.number,
                counts=Html(counts_line(_, card.previous_counts)),
            )
        )
    if card.actions:
        lines.append(_("<b>Actions</b>"))
        items = [_card_action(_, a, card.notes.get(a.id), names, now) for a in card.actions]
        kept, left_out = fit_items([*lines, *tail, "…"], items)
        lines += kept
        if left_out:
            lines.append(
                fill(
                    _(N_("… and {count} more: /actions {number}")),
                    {"count": left_out, "number": topic.number},
                )
            )
    lines += tail
    if not following:
        return "\n".join(lines), None
    rows = []
    if card.rating_open:
        rows.append(
            [
                Button(
                    _(RATING_LABEL[k]),
                    data=callbacks.rate(topic.number, card.round.id, k),
                )
                for k in RATING_LABEL
            ]
        )
    open_actions = [a for a in card.actions if a.status in ("open", "in_progress")][:4]
    if open_actions and topic.status in FOLLOWING:
        # Owners (and convenors) report from the card: the bot then asks for the figure.
        # The label says what the button does ("📈 A1" alone did not); two to a row.
        reports = [
            Button(
                fill(_(N_("📈 Report on A{action}")), {"action": a.number}),
                data=callbacks.progress(a.number),
            )
            for a in open_actions
        ]
        rows += [reports[i : i + 2] for i in range(0, len(reports), 2)]
    if bot_username:
        links = [
            Button(
                _("🔔 Notify me"),
                url=callbacks.start_link(
                    bot_username, callbacks.Link.SUBSCRIBE, topic.chat_id, topic.number
                ),
            )
        ]
        if card.rating_open:
            links.append(
                Button(
                    _("💬 Comment privately"),
                    url=callbacks.start_link(
                        bot_username, callbacks.Link.RATING_COMMENT, topic.chat_id, topic.number
                    ),
                )
            )
        rows.append(links)
    return "\n".join(lines), keyboard(rows) if rows else None


def _card_action(
    _: Translate, action: ActionRow, note: str | None, names: dict[int, str], now: datetime
) -> str:
    """An action on the living card: its line, and under it its latest note (clipped)."""
    line = action_line(_, action, names, now)
    if not note:
        return line
    return (
        line
        + "\n"
        + fill(_(N_("↳ latest: {note}")), {"note": clip(" ".join(note.split()), NOTE_MAX)})
    )


def superseded(_: Translate, topic: TopicRow, link: str | None) -> str:
    """What a follow-up card becomes once a newer one is posted (its buttons gone): one line
    that says where the current card is (`link`: a t.me/c/… link to it; None in a basic group,
    whose messages have no links)."""
    if link is None:
        return fill(
            _(
                N_(
                    "↪ This follow-up card is out of date: the current card of topic #{number} is further down."
                )
            ),
            {"number": topic.number},
        )
    return fill(
        _(
            N_(
                '↪ This follow-up card is out of date: see <a href="{link}">the current card of topic #{number}</a>.'
            )
        ),
        {"number": topic.number, "link": link},
    )


def notice_line(
    _: Translate, notice: Notice, names: dict[int, str], today: date, card_link: str | None
) -> str:
    """The one line an action due soon or overdue costs the group: the action, its owners as
    real mentions, and where the living card is (`card_link`; without a link, "above"; before
    the first card, the /actions command). `today` is the group's local date."""
    action = notice.action
    if notice.card_message_id is None:
        card = fill(_(N_("list: /actions {number}")), {"number": notice.topic.number})
    elif card_link is None:
        card = _("see the follow-up card above")
    else:
        label = _("see the follow-up card")
        card = Html(f'<a href="{esc(card_link)}">{esc(label)}</a>')
    language = language_of(_)
    values = {
        "action": action.number,
        "owners": owner_mentions(
            _, action, names, notice.mentioned if notice.kind == DUE_SOON else None
        ),
        "text": clip(action.text, 80),
        "card": card,
        "due": times.day_text(action.due_date, language, today),
    }
    if notice.kind == DUE_SOON:
        days = (action.due_date - today).days
        if days <= 0:
            msgid = N_("⏰ A{action} is due today: {owners} — {text} ({card})")
        elif days == 1:
            msgid = N_("⏰ A{action} is due tomorrow: {owners} — {text} ({card})")
        else:
            msgid = N_("⏰ A{action} is due on {due}: {owners} — {text} ({card})")
    else:
        msgid = N_("⚠️ A{action} is overdue (it was due on {due}): {owners} — {text} ({card})")
    return fill(_(msgid), values)


def reopen_question(
    _: Translate, topic: TopicRow, offer: tuple[int, int], overdue: ActionRow | None
) -> tuple[str, Keyboard]:
    if overdue is not None:
        text = fill(
            _(
                N_(
                    "<b>Convenors:</b> action A{action} of topic #{number} is long overdue. Reopen the topic for deliberation?"
                )
            ),
            {"action": overdue.number, "number": topic.number},
        )
    else:
        text = fill(
            _(
                N_(
                    "<b>Convenors:</b> {bad} of {total} ratings of topic #{number} say not satisfied. Reopen it for deliberation?"
                )
            ),
            {"bad": offer[0], "total": offer[1], "number": topic.number},
        )
    markup = keyboard(
        [
            [
                Button(_("🔄 Reopen"), data=callbacks.reopen(topic.number)),
                Button(_("➡ Keep following"), data=callbacks.keep_following(topic.number)),
            ]
        ]
    )
    return text, markup


def owner_reminder(_: Translate, card: Card, group_title: str, action_no: int) -> str:
    """The note above an owner's open actions with a round's card; its example names the
    owner's own action A`action_no` (their first open one)."""
    return fill(
        _(
            N_(
                "Reminder for topic #{number} in {group}: your open actions are listed below. Report as you go, for example: /progress A{action} 60 half done, or /done A{action} when it is done."
            )
        ),
        {"number": card.topic.number, "group": group_title, "action": action_no},
    )


def owner_due_reminder(
    _: Translate, when: str, action: ActionRow, group_title: str, topic_number: int, now: datetime
) -> str:
    """An owner's private reminder, the day before an action is due ("eve") or on the day."""
    msgid = (
        N_(
            "Reminder from {group}: your action A{action} of topic #{number} is due tomorrow, {due}:\n{text}\nReport as you go, for example: /progress A{action} 60 half done, or /done A{action}."
        )
        if when == "eve"
        else N_(
            "Reminder from {group}: your action A{action} of topic #{number} is due today, {due}:\n{text}\nReport as you go, for example: /progress A{action} 60 half done, or /done A{action}."
        )
    )
    return fill(
        _(msgid),
        {
            "group": group_title,
            "action": action.number,
            "number": topic_number,
            "due": times.day_text(action.due_date, language_of(_), now.date()),
            "text": clip(action.text, 300),
        },
    )


def get_reminders(_: Translate, topic: TopicRow, bot_username: str) -> Keyboard:
    """The action's confirmation's link: one tap starts the private chat in which its owners
    are reminded before the due date."""
    return keyboard(
        [
            [
                Button(
                    _("🔔 Get reminders"),
                    url=callbacks.start_link(
                        bot_username, callbacks.Link.OWNER_REMINDERS, topic.chat_id, topic.number
                    ),
                )
            ]
        ]
    )


def reminders_on(
    _: Translate, topic: TopicRow, actions: list[ActionRow], names: dict[int, str], now: datetime
) -> str:
    """The answer to the "Get reminders" link: what its presser will be reminded of here."""
    if not actions:
        return fill(
            _(
                N_(
                    "You own no open action of topic #{number}. When you do, you will be reminded of it here the day before it is due and on the day."
                )
            ),
            {"number": topic.number},
        )
    head = fill(
        _(
            N_(
                "You will be reminded here of your actions of topic #{number} ({title}) the day before each is due and on the day, while it is open:"
            )
        ),
        {"number": topic.number, "title": topic.title},
    )
    # The example names their own action, not someone else's A1.
    tail = fill(
        _(N_("Report here, for example: /progress A{action} 60 half done, or /done A{action}.")),
        {"action": actions[0].number},
    )
    return "\n".join([head, *(action_line(_, a, names, now) for a in actions), tail])


def report_here(_: Translate, card: Card, bot_username: str) -> Keyboard:
    """The reminder's link: pressed, it makes the owner's private /progress and /done act on
    this group (a reminder alone never changes which group they act on)."""
    return report_here_topic(_, card.topic, bot_username)


def report_here_topic(_: Translate, topic: TopicRow, bot_username: str) -> Keyboard:
    """The "Report here" link of a topic (report_here)."""
    return keyboard(
        [
            [
                Button(
                    _("📈 Report here"),
                    url=callbacks.start_link(
                        bot_username, callbacks.Link.REPORT_HERE, topic.chat_id, topic.number
                    ),
                )
            ]
        ]
    )


def subscriber_note(_: Translate, group_title: str) -> str:
    return fill(_(N_("From the group {group}:")), {"group": group_title})


def comment_digest(
    _: Translate,
    group_title: str,
    topic: TopicRow,
    round_number: int,
    comments: list[tuple[str, str]],
) -> tuple[str, list[str]]:
    """For convenors, privately: the comments of a follow-up round, unsigned (no names, no
    order by person), each with the rating it was added to."""
    header = fill(
        _(
            N_(
                "<b>Private comments on topic #{number} ({title}) in {group}, follow-up round {round}</b>\nUnsigned, for convenors only:"
            )
        ),
        {"number": topic.number, "title": topic.title, "group": group_title, "round": round_number},
    )
    items = [
        fill(
            "• {rating}：{comment}" if language_of(_) == "zh" else "• {rating}: {comment}",
            {
                "rating": _(RATING_LABEL[value]) if value in RATING_LABEL else value,
                "comment": clip(text, 1000),
            },
        )
        for value, text in comments
    ]
    return header, items


def report_noted(_: Translate, action: ActionRow, now: datetime) -> str:
    """The group's short reply to a report (the living card, edited, shows the detail): the
    action and its status, e.g. "已记下：A1 进行中 60%。"."""
    status = display_status(action.status, action.due_at, now)
    shown = fill(_(ACTION_STATUS_TEXT[status]), {})
    if status in ("in_progress", "overdue") and 0 < action.percent < 100:
        shown += f" {action.percent}%"
    elif status == "dropped" and action.reason:
        shown += f": {clip(action.reason, 200)}"
    return fill(_(N_("Noted: A{action} {status}.")), {"action": action.number, "status": shown})


def all_done(_: Translate, topic: TopicRow, card_link: str | None) -> str:
    """Under the reply to the report that finished the last action: every action is done, and
    the living card (`card_link`; None in a basic group) now asks for the final rating."""
    if card_link is None:
        return fill(
            _(
                N_(
                    "Every action of topic #{number} is done: rate the outcome on the follow-up card in the group."
                )
            ),
            {"number": topic.number},
        )
    return fill(
        _(
            N_(
                'Every action of topic #{number} is done: <a href="{link}">rate the outcome on the follow-up card</a>.'
            )
        ),
        {"number": topic.number, "link": card_link},
    )
