"""What the groups see of 两商衔接: link lists, the referral card, reports back to the village,
the referral line of a topic card, and contact members' notices. Pure: a translator and facts in,
HTML text (and buttons) out."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from bot import callbacks
from bot.buttons import Button, Keyboard, keyboard
from bot.cards import CHOICE_LABEL, STANCE_LABEL, when
from bot.durations import clock_length
from bot.errors import Msg
from bot.group_settings import GroupSettings
from bot.i18n import N_
from bot.rules.links import Change
from bot.rules.phases import Choice, Stance, Status
from bot.rules.threads import thread_link
from bot.services import topics
from bot.services.common import ACTION_STATUS_TEXT, STATUS_TEXT
from bot.services.consultations import VillageAnswers, answers_of
from bot.services.referrals import CardLink, ReferralFacts, Report, card_links
from bot.text import Html, clip, esc, fill, fit_items
from storage import Tx
from storage.links import LinkRow
from storage.topics import TopicRow

Translate = Callable[[str], str]

VIEW_CLIP = 300
DETAILS_CLIP = 800


def _t(_: Translate) -> Callable[..., str]:
    return lambda msgid, **kw: fill(_(msgid), kw, _)


def _stance_icon(_: Translate, stance: str) -> str:
    return _(STANCE_LABEL[Stance(stance)]).split()[0]


def stance_counts(_: Translate, counts: dict[str, int]) -> str:
    """ "👍3 👎1 ⚠️0 💡2"."""
    return " ".join(f"{_stance_icon(_, s.value)}{counts.get(s.value, 0)}" for s in Stance)


# ----- links ---------------------------------------------------------------------------------------
def links_text(
    _: Translate, chat_id: int, links: list[LinkRow], settings: GroupSettings, contacts: str = ""
) -> str:
    """/links: the group's members' groups and villages, each with the day it was linked."""
    t = _t(_)
    if not links:
        return _(
            N_(
                "This group is not linked to any other group. A convenor of a members' group sends /link there to get a code; a convenor of a village group sends /link CODE in the village group."
            )
        )
    lines = [_("<b>Links of this group</b>")]
    ups = [link for link in links if link.village_chat_id == chat_id]
    downs = [link for link in links if link.members_chat_id == chat_id]
    if ups:
        lines.append(_("Members' groups (委员之家) this group refers matters to:"))
        lines += [
            t(N_("• {group} (since {when})"), group=link.members_title, when=_day(link, settings))
            for link in ups
        ]
    if downs:
        lines.append(_("Village groups linked to this members' group:"))
        lines += [
            t(N_("• {group} (since {when})"), group=link.village_title, when=_day(link, settings))
            for link in downs
        ]
    if contacts:
        lines.append(contacts)
    return "\n".join(lines)


def _day(link: LinkRow, settings: GroupSettings) -> str:
    return when(link.linked_at, settings)


def other_end(link: LinkRow, chat_id: int) -> str:
    """The title of the group at the other end of `link` from `chat_id`."""
    return link.village_title if link.members_chat_id == chat_id else link.members_title


def unlink_buttons(_: Translate, chat_id: int, links: list[LinkRow]) -> Keyboard:
    return keyboard(
        [
            [
                Button(
                    fill(_(N_("✂️ {group}")), {"group": clip(other_end(link, chat_id), 40)}),
                    data=callbacks.unlink(link.id),
                )
            ]
            for link in links
        ]
    )


def refer_buttons(_: Translate, referral_id: int, links: list[LinkRow]) -> Keyboard:
    return keyboard(
        [
            [
                Button(
                    fill(_(N_("📨 {group}")), {"group": clip(link.members_title, 40)}),
                    data=callbacks.refer_to(referral_id, link.id),
                )
            ]
            for link in links
        ]
    )


# ----- the referral card ---------------------------------------------------------------------------
def referral_card(_: Translate, facts: ReferralFacts) -> tuple[str, Keyboard | None]:
    """The card a members' group gets: the village, the topic, its views by stance (names only
    where the village shares them), the adopted wording or the open question, the vote, the
    note; with Take up / Send back while it waits, and who decided once decided."""
    t = _t(_)
    topic = facts.topic
    head = [
        t(
            N_("📨 <b>Referral from “{village}”: topic #{number} {title}</b>"),
            village=facts.village_title,
            number=topic.number,
            title=topic.title,
        )
    ]
    if topic.details:
        head.append(esc(clip(topic.details, DETAILS_CLIP)))
    head.append(t(N_("Views in the village: {counts}"), counts=stance_counts(_, facts.counts)))
    tail = []
    if facts.wording:
        tail.append(t(N_("<b>Adopted wording:</b> {text}"), text=clip(facts.wording, 1000)))
    else:
        tail.append(_("<b>Open question:</b> the village has adopted no wording on it."))
    if facts.vote_result is not None:
        tally = " · ".join(f"{_(CHOICE_LABEL[c])} {facts.tally.get(c.value, 0)}" for c in Choice)
        result = _("adopted") if facts.vote_result == "adopted" else _("not adopted")
        tail.append(t(N_("Vote in the village: {result} ({tally})"), result=result, tally=tally))
    if facts.referral.note:
        tail.append(t(N_("Note from the village's convenor: {note}"), note=facts.referral.note))
    status = facts.referral.status
    markup = None
    if status == "sent":
        tail.append(_("A convenor of this group takes it up or sends it back:"))
        markup = keyboard(
            [
                [
                    Button(_("✅ Take up"), data=callbacks.take_up(facts.referral.id)),
                    Button(_("↩️ Send back"), data=callbacks.send_back(facts.referral.id)),
                ]
            ]
        )
    elif status == "taken":
        tail.append(
            t(
                N_("Taken up by {name} as topic #{number} of this group."),
                name=facts.decider,
                number=facts.member_topic_number or 0,
            )
        )
    elif status == "unlinked":
        tail.append(
            t(
                N_("The link with “{village}” has ended, so this referral ends unanswered."),
                village=facts.village_title,
            )
        )
    elif status == "returned":
        tail.append(
            t(
                N_("Sent back by {name}: {reason}"),
                name=facts.decider,
                reason=facts.referral.reason or "",
            )
        )
    items = [_view_line(_, v) for v in facts.views]
    kept, left = fit_items([*head, *tail], items, limit=3600)
    lines = head + kept
    if left:
        lines.append(t(N_("… and {count} more views."), count=left))
    return "\n".join(lines + tail), markup


def _view_line(_: Translate, view) -> str:
    text = esc(clip(view.text, VIEW_CLIP)) if view.text else ""
    if view.voice is not None:
        voice = fill(_(N_("(voice note, {length})")), {"length": clock_length(view.voice)})
        text = f"{text} {voice}".strip()
    icon = _stance_icon(_, view.stance)
    if view.name:
        named = fill(_(N_("{name}: {text}")), {"name": view.name, "text": Html(text)})
        return f"• {icon} {named}"
    return f"• {icon} {text}"


# ----- reports back to the village -------------------------------------------------------------
def report_text(_: Translate, report: Report) -> str:
    """One short message to the village: what became of its referred topic."""
    t = _t(_)
    topic = report.topic
    lines = [
        t(
            N_("📨 Topic #{number} ({title}), referred to “{group}”:"),
            number=topic.number,
            title=clip(topic.title, 60),
            group=report.members_title,
        )
    ]
    if report.returned is not None:
        lines.append(t(N_("• sent back: {reason}"), reason=report.returned))
    if report.unlinked:
        lines.append(_("• the link has ended, so the referral ends unanswered"))
    for change in report.changes:
        lines.append(change_line(_, change))
    link = thread_link(topic.chat_id, topic.card_message_id) if topic.card_message_id else None
    if link:
        lines.append(
            t(
                N_("See the topic's card: {link}"),
                link=Html(f'<a href="{link}">#{topic.number}</a>'),
            )
        )
    return "\n".join(lines)


def change_line(_: Translate, change: Change) -> str:
    t = _t(_)
    if change.kind == "taken":
        return t(N_("• taken up as its topic #{number}"), number=change.number)
    if change.kind == "status":
        return t(N_("• now: {status}"), status=Msg(STATUS_TEXT[Status(change.status)]))
    if change.kind == "wording":
        return t(N_("• adopted suggestion: {text}"), text=clip(change.text, 800))
    if change.new:
        return t(
            N_("• action A{number} agreed: {text}"),
            number=change.number,
            text=clip(change.text, 200),
        )
    status = Msg(ACTION_STATUS_TEXT.get(change.status, change.status))
    return t(
        N_("• action A{number} ({text}): {percent}%, {status}"),
        number=change.number,
        text=clip(change.text, 80),
        percent=change.percent,
        status=status,
    )


# ----- topic cards -------------------------------------------------------------------------------
REFERRAL_STATUS = {
    "sent": N_("waiting for an answer"),
    "taken": N_("taken up"),
    "returned": N_("sent back"),
    "unlinked": N_("link ended, unanswered"),
}


def card_lines(_: Translate, links: list[CardLink]) -> list[str]:
    """The referral lines of a topic card: "Referred to the members' group: X (phase)" in the
    village, "From the village X, topic #N" in the members' group."""
    t = _t(_)
    lines = []
    for link in links:
        if link.up:
            if link.member_status is not None:
                phase = Msg(STATUS_TEXT[Status(link.member_status)])
            else:
                phase = Msg(REFERRAL_STATUS.get(link.status, link.status))
            lines.append(
                t(
                    N_("📨 Referred to the members' group: {group} ({phase})"),
                    group=link.group,
                    phase=phase,
                )
            )
        else:
            lines.append(
                t(
                    N_("📨 From the village “{group}”, topic #{number}"),
                    group=link.group,
                    number=link.number or 0,
                )
            )
    return lines


