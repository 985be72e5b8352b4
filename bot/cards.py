"""What the group sees: topic cards, ballot cards, result cards and lists, in its language."""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from bot import callbacks, outcome_lines, times
from bot.buttons import Button, Keyboard, keyboard
from bot.durations import clock_length
from bot.errors import Msg
from bot.group_settings import GroupSettings
from bot.i18n import N_, language_of
from bot.phase_words import phase_word
from bot.ratios import parse_threshold
from bot.rules.phases import OPEN, Choice, Stance, Status
from bot.rules.tally import Outcome
from bot.services.forms import form_name
from bot.services.votes import Closed, VoteState
from bot.setting_words import ngettext_people
from bot.text import Html, clip, esc, fill, fit_items
from storage.drafts import DraftRow
from storage.topics import TopicRow
from storage.views import ViewRow

Translate = Callable[[str], str]

# A finished topic's card tells how it ended (its lines join the card's CARD_LINES).
assert outcome_lines.outcome_card_lines

STANCE_LABEL = {
    Stance.SUPPORT: N_("👍 Support"),
    Stance.OPPOSE: N_("👎 Oppose"),
    Stance.CONCERN: N_("⚠️ Concern"),
    Stance.SUGGESTION: N_("💡 Suggestion"),
}
CHOICE_LABEL = {
    Choice.AGREE: N_("✅ Agree"),
    Choice.ABSTAIN: N_("⚪ Abstain"),
    Choice.DISAGREE: N_("❌ Disagree"),
    Choice.BLOCK: N_("⛔ Block"),
}


def when(moment: datetime, settings: GroupSettings, now: datetime | None = None) -> str:
    """Every time the group sees, in its language and zone; with `now`, a deadline with the time
    left: "3月5日（周四）10:00（北京时间），还剩 3 天" (bot/times.py)."""
    return times.deadline(moment, settings.timezone, settings.language, now)


def at(moment: datetime, settings: GroupSettings, now: datetime | None = None) -> str:
    """A time on a message that stays and may be edited later (topic card, ballot card, notice
    board): the moment with weekday and zone, never the time left, which would go stale while
    nothing changes ("3月5日（周四）10:00（北京时间）"). `now` only decides whether the year is
    shown. One-off messages (replies, reminders, notices) use :func:`when` with the time left."""
    return times.moment_text(moment, settings.timezone, settings.language, now)


def status_text(_: Translate, status: str) -> str:
    """The phase `status` in words (one table for every place: bot/phase_words.py)."""
    return _(phase_word(status))


@dataclass(frozen=True)
class TopicCard:
    topic: TopicRow
    proposer: str
    supporters: int
    stances: dict[str, int]
    settings: GroupSettings
    views_open: bool
    bot_username: str
    now: datetime | None = None  # when the card is drawn (a year not this one is shown)
    # The form of the consultation (bot/services/forms.py), shown once the topic is accepted;
    # extra lines other parts add (a meeting, an escalation and how it was settled).
    form: str | None = None
    extra: tuple[str, ...] = ()


def topic_card(_: Translate, card: TopicCard) -> tuple[str, Keyboard | None]:
    topic = card.topic
    t = lambda msgid, **kw: fill(_(msgid), kw, _)  # noqa: E731
    lines = [t(N_("<b>Topic #{number}: {title}</b>"), number=topic.number, title=topic.title)]
    if topic.details:
        lines.append(esc(topic.details))
    lines.append("")
    lines.append(
        t(
            N_("Proposed by {name} · {phase} · seconded by {people}"),
            name=card.proposer,
            phase=Msg(phase_word(topic.status, card.views_open)),
            people=ngettext_people(card.supporters, language_of(_)),
        )
    )
    if topic.status == Status.DELIBERATING:
        counts = " ".join(
            f"{_(STANCE_LABEL[s]).split()[0]}{card.stances.get(s.value, 0)}" for s in Stance
        )
        lines.append(t(N_("Views so far: {counts}"), counts=counts))
        if card.views_open and topic.phase_deadline:
            lines.append(
                t(
                    N_("Views close {when}."),
                    when=at(topic.phase_deadline, card.settings, card.now),
                )
            )
        else:
            lines.append(_("Views are closed; drafts of the wording can still be proposed."))
    elif topic.status == Status.VOTING and topic.phase_deadline:
        lines.append(
            t(N_("Vote closes {when}."), when=at(topic.phase_deadline, card.settings, card.now))
        )
    if card.form is not None and topic.status != Status.PROPOSED:
        lines.append(t(N_("Form: {form}"), form=form_name(card.form)))
    lines.extend(card.extra)
    return "\n".join(lines), topic_buttons(_, card)


