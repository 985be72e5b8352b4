"""Comments read: the private comments on a round's ratings go, unsigned, to the convenors with
the next follow-up round (a digest of the round just closed)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.runtime import Runtime
from bot.services.chats import ChatContext, load_chat
from storage import Tx
from storage import chats as chat_repo
from storage import followup as repo
from storage import topics as topic_repo
from storage.followup import RoundRow
from storage.topics import TopicRow


@dataclass(frozen=True)
class Digest:
    """The comments of a closed round, without names: (rating, comment) each."""

    chat: ChatContext
    topic: TopicRow
    round: RoundRow  # the round the comments were made on
    comments: list[tuple[str, str]]
    named_convenors: list[int]  # the group's convenors named with /convenor


async def comment_digest(rt: Runtime, round_id: int) -> Digest | None:
    """The digest that goes with the card of round `round_id`: the comments of the round before
    it. None when that round had none (or there is no round before)."""

    async def work(tx: Tx) -> Digest | None:
        previous = await repo.round_before(tx, round_id)
        if previous is None:
            return None
        comments = await repo.round_comments(tx, previous.id)
        topic = await topic_repo.get_topic_by_id(tx, previous.topic_id)
        chat = await load_chat(tx, rt, topic.chat_id) if topic else None
        if not comments or chat is None:
            return None
        named = await chat_repo.named_convenors(tx, chat.chat_id)
        return Digest(chat, topic, previous, comments, named)

    return await rt.db.view(work)


async def reachable(rt: Runtime, user_ids: list[int]) -> list[int]:
    """Those of `user_ids` who started the bot (and have not blocked it since)."""
    return await rt.db.view(lambda tx: repo.reachable(tx, user_ids))
