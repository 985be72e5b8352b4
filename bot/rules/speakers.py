"""Who is speaking: a person, or a name that many people share.

Telegram lets a member write in a group as themselves, as a channel (their own, or the channel
linked to the group), or, as an anonymous administrator, as the group itself; the channel linked
to a group also posts into it automatically. Deliberation counts one person, one voice, so only
a person may second, voice a view, vote or rate (bot.rules.permissions: Who.EACH_MEMBER); a
channel may do nothing at all, and is asked to post as the person behind it.
"""

from __future__ import annotations

from datetime import timedelta
from enum import Enum

# Telegram's user id for GroupAnonymousBot: the `from` of every message an anonymous
# administrator writes as the group (the Bot API documents the account by name).
GROUP_ANONYMOUS_BOT_ID = 1087968824


class Speaker(Enum):
    PERSON = "person"  # a member writing as themselves (or anyone pressing a button)
    GROUP = "group"  # an anonymous administrator: every one of them writes as the group
    CHANNEL = "channel"  # a member writing as a channel, the group's linked channel included
    AUTOMATIC = "automatic"  # a post of the linked channel, forwarded into the group by Telegram


# A channel identity is asked to post as a person once in this while, per group: often enough
# that someone trying again later is told again, rarely enough that a busy channel is no bother.
ASK_CHANNEL_AGAIN_AFTER = timedelta(hours=1)


def speaker_of(
    chat_id: int,
    sender_chat_id: int | None,
    automatic_forward: bool = False,
) -> Speaker:
    """Who writes a message in chat `chat_id`, from its `sender_chat` (Telegram sets it when a
    message is written on behalf of a chat) and its `is_automatic_forward` flag. A button press
    has no sender chat: the person who pressed is always known."""
    if automatic_forward:
        return Speaker.AUTOMATIC
    if sender_chat_id is None:
        return Speaker.PERSON
    if sender_chat_id == chat_id:
        return Speaker.GROUP
    return Speaker.CHANNEL


def is_current_member(status: str, is_member: bool | None = None) -> bool:
    """Is someone with this getChatMember `status` in the group now? Members, administrators
    and the creator are; someone restricted is while `is_member` (Telegram keeps restrictions of
    people who have left); someone who left or was banned is not."""
    if status in ("creator", "administrator", "member"):
        return True
    return status == "restricted" and bool(is_member)


def is_administrator(status: str) -> bool:
    """A getChatMember status that makes someone a convenor without being named one."""
    return status in ("creator", "administrator")