def topic_buttons(_: Translate, card: TopicCard) -> Keyboard | None:
    rows = _phase_buttons(_, card)
    if card.bot_username and card.topic.status in OPEN:
        # Anyone may follow a topic privately: its result and every follow-up card.
        link = callbacks.start_link(
            card.bot_username, callbacks.Link.SUBSCRIBE, card.topic.chat_id, card.topic.number
        )
        rows.append([Button(_("🔔 Notify me"), url=link)])
    return keyboard(rows) if rows else None


def _phase_buttons(_: Translate, card: TopicCard) -> list[list[Button]]:
    topic = card.topic
    if topic.status == Status.PROPOSED:
        return [
            [
                Button(
                    fill(_(N_("🙋 Second ({count})")), {"count": card.supporters}),
                    data=callbacks.support(topic.number),
                ),
                Button(_("✅ Accept (convenor)"), data=callbacks.accept(topic.number)),
            ]
        ]
    if topic.status == Status.DELIBERATING:
        rows = []
        if card.views_open:
            rows.append(
                [
                    Button(_(STANCE_LABEL[s]), data=callbacks.view(topic.number, s))
                    for s in (Stance.SUPPORT, Stance.OPPOSE)
                ]
            )
            rows.append(
                [
                    Button(_(STANCE_LABEL[s]), data=callbacks.view(topic.number, s))
                    for s in (Stance.CONCERN, Stance.SUGGESTION)
                ]
            )
        last = [Button(_("📋 All views"), data=callbacks.list_views(topic.number))]
        if card.views_open and card.settings.anonymous_views and card.bot_username:
            last.insert(
                0,
                Button(
                    _("🕶 Anonymous view"),
                    url=callbacks.start_link(
                        card.bot_username,
                        callbacks.Link.ANONYMOUS_VIEW,
                        topic.chat_id,
                        topic.number,
                    ),
                ),
            )
        rows.append(last)
        return rows
    return []


def rule_text(_: Translate, state: VoteState) -> str:
    vote = state.vote
    t = lambda msgid, **kw: fill(_(msgid), kw, _)  # noqa: E731
    blocks = (
        _("no block allowed")
        if vote.blocks_allowed == 0
        else t(N_("at most {n} blocks"), n=vote.blocks_allowed)
    )
    threshold = parse_threshold(vote.threshold)
    rule = (
        N_(
            "Adopted if at least {quorum} of {eligible} members vote, agree is more than {threshold} of agree + disagree + block (a tie does not pass), and {blocks}."
        )
        if threshold.strict
        else N_(
            "Adopted if at least {quorum} of {eligible} members vote, agree reaches {threshold} of agree + disagree + block, and {blocks}."
        )
    )
    return t(
        rule,
        quorum=vote.quorum,
        eligible=vote.eligible,
        threshold=vote.threshold.lstrip(">＞"),
        blocks=Html(esc(blocks)),
    )


def tally_line(_: Translate, state: VoteState) -> str:
    tally = state.tally
    return " · ".join(f"{_(CHOICE_LABEL[c])} {getattr(tally, c.value)}" for c in Choice)


def turnout_line(_: Translate, state: VoteState) -> str:
    """Ballots against the quorum, in people; and once the quorum is reached, that it is."""
    t = lambda msgid, **kw: fill(_(msgid), kw, _)  # noqa: E731
    cast, quorum = state.tally.cast, state.vote.quorum
    if cast >= quorum:
        return t(
            N_("{count} voted so far; the quorum of {quorum} is reached."),
            count=cast,
            quorum=quorum,
        )
    return t(N_("{count} voted so far; at least {quorum} needed."), count=cast, quorum=quorum)


