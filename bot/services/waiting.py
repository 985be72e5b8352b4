"""Cards that wait for their group: what a command could not post because the bot may not post
there for now (restricted, writing forbidden) is posted once the chat takes messages again.

The use case has committed (the topic is proposed, the vote is open); only its card is missing.
Rather than leave it half done, or do it again on a retry, the chat pauses and the card becomes
a schedule row of its own, due now: paused rows wait (storage/schedule.py), and the row runs
when the chat resumes (handlers/rights.py), posting the card as it is then.
"""

from __future__ import annotations

from bot.runtime import Runtime
from bot.services.kinds import BALLOT_CARD, MEETING_CARD, TOPIC_CARD
from storage import Tx, schedule
from storage import chats as chat_repo

CARD_KINDS = {"topic": TOPIC_CARD, "ballot": BALLOT_CARD, "meeting": MEETING_CARD}


async def hold_card(
    rt: Runtime, chat_id: int, card: str, ref_id: int, was: int | None = None
) -> bool:
    """The chat refused `card` ("topic": ref_id a topic id; "ballot": a vote id; "meeting": a
    meeting id): pause the
    chat and keep the card waiting, once (a second refusal of the same card adds nothing).
    `was`: the card message the topic had then (the row posts nothing if another card has been
    posted meanwhile). True when a new row was added."""
    kind = CARD_KINDS[card]
    now = rt.clock.now()

    async def work(tx: Tx) -> bool:
        await chat_repo.set_chat_active(tx, chat_id, False)
        if await schedule.is_waiting(tx, kind, ref_id):
            return False
        await schedule.add(tx, chat_id, kind, ref_id, now, {"was": was})
        return True

    added = await rt.db.run(work)
    rt.chats.pop(chat_id, None)
    return added


async def card_posted(rt: Runtime, job_id: int, late: bool) -> bool:
    """The waiting card is in the group (or no longer needed): its row is done."""
    now = rt.clock.now()
    return await rt.db.run(lambda tx: schedule.finish(tx, job_id, now, late))
