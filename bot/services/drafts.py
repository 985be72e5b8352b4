"""Consensus wording (精准建言献策): drafts and their amended versions, with who changed what."""

from __future__ import annotations

from dataclasses import dataclass

from bot.errors import UserError
from bot.events import DraftChanged
from bot.i18n import N_
from bot.rules.permissions import Action
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
from bot.services.prompts import display_name
from storage import Tx, message_records
from storage import chats as chat_repo
from storage import drafts as repo
from storage import topics as topic_repo
from storage import votes as vote_repo
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
        await link_message(tx, actor, message_records.DRAFT, draft.id)
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
        await link_message(tx, actor, message_records.DRAFT, draft.id)
        return topic, parent, draft

    return await run_unit(rt, actor, work)


@dataclass(frozen=True)
class Edited:
    """What an edited message changed in the draft it made (`changed` False: nothing)."""

    topic: TopicRow
    draft: DraftRow
    changed: bool


async def edit_from_message(
    rt: Runtime, actor: Actor, draft_id: int, text: str, number: int | None = None
) -> Edited:
    """The author edited the message that made draft `draft_id` (/draft or /amend): its
    wording follows while drafts are taken and no vote was opened on it; the history keeps the
    old and the new, and the bot's post of the draft follows (DraftChanged). `number`, the
    topic an edited /draft names, must be the draft's own."""
    text = bounded(text, TEXT_MAX, N_("draft"))
    now = rt.clock.now()

    async def work(tx: Tx) -> Edited:
        draft = await repo.get_draft_by_id(tx, draft_id)
        topic = await topic_repo.get_topic_by_id(tx, draft.topic_id) if draft else None
        if draft is None or topic is None:
            raise UserError(N_("This message no longer stands for a draft."))
        if number is not None and number != topic.number:
            raise UserError(MOVED, was=topic.number, number=number)
        authorize_edit(
            Action.EDIT_DRAFT,
            topic,
            actor,
            N_(
                "Too late to edit draft {draft}: topic #{number} is {status} now, so it stays as it was."
            ),
            draft=draft.number,
        )
        if await vote_repo.draft_was_put_to_vote(tx, topic.id, draft.number):
            raise UserError(
                N_(
                    "Too late to edit draft {draft}: it has been put to the vote, so it stays as it was."
                ),
                draft=draft.number,
            )
        if text == draft.text:
            return Edited(topic, draft, False)
        await repo.set_text(tx, draft.id, text)
        await topic_repo.record(
            tx,
            topic.id,
            now,
            actor.user_id,
            "draft_edited",
            {"draft": draft.number, "old": draft.text, "new": text},
        )
        rt.events.publish(tx, DraftChanged(topic.chat_id, draft.id))
        return Edited(topic, await repo.get_draft_by_id(tx, draft.id), True)

    return await run_unit(rt, actor, work)


async def posted(rt: Runtime, draft_id: int) -> tuple[TopicRow, DraftRow, str] | None:
    """A draft as the bot posted it: its topic, itself and its author's name."""

    async def work(tx: Tx) -> tuple[TopicRow, DraftRow, str] | None:
        draft = await repo.get_draft_by_id(tx, draft_id)
        if draft is None:
            return None
        topic = await topic_repo.get_topic_by_id(tx, draft.topic_id)
        users = await chat_repo.get_users(tx, [draft.author_id])
        return topic, draft, display_name(users.get(draft.author_id))

    return await rt.db.view(work)


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