def ballot_card(
    _: Translate,
    state: VoteState,
    settings: GroupSettings,
    bot_username: str,
    in_group: bool = True,
    now: datetime | None = None,
) -> tuple[str, Keyboard | None]:
    vote = state.vote
    t = lambda msgid, **kw: fill(_(msgid), kw, _)  # noqa: E731
    lines = [
        t(
            N_("<b>Vote on topic #{number}: {title}</b>"),
            number=state.topic.number,
            title=state.topic.title,
        ),
        # One number per draft (issue 12): an amendment names the draft it changes.
        t(
            N_("Draft {draft}, amending draft {parent}:"),
            draft=state.draft.number,
            parent=state.draft.parent_no,
        )
        if state.draft.parent_no
        else t(N_("Draft {draft}:"), draft=state.draft.number),
        f"<blockquote>{esc(state.draft.text)}</blockquote>",
        rule_text(_, state),
    ]
    if vote.secret:
        lines.append(
            _(
                "Secret ballot: nobody sees who chose what; this card shows only how many have voted."
            )
        )
        if vote.typed_ballot_stays and vote.is_open and in_group:
            # The bot may not delete messages here: /ballot typed in the group would show it.
            lines.append(
                _(
                    "To vote secretly, press a button below or “🗳 Vote in private”; do not type /ballot here: I cannot delete it, so everyone would read it."
                )
            )
    if vote.is_open:
        lines.append(t(N_("Closes {when}."), when=at(vote.closes_at, settings, now)))
        lines.append(turnout_line(_, state))
        lines.append(_("You can change your ballot until the vote closes."))
        rows = [
            [
                Button(
                    _(CHOICE_LABEL[c]),
                    data=callbacks.ballot(state.topic.number, vote.id, c),
                )
                for c in pair
            ]
            for pair in ((Choice.AGREE, Choice.ABSTAIN), (Choice.DISAGREE, Choice.BLOCK))
        ]
        # Disagreeing needs no reason; one may be given (a block's is asked before it counts).
        rows.append(
            [
                Button(
                    _("✍ Why I disagree (optional)"),
                    data=callbacks.reason(state.topic.number, vote.id),
                )
            ]
        )
        if bot_username and in_group:
            link = callbacks.start_link(
                bot_username, callbacks.Link.PRIVATE_BALLOT, state.topic.chat_id, state.topic.number
            )
            rows.append([Button(_("🗳 Vote in private"), url=link)])
        markup = keyboard(rows)
        return "\n".join(lines), markup
    lines.append(_("This vote is closed."))
    lines.append(tally_line(_, state))
    return "\n".join(lines), None


def check(ok: bool) -> str:
    return "✅" if ok else "❌"


def result_card(_: Translate, closed: Closed, names: dict[int, str]) -> str:
    state, outcome = closed.state, closed.outcome
    t = lambda msgid, **kw: fill(_(msgid), kw, _)  # noqa: E731
    headline = (
        N_("<b>Topic #{number} adopted: {title}</b>")
        if outcome.adopted
        else N_("<b>Topic #{number} not adopted: {title}</b>")
    )
    lines = [
        t(headline, number=state.topic.number, title=state.topic.title),
        f"<blockquote>{esc(state.draft.text)}</blockquote>",
        tally_line(_, state),
        _rules_met(_, outcome, state),
    ]
    if closed.hands is not None:
        hands = closed.hands
        lines.append(
            t(
                N_(
                    "🙋 Counted with a show of hands at the meeting (agree {agree}, abstain {abstain}, disagree {disagree}, block {block}), recorded by {name}."
                ),
                agree=hands.agree,
                abstain=hands.abstain,
                disagree=hands.disagree,
                block=hands.block,
                name=names.get(hands.recorded_by, "?"),
            )
        )
    if outcome.adopted:
        closing = _("Next: a convenor adds the actions to carry it out with /action.")
    else:
        closing = t(
            N_(
                "A convenor may start a new round with /round {number} views or /round {number} drafts, or close the topic with /end {number}."
            ),
            number=state.topic.number,
        )
    if closed.dissent:
        # "{name}: {text}" through the catalog: 王秀英：…, full-width in Chinese.
        notes = [
            "• "
            + (
                esc(clip(b.reason or "", 300))
                if state.vote.secret
                else fill(
                    _(N_("{name}: {text}")),
                    {"name": names.get(b.user_id, "?"), "text": clip(b.reason or "", 300)},
                )
            )
            for b in closed.dissent
        ]
        heading = _("<b>Minority note</b>")
        # The wording and the outcome always fit; the reasons take what room is left.
        kept, left_out = fit_items([*lines, heading, closing, "…"], notes)
        lines += [heading, *kept]
        if left_out:
            lines.append(
                t(
                    N_("… and {count} more reasons, in the minutes (shangliang export)."),
                    count=left_out,
                )
            )
    lines.append(closing)
    return "\n".join(lines)


def _rules_met(_: Translate, outcome: Outcome, state: VoteState) -> str:
    t = lambda msgid, **kw: fill(_(msgid), kw, _)  # noqa: E731
    share = outcome.agree_share
    share_text = f"{float(share) * 100:.0f}%" if share is not None else "—"
    return "\n".join(
        [
            t(
                N_("{mark} Quorum: {cast} ballots cast, {needed} needed"),
                mark=check(outcome.quorum_met),
                cast=outcome.tally.cast,
                needed=outcome.quorum_required,
            ),
            t(
                N_("{mark} Threshold: {share} agree, {threshold} needed"),
                mark=check(outcome.threshold_met),
                share=share_text,
                threshold=(
                    t(N_("more than {share}"), share=state.vote.threshold.lstrip(">＞"))
                    if outcome.strict
                    else state.vote.threshold
                ),
            ),
            t(
                N_("{mark} Blocks: {blocks}, at most {allowed} allowed"),
                mark=check(outcome.blocks_ok),
                blocks=outcome.tally.block,
                allowed=outcome.blocks_allowed,
            ),
        ]
    )


