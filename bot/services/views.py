"""Deliberation (深度协商议政): views by stance, public or anonymous, editable until the phase ends."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from bot.errors import UserError
from bot.events import TopicChanged
from bot.group_settings import GroupSettings
from bot.i18n import N_
from bot.rules.permissions import Action
from bot.rules.phases import Stance
from bot.runtime import Runtime
from bot.services.common import (
    MOVED,
    TEXT_MAX,
    Actor,
    authorize,
    authorize_edit,
    bounded,
    link_message,
    load_topic,
    run_unit,
)
from bot.services.topics import views_open
from storage import Tx, message_records
from storage import topics as topic_repo
from storage import views as repo
from storage.topics import TopicRow
from storage.views import ViewRow, Voice


@dataclass(frozen=True)
class ViewsByStance:
    topic: TopicRow
    groups: dict[str, list[ViewRow]]

    @property
    def total(self) -> int:
        return sum(len(v) for v in self.groups.values())


def _check_open(topic: TopicRow, now) -> None:
    if not views_open(topic, now):
        raise UserError(N_("Views on topic #{number} are closed."), number=topic.number)


async def add_view(
    rt: Runtime,
    chat_id: int,
    actor: Actor,
    number: int,
    stance: Stance,
    text: str,
    anonymous: bool = False,
    allow_anonymous: bool = True,
    voice: Voice | None = None,
) -> tuple[TopicRow, ViewRow]:
    """A view; `voice` when it was given as a voice note (its text is then the caption, if
    any). The member's message that gave it is linked to it, for an edit to find."""
    text = _view_text(text, voice is not None)
    if anonymous and not allow_anonymous:
        raise UserError(N_("This group does not take anonymous views."))
    now = rt.clock.now()

    async def work(tx: Tx) -> tuple[TopicRow, ViewRow]:
        topic = await load_topic(tx, chat_id, number)
        authorize(Action.VIEW, topic, actor)
        _check_open(topic, actor.when(now))
        rt.events.publish(tx, TopicChanged(chat_id, topic.id))
        view = await repo.add_view(
            tx, topic.id, actor.user_id, stance.value, text, anonymous, topic.round, now, voice
        )
        detail = {"view": view.number, "stance": stance.value, "anonymous": anonymous}
        if voice is not None:
            detail["voice"] = voice.duration
        await topic_repo.record(
            tx, topic.id, now, None if anonymous else actor.user_id, "view", detail
        )
        await link_message(tx, actor, message_records.VIEW, view.id)
        return topic, view

    return await run_unit(rt, actor, work)


async def ensure_can_view_anonymously(
    rt: Runtime, chat_id: int, number: int, settings: GroupSettings
) -> TopicRow:
    """Before asking in private for an anonymous view: does the group take anonymous views
    (its setting), and does the topic take views now? Raises UserError saying which not."""
    if not settings.anonymous_views:
        raise UserError(N_("This group does not take anonymous views."))
    topic = await rt.db.view(lambda tx: load_topic(tx, chat_id, number))
    if not views_open(topic, rt.clock.now()):
        raise UserError(N_("Views on topic #{number} are closed."), number=number)
    return topic


async def ensure_can_view(rt: Runtime, chat_id: int, actor: Actor, number: int) -> TopicRow:
    """Before asking someone to write a view: would it be taken?"""
    topic = await rt.db.view(lambda tx: load_topic(tx, chat_id, number))
    authorize(Action.VIEW, topic, actor)
    _check_open(topic, rt.clock.now())
    return topic


async def change_view(
    rt: Runtime,
    chat_id: int,
    actor: Actor,
    number: int,
    view_no: int,
    text: str | None,
    in_private: bool = False,
) -> ViewRow:
    """New text, or retract when text is None; only the author, only while views are open."""
    if text is not None:
        text = bounded(text, TEXT_MAX, N_("view"))
    now = rt.clock.now()

    async def work(tx: Tx) -> ViewRow:
        topic = await load_topic(tx, chat_id, number)
        authorize(Action.EDIT_VIEW, topic, actor)
        _check_open(topic, actor.when(now))
        view = await repo.get_view(tx, topic.id, view_no)
        if view is None or view.retracted:
            raise UserError(N_("Topic #{number} has no view {view}."), number=number, view=view_no)
        if view.anonymous and not in_private:
            # Asked before the author check, so that the answer is the same for everyone: in
            # the group it would otherwise show whose view it is.
            raise UserError(
                N_(
                    "View {view} is anonymous: change it in our private chat, so nobody sees it is yours."
                ),
                view=view_no,
            )
        if view.author_id != actor.user_id:
            raise UserError(N_("Only its author can change view {view}."), view=view_no)
        await repo.update_view(tx, view.id, text, retracted=text is None, now=now)
        rt.events.publish(tx, TopicChanged(chat_id, topic.id))
        await topic_repo.record(
            tx,
            topic.id,
            now,
            None if view.anonymous else actor.user_id,
            "view_retracted" if text is None else "view_edited",
            {"view": view_no} if text is None else {"view": view_no, "old": view.text, "new": text},
        )
        return await repo.get_view(tx, topic.id, view_no)

    return await run_unit(rt, actor, work)