async def topic_card_lines(
    tx: Tx, topic: TopicRow, _: Translate, settings: GroupSettings | None = None
) -> list[str]:
    """The referral lines of a topic's card (bot/services/card_lines.py CARD_LINES)."""
    return card_lines(_, await card_links(tx, topic))


topics.CARD_LINES.append(topic_card_lines)


# ----- contact members ---------------------------------------------------------------------------
def contact_notice(_: Translate, group: str, topic: TopicRow) -> str:
    t = _t(_)
    return t(
        N_("📣 {group}, a village you serve as contact member, has a new topic #{number}: {title}"),
        group=group,
        number=topic.number,
        title=topic.title,
    )


def open_button(_: Translate, bot_username: str, chat_id: int, number: int) -> Keyboard:
    link = callbacks.start_link(bot_username, callbacks.Link.CONTACT_TOPIC, chat_id, number)
    return keyboard([[Button(_("📖 Open the topic"), url=link)]])


def contact_topic_text(
    _: Translate, group: str, topic: TopicRow, counts: dict[str, int], now: datetime | None = None
) -> str:
    """A village topic as its contact member opens it in private."""
    t = _t(_)
    lines = [
        t(
            N_("<b>{group} · topic #{number}: {title}</b>"),
            group=group,
            number=topic.number,
            title=topic.title,
        )
    ]
    if topic.details:
        lines.append(esc(clip(topic.details, DETAILS_CLIP)))
    lines.append(t(N_("Status: {status}"), status=Msg(STATUS_TEXT[Status(topic.status)])))
    lines.append(t(N_("Views so far: {counts}"), counts=stance_counts(_, counts)))
    return "\n".join(lines)


