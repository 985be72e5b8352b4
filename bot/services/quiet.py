"""Quiet refusals: a refusal to a command in a group is read by the one who typed it, then goes.

Where the bot may delete members' messages (an administrator with can_delete_messages), its
refusal and the refused command are deleted together a minute later: the group is left neither
the refusal nor a command standing unanswered. Where it may not, both stay (the refusal explains
the command that stays). The deletion is one schedule row per refusal (it survives a restart);
nothing but those two messages is ever deleted, and a message gone already counts as deleted.
"""

from __future__ import annotations

from datetime import timedelta

from bot.runtime import Runtime
from bot.services.kinds import TIDY_REFUSAL
from storage import schedule

# How long a refusal stays for the member to read it.
REFUSAL_STAYS = timedelta(minutes=1)


async def tidy_later(rt: Runtime, chat_id: int, refusal_id: int, command_id: int | None) -> None:
    """Delete the bot's refusal `refusal_id` (and the member's command `command_id`) in a minute."""
    due = rt.clock.now() + REFUSAL_STAYS
    await rt.db.run(
        lambda tx: schedule.add(tx, chat_id, TIDY_REFUSAL, refusal_id, due, {"command": command_id})
    )


async def tidied(rt: Runtime, job_id: int, late: bool) -> bool:
    """The refusal (and its command) are gone: the row is done."""
    now = rt.clock.now()
    return await rt.db.run(lambda tx: schedule.finish(tx, job_id, now, late))
