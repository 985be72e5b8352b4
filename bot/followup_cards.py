"""What residents see of the follow-up: action lists, follow-up cards with rating buttons,
private reminders, and the convenors' reopen question."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from bot import callbacks, times
from bot.buttons import Button, Keyboard, keyboard
from bot.i18n import N_, language_of
from bot.rules.followup import display_status
from bot.services.common import ACTION_STATUS_TEXT
from bot.services.followup import Card
from bot.services.kinds import DUE_SOON, OVERDUE, OVERDUE_REOPEN
from bot.text import Html, clip, esc, fill, fit_items, mention
from storage.followup import ActionRow
from storage.topics import TopicRow

Translate = Callable[[str], str]

RATING_LABEL = {
    "satisfied": N_("😊 Satisfied"),
    "partly": N_("😐 Partly"),
    "not_satisfied": N_("😞 Not satisfied"),
}


def owner_mentions(_: Translate, action: ActionRow, names: dict[int, str]) -> Html:
    """An action's owners as real mentions (each is notified where the line is posted)."""
    if not action.owners:
        return Html(esc(_("no owner yet")))
    return Html(_(", ").join(mention(o, names.get(o, "?")) for o in action.owners))


def action_line(_: Translate, action: ActionRow, names: dict[int, str], now: datetime) -> str:
    status = display_status(action.status, action.due_at, now)
    owners = owner_mentions(_, action, names)
    shown = fill(_(ACTION_STATUS_TEXT[status]), {})
    if status == "in_progress":
        shown += f" {action.percent}%"
    elif status == "dropped" and action.reason:
        shown += f": {clip(action.reason, 200)}"
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
            _(
                "No actions yet. A convenor adds one with /action N due text, replying to the owner's message."
            )
        ]
    return header, [action_line(_, a, names, now) for a in actions]


def counts_line(_: Translate, counts: dict[str, int]) -> str:
    return " · ".join(f"{_(RATING_LABEL[k])} {counts.get(k, 0)}" for k in RATING_LABEL)


def followup_card(
    _: Translate,
    card: Card,
    counts: dict[str, int],
    names: dict[int, str],
    now: datetime,
    bot_username: str,
) -> tuple[str, Keyboard]:
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
    elif card.kind == DUE_SOON and card.subject:
        head = t(
            N_("<b>Follow-up on topic #{number}: {title}</b>\nAction A{action} is due on {due}."),
            number=topic.number,
            title=topic.title,
            action=card.subject.number,
            due=times.day_text(card.subject.due_date, language_of(_), now.date()),
        )
    elif card.kind in (OVERDUE, OVERDUE_REOPEN) and card.subject:
        head = t(
            N_(
                "<b>Follow-up on topic #{number}: {title}</b>\nAction A{action} is overdue (it was due on {due})."
            ),
            number=topic.number,
            title=topic.title,
            action=card.subject.number,
            due=times.day_text(card.subject.due_date, language_of(_), now.date()),
        )
    else:
        head = t(
            N_("<b>Follow-up on topic #{number}: {title}</b>"),
            number=topic.number,
            title=topic.title,
        )
    lines = [head]
    if card.kind in (DUE_SOON, OVERDUE, OVERDUE_REOPEN) and card.subject and card.subject.owners:
        lines.append(t(N_("Owners: {owners}"), owners=owner_mentions(_, card.subject, names)))
    if card.late:
        lines.append(_("(Sent late: the bot was offline when this was due.)"))
    if card.wording:
        lines.append(f"<blockquote>{esc(clip(card.wording, 1500))}</blockquote>")
    tail = [_("How is it going? One rating each; you can change it."), counts_line(_, counts)]
    if card.actions:
        lines.append(_("<b>Actions</b>"))
        items = [action_line(_, a, names, now) for a in card.actions]
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
    rows = [
        [
            Button(
                _(RATING_LABEL[k]),
                data=callbacks.rate(topic.number, card.round.id, k),
            )
            for k in RATING_LABEL
        ]
    ]
    open_actions = [a for a in card.actions if a.status in ("open", "in_progress")][:4]
    if open_actions and card.kind != "final":
        # Owners (and convenors) report from the card: the bot then asks for the figure.
        rows.append(
            [
                Button(
                    fill(_(N_("📈 A{action}")), {"action": a.number}),
                    data=callbacks.progress(a.number),
                )
                for a in open_actions
            ]
        )
    if bot_username:
        rows.append(
            [
                Button(
                    _("🔔 Notify me"),
                    url=callbacks.start_link(
                        bot_username, callbacks.Link.SUBSCRIBE, topic.chat_id, topic.number
                    ),
                ),
                Button(
                    _("💬 Comment privately"),
                    url=callbacks.start_link(
                        bot_username, callbacks.Link.RATING_COMMENT, topic.chat_id, topic.number
                    ),
                ),
            ]
        )
    return "\n".join(lines), keyboard(rows)


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


def owner_reminder(_: Translate, card: Card, group_title: str) -> str:
    return fill(
        _(
            N_(
                "Reminder for topic #{number} in {group}: your open actions are listed below. Report as you go, for example: /progress A1 60 half done, or /done A1 when it is done."
            )
        ),
        {"number": card.topic.number, "group": group_title},
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
    tail = _("Report here, for example: /progress A1 60 half done, or /done A1.")
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