# ----- consultation down ---------------------------------------------------------------------------
def names_setting(_: Translate, share_names: bool) -> str:
    """What this village's setting share_names is, in plain words (the consultation card and the
    referral notice say it)."""
    if share_names:
        return _("This village's setting: what goes to the members' group carries your name.")
    return _("This village's setting: what goes to the members' group carries no names.")


def consult_card(
    _: Translate,
    members_title: str,
    topic: TopicRow,
    consultation_id: int,
    open_: bool = True,
    share_names: bool = False,
) -> tuple[str, Keyboard | None]:
    """The card a village gets: the members' group's question, and the stance buttons while the
    consultation is open, with what the village's setting share_names actually is."""
    t = _t(_)
    lines = [
        t(
            N_("📣 The members' group “{group}” asks this village: <b>{title}</b>"),
            group=members_title,
            title=topic.title,
        )
    ]
    if topic.details:
        lines.append(esc(clip(topic.details, DETAILS_CLIP)))
    if not open_:
        lines.append(_("The consultation has ended; thank you for your answers."))
        return "\n".join(lines), None
    lines.append(
        _(
            "Press a button for your stance, then reply with a few words; a later answer replaces it."
        )
    )
    lines.append(names_setting(_, share_names))
    rows = [
        [Button(_(STANCE_LABEL[s]), data=callbacks.consult_view(consultation_id, s)) for s in pair]
        for pair in ((Stance.SUPPORT, Stance.OPPOSE), (Stance.CONCERN, Stance.SUGGESTION))
    ]
    return "\n".join(lines), keyboard(rows)


def _stance_word(_: Translate, stance: str) -> str:
    label = _(STANCE_LABEL[Stance(stance)])
    return label.split(maxsplit=1)[1] if " " in label else label


def consultation_line(_: Translate, village: VillageAnswers) -> str:
    """ "📣 东山村：支持 12 · 担忧 3（征求中）"."""
    t = _t(_)
    counts = " · ".join(
        f"{_stance_word(_, s.value)} {village.counts[s.value]}"
        for s in Stance
        if village.counts.get(s.value)
    )
    state = _("collecting") if village.open else _("ended")
    return t(
        N_("📣 {village}: {counts} ({state})"),
        village=village.village,
        counts=counts or _("no answers yet"),
        state=state,
    )


async def consultation_card_lines(tx: Tx, topic: TopicRow, _: Translate) -> list[str]:
    """The members' topic card: a line per consulted village (CARD_LINES)."""
    return [consultation_line(_, v) for v in await answers_of(tx, topic)]


def consultation_items(_: Translate, villages: list[VillageAnswers]) -> list[str]:
    """/views of a members' topic: the villages' answers, by village and stance."""
    items = []
    for village in villages:
        items.append(f"\n<b>{consultation_line(_, village)}</b>")
        for stance, text, name in village.answers:
            icon = _stance_icon(_, stance)
            if name:
                body = fill(_(N_("{name}: {text}")), {"name": name, "text": clip(text, 600)})
            else:
                body = esc(clip(text, 600))
            items.append(f"• {icon} {body}")
    return items


topics.CARD_LINES.append(consultation_card_lines)