def views_list(
    _: Translate, topic: TopicRow, groups: dict[str, list[ViewRow]], names: dict[int, str]
) -> tuple[str, list[str]]:
    t = lambda msgid, **kw: fill(_(msgid), kw, _)  # noqa: E731
    total = sum(len(v) for v in groups.values())
    header = t(
        N_("<b>Views on topic #{number}: {title}</b> ({total})"),
        number=topic.number,
        title=topic.title,
        total=total,
    )
    items = []
    for stance in Stance:
        views = groups.get(stance.value, [])
        # Brackets as the language writes them: 👍 支持（1）, 👍 Support (1).
        items.append(
            "\n<b>"
            + t(N_("{stance} ({count})"), stance=Msg(STANCE_LABEL[stance]), count=len(views))
            + "</b>"
        )
        for view in views:
            author = _("anonymous") if view.anonymous else names.get(view.author_id, "?")
            items.append(f"{view.number}. {view_body(view)} — <i>{esc(author)}</i>")
    return header, items


def view_body(view: ViewRow) -> str:
    """A view's text in a list; a voice note as 🎤 and its length (a link to the member's
    message where there is one), then its caption if any: the bot cannot transcribe it."""
    text = esc(clip(view.text, 600))
    if view.voice_duration is None:
        return text
    length = clock_length(view.voice_duration)
    if view.voice_link:
        length = f'<a href="{html.escape(view.voice_link)}">{length}</a>'
    return f"🎤 {length} {text}" if text else f"🎤 {length}"


def drafts_list(
    _: Translate,
    topic: TopicRow,
    drafts: list[DraftRow],
    names: dict[int, str],
    settings: GroupSettings,
) -> tuple[str, list[str]]:
    t = lambda msgid, **kw: fill(_(msgid), kw, _)  # noqa: E731
    header = t(
        N_("<b>Drafts of topic #{number}: {title}</b>"), number=topic.number, title=topic.title
    )
    items = []
    for draft in drafts:
        origin = (
            t(N_("amends draft {parent}"), parent=draft.parent_no) if draft.parent_no else _("new")
        )
        items.append(
            t(
                N_("<b>Draft {draft}</b> ({origin}) by {name}, {when}:"),
                draft=draft.number,
                origin=Html(origin),
                name=names.get(draft.author_id, "?"),
                when=when(draft.created_at, settings),
            )
            + f"\n<blockquote>{esc(clip(draft.text, 1500))}</blockquote>"
        )
    if not drafts:
        items.append(_("No drafts yet: propose one with /draft."))
    return header, items


def draft_posted(_: Translate, topic: TopicRow, draft: DraftRow, name: str) -> str:
    t = lambda msgid, **kw: fill(_(msgid), kw, _)  # noqa: E731
    return "\n".join(
        [
            t(
                N_("<b>Draft {draft}</b> for topic #{number}, amending draft {parent}, by {name}:"),
                draft=draft.number,
                number=topic.number,
                parent=draft.parent_no,
                name=name,
            )
            if draft.parent_no
            else t(
                N_("<b>Draft {draft}</b> for topic #{number} by {name}:"),
                draft=draft.number,
                number=topic.number,
                name=name,
            ),
            f"<blockquote>{esc(draft.text)}</blockquote>",
            t(
                N_(
                    "To change it, reply to this message with /amend and the new wording. A convenor puts it to the vote with /vote {number} {draft}."
                ),
                number=topic.number,
                draft=draft.number,
            ),
        ]
    )


def topics_list(_: Translate, topics: list[TopicRow]) -> tuple[str, list[str]]:
    header = _("<b>Open topics</b>")
    if not topics:
        return header, [_("No open topics. Propose one with /propose.")]
    items = []
    for status in (
        Status.PROPOSED,
        Status.DELIBERATING,
        Status.VOTING,
        Status.NOT_ADOPTED,
        Status.ADOPTED,
        Status.FOLLOWING_UP,
    ):
        group = [t for t in topics if t.status == status]
        if group:
            items.append(f"\n<b>{esc(status_text(_, status))}</b>")
            items.extend(f"#{t.number} {esc(clip(t.title, 100))}" for t in group)
    return header, items