# A supergroup's (or channel's) id is -100 followed by its id inside Telegram's links.
_SUPERGROUP_PREFIX = -1_000_000_000_000


def message_link(chat_id: int, message_id: int) -> str | None:
    """The link that opens a member's message for the members of its group: t.me/c/... in a
    supergroup; None in a basic group (its messages have no links) or a private chat."""
    if chat_id > _SUPERGROUP_PREFIX:
        return None
    return f"https://t.me/c/{_SUPERGROUP_PREFIX - chat_id}/{message_id}"


def _view_text(text: str, voice: bool) -> str:
    """A view's text, trimmed and within bounds; a voice view's may be empty (no caption)."""
    if voice and not text.strip():
        return ""
    return bounded(text, TEXT_MAX, N_("view"))


@dataclass(frozen=True)
class Edited:
    """What an edited message changed in the view it gave (`changed` False: nothing)."""

    topic: TopicRow
    view: ViewRow
    changed: bool


async def edit_from_message(
    rt: Runtime,
    actor: Actor,
    view_id: int,
    text: str,
    stance: Stance | None = None,
    number: int | None = None,
) -> Edited:
    """The author edited the message that gave view `view_id`: its text (and the stance, when
    an edited /view names one) follow while views are open; the history keeps the old and the
    new. `number`, the topic an edited /view names, must be the view's own."""
    now = rt.clock.now()

    async def work(tx: Tx) -> Edited:
        view = await repo.get_view_by_id(tx, view_id)
        topic = await topic_repo.get_topic_by_id(tx, view.topic_id) if view else None
        if view is None or topic is None:
            raise UserError(N_("This message no longer stands for a view."))
        # A view merged into another topic still answers to the number it was written for.
        if number is not None and number not in (topic.number, await repo.origin(tx, view.id)):
            raise UserError(MOVED, was=topic.number, number=number)
        new_text = _view_text(text, view.is_voice)
        if view.retracted:
            raise UserError(
                N_("View {view} was retracted: an edit does not bring it back."), view=view.number
            )
        too_late = N_(
            "Too late to edit view {view}: views on topic #{number} are closed, so it stays as it was."
        )
        authorize_edit(Action.EDIT_VIEW, topic, actor, too_late, view=view.number)
        if not views_open(topic, actor.when(now)):
            raise UserError(too_late, number=topic.number, view=view.number)
        new_stance = stance.value if stance is not None else view.stance
        if new_text == view.text and new_stance == view.stance:
            return Edited(topic, view, False)
        await repo.update_view(tx, view.id, new_text, retracted=False, now=now, stance=new_stance)
        rt.events.publish(tx, TopicChanged(topic.chat_id, topic.id))
        detail: dict[str, object] = {"view": view.number, "old": view.text, "new": new_text}
        if new_stance != view.stance:
            detail.update(old_stance=view.stance, stance=new_stance)
        await topic_repo.record(
            tx, topic.id, now, None if view.anonymous else actor.user_id, "view_edited", detail
        )
        return Edited(topic, await repo.get_view_by_id(tx, view.id), True)

    return await run_unit(rt, actor, work)


async def by_stance(rt: Runtime, chat_id: int, number: int) -> ViewsByStance:
    async def work(tx: Tx) -> tuple[TopicRow, list[ViewRow]]:
        topic = await load_topic(tx, chat_id, number)
        return topic, await repo.list_views(tx, topic.id)

    topic, views = await rt.db.view(work)
    groups: dict[str, list[ViewRow]] = defaultdict(list)
    for view in views:
        groups[view.stance].append(view)
    return ViewsByStance(topic, {s.value: groups.get(s.value, []) for s in Stance})
