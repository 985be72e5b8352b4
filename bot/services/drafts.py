"""Consensus wording (精准建言献策): drafts and their amended versions, with who changed what."""

from __future__ import annotations

from bot.errors import UserError
from bot.i18n import N_
from bot.rules.permissions import Action
from bot.runtime import Runtime
from bot.services.common import TEXT_MAX, Actor, authorize, bounded, load_topic, run_unit
from storage import Tx
from storage import drafts as repo
from storage import topics as topic_repo
from storage.drafts import DraftRow
from storage.topics import TopicRow


async def add_draft(
    rt: Runtime, chat_id: int, actor: Actor, number: int, text: str
) -> tuple[TopicRow, DraftRow]:
    text = bounded(text, TEXT_MAX, N_("draft"))
    now = rt.clock.now()

    async def work(tx: Tx) -> tuple[TopicRow, DraftRow]:
        topic = await load_topic(tx, chat_id, number)
        authorize(Action.DRAFT, topic, actor)
        draft = await repo.add_draft(tx, topic.id, actor.user_id, text, now)
        await topic_repo.record(tx, topic.id, now, actor.user_id, "draft", {"draft": draft.number})
        return topic, draft

    return await run_unit(rt, actor, work)


async def amend(
    rt: Runtime, chat_id: int, actor: Actor, replied_message_id: int | None, text: str
) -> tuple[TopicRow, DraftRow, DraftRow]:
    if replied_message_id is None:
        raise UserError(N_("Reply to a draft's message with /amend and the new wording."))
    text = bounded(text, TEXT_MAX, N_("draft"))
    now = rt.clock.now()

    async def work(tx: Tx) -> tuple[TopicRow, DraftRow, DraftRow]:
        parent = await repo.draft_by_message(tx, chat_id, replied_message_id)
        if parent is None:
            raise UserError(
                N_("That message is not a draft: reply to a draft's message with /amend.")
            )
        topic = await topic_repo.get_topic_by_id(tx, parent.topic_id)
        authorize(Action.AMEND, topic, actor)
        if parent.text == text:
            raise UserError(
                N_("The new wording is the same as draft {draft}."), draft=parent.number
            )
        draft = await repo.add_draft(tx, topic.id, actor.user_id, text, now, parent=parent)
        await topic_repo.record(
            tx,
            topic.id,
            now,
            actor.user_id,
            "amended",
            {"parent": parent.number, "draft": draft.number},
        )
        return topic, parent, draft

    return await run_unit(rt, actor, work)


async def set_message(rt: Runtime, draft_id: int, message_id: int) -> None:
    await rt.db.run(lambda tx: repo.set_message(tx, draft_id, message_id))


async def list_drafts(rt: Runtime, chat_id: int, number: int) -> tuple[TopicRow, list[DraftRow]]:
    async def work(tx: Tx) -> tuple[TopicRow, list[DraftRow]]:
        topic = await load_topic(tx, chat_id, number)
        return topic, await repo.list_drafts(tx, topic.id)

    return await rt.db.view(work)


async def get_draft(
    rt: Runtime, chat_id: int, number: int, draft_no: int
) -> tuple[TopicRow, DraftRow]:
    async def work(tx: Tx) -> tuple[TopicRow, DraftRow | None]:
        topic = await load_topic(tx, chat_id, number)
        return topic, await repo.get_draft(tx, topic.id, draft_no)

    topic, draft = await rt.db.view(work)
    if draft is None:
        raise UserError(N_("Topic #{number} has no draft {draft}."), number=number, draft=draft_no)
    return topic, draft
