"""The form of a consultation (选择最优协商路径): a convenor sets it (/form N roundtable); when the
views of a topic close the bot suggests one by the rule in bot/rules/forms.py, with its reason.

A pending referral to a members' group (issue 13, 两商衔接) makes the rule suggest a roundtable:
whoever keeps referrals registers a probe in `REFERRAL_PROBES` (a function of the transaction
and the topic's row id that says whether one is pending); with none registered, none is.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.errors import Msg, UserError
from bot.events import TopicChanged
from bot.i18n import N_
from bot.rules.forms import (
    DEFAULT,
    OFFLINE,
    Form,
    Reason,
    Seen,
    Suggestion,
    parse_form,
    suggest,
)
from bot.rules.permissions import Action
from bot.runtime import Runtime
from bot.services.common import Actor, authorize, load_topic, run_unit
from storage import Tx
from storage import consultations as consultation_repo
from storage import forms as repo
from storage import links as link_repo
from storage import topics as topic_repo
from storage.topics import TopicRow

FORM_TEXT = {
    Form.ONLINE: N_("online deliberation"),
    Form.ROUNDTABLE: N_("roundtable talk"),
    Form.UNDER_TREE: N_("chat under the tree"),
    Form.OPEN_DOOR: N_("open-door consultation"),
}
# The word a convenor types for each form, in the group's language (parse_form takes both).
FORM_WORD = {
    Form.ONLINE: N_("online"),
    Form.ROUNDTABLE: N_("roundtable"),
    Form.UNDER_TREE: N_("under_tree"),
    Form.OPEN_DOOR: N_("open_door"),
}
REASON_TEXT = {
    Reason.REFERRAL: N_(
        "it waits on a referral to a members' group: the members, the departments concerned and the village at one table."
    ),
    Reason.NOBODY: N_("nobody gave a view online: talk it over where people gather."),
    Reason.FEW: N_(
        "only {participants} of {size} members gave a view online: meet where people gather to hear the others too."
    ),
    Reason.SPLIT: N_(
        "the views are split ({support} for, {against} against or worried): bring both sides to one table."
    ),
    Reason.WIDE: N_(
        "{participants} people took part and concerns remain ({against} of {sides} views): open the door to every resident and department concerned."
    ),
    Reason.MEMBERS_QUIET: N_(
        "only {participants} took part: in a members' group, bring the members and the departments concerned to one table."
    ),
    Reason.EARLY: N_(
        "only {views} views so far, too few to tell whether people agree: the group chat serves for now."
    ),
    Reason.AGREED: N_(
        "{participants} people took part and the views mostly agree: the group chat serves."
    ),
}
FORM_EXAMPLE = N_(
    "For example: /form 1 roundtable. The forms: online (online deliberation), roundtable, under_tree (a chat under the tree), open_door (open-door consultation)."
)

# Whether a referral of the topic (its row id) to a members' group is pending; see the module.
ReferralProbe = Callable[[Tx, int], Awaitable[bool]]
REFERRAL_PROBES: list[ReferralProbe] = []

__all__ = ["OFFLINE", "REFERRAL_PROBES", "form_name", "set_form", "suggestion_for"]


def form_name(form: str | None) -> Msg:
    """The form's name as the group reads it (a message id, translated when filled in)."""
    try:
        return Msg(FORM_TEXT[Form(form or DEFAULT)])
    except ValueError:
        return Msg(FORM_TEXT[DEFAULT])


@dataclass(frozen=True)
class FormSet:
    topic: TopicRow
    form: Form
    previous: Form
    changed: bool


async def set_form(rt: Runtime, chat_id: int, actor: Actor, number: int, word: str) -> FormSet:
    """A convenor sets the form of topic `number` (any phase after acceptance, while open).
    The history keeps each change ("form_set": {form, from}); the card follows.
    Raises UserError for a word that names no form, or for who or when."""
    form = parse_form(word)
    if form is None:
        raise UserError(FORM_EXAMPLE)
    now = rt.clock.now()

    async def work(tx: Tx) -> FormSet:
        topic = await load_topic(tx, chat_id, number)
        authorize(Action.SET_FORM, topic, actor)
        previous = Form(await repo.current_form(tx, topic.id) or DEFAULT)
        if previous is form:
            return FormSet(topic, form, previous, False)
        await topic_repo.record(
            tx,
            topic.id,
            now,
            actor.user_id,
            repo.FORM_EVENT,
            {"form": form.value, "from": previous.value},
        )
        rt.events.publish(tx, TopicChanged(chat_id, topic.id))
        return FormSet(topic, form, previous, True)

    return await run_unit(rt, actor, work)


async def form_of(rt: Runtime, topic_id: int) -> Form:
    """The topic's form now (online unless a convenor set another)."""
    found = await rt.db.view(lambda tx: repo.current_form(tx, topic_id))
    return Form(found or DEFAULT)


async def referral_pending(tx: Tx, topic_id: int) -> bool:
    """Does any registered probe say a referral of the topic is pending?"""
    for probe in REFERRAL_PROBES:
        if await probe(tx, topic_id):
            return True
    return False


@dataclass(frozen=True)
class Suggested:
    """A suggestion and what it was made from (for its reason's words)."""

    suggestion: Suggestion
    seen: Seen
    current: Form


async def suggestion_for(rt: Runtime, topic: TopicRow, group_size: int | None) -> Suggested:
    """The form the rule suggests for `topic` now, from what the bot sees: its views this round
    and the answers to its consultations in linked villages (both count as taking part, by
    stance), the group's size (`group_size`, members without bots; None when Telegram did not
    say), any pending referral, and whether the group is a members' group."""

    async def work(tx: Tx) -> Suggested:
        answerers, answer_stances = await _consultation_answers(tx, topic.id)
        stances = Counter(await repo.round_stances(tx, topic.id, topic.round))
        stances.update(answer_stances)
        seen = Seen(
            participants=await repo.view_givers(tx, topic.id, topic.round) + answerers,
            group_size=group_size,
            stances=dict(stances),
            referral_pending=await referral_pending(tx, topic.id),
            members_group=any(
                link.members_chat_id == topic.chat_id
                for link in await link_repo.live_links(tx, topic.chat_id)
            ),
        )
        current = Form(await repo.current_form(tx, topic.id) or DEFAULT)
        return Suggested(suggest(seen), seen, current)

    return await rt.db.view(work)


async def _consultation_answers(tx: Tx, topic_id: int) -> tuple[int, Counter[str]]:
    """Villagers who answered the topic's consultations, and their answers by stance."""
    who: set[tuple[int, int]] = set()
    stances: Counter[str] = Counter()
    for consultation in await consultation_repo.of_topic(tx, topic_id):
        for answer in await consultation_repo.answers(tx, consultation.id):
            who.add((consultation.village_chat_id, answer.user_id))
            stances[answer.stance] += 1
    return len(who), stances


def reason_params(seen: Seen) -> dict[str, int]:
    """The numbers a reason's words name."""
    return {
        "views": seen.views,
        "participants": seen.participants,
        "size": seen.group_size or 0,
        "support": seen.stances.get("support", 0),
        "against": seen.against,
        "sides": seen.taking_sides,
    }
