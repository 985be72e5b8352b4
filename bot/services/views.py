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
from bot.services.common import TEXT_MAX, Actor, authorize, bounded, load_topic, run_unit
from bot.services.topics import views_open
from storage import Tx
from storage import topics as topic_repo
from storage import views as repo
from storage.topics import TopicRow
from storage.views import ViewRow


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
) -> tuple[TopicRow, ViewRow]:
    text = bounded(text, TEXT_MAX, N_("view"))
    if anonymous and not allow_anonymous:
        raise UserError(N_("This group does not take anonymous views."))
    now = rt.clock.now()

    async def work(tx: Tx) -> tuple[TopicRow, ViewRow]:
        topic = await load_topic(tx, chat_id, number)
        authorize(Action.VIEW, topic, actor)
        _check_open(topic, actor.when(now))
        rt.events.publish(tx, TopicChanged(chat_id, topic.id))
        view = await repo.add_view(
            tx, topic.id, actor.user_id, stance.value, text, anonymous, topic.round, now
        )
        await topic_repo.record(
            tx,
            topic.id,
            now,
            None if anonymous else actor.user_id,
            "view",
            {"view": view.number, "stance": stance.value, "anonymous": anonymous},
        )
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
            {"view": view_no},
        )
        return await repo.get_view(tx, topic.id, view_no)

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
