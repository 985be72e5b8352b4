"""Forum groups: where a message goes, and when a topic's own thread opens and closes.

A forum supergroup has threads (Telegram calls them forum topics; here "thread", so as not to
confuse them with 议题). General is not a thread: a message for General goes without
message_thread_id (Telegram refuses General's id, 1, with "message thread not found").

- A reply to a command goes to the thread the command came from (`thread_of_message`).
- Every other message about a 议题 goes to the thread where it lives (`topic_thread`): the one
  it was proposed in, or, once accepted, the thread the bot opened for it.
- On acceptance a 议题 gets its own thread, named "#N title", when the group is a forum, its
  `topic_threads` setting is on and the bot may manage topics (`wants_own_thread`).
- Its own thread is open while the 议题 is alive and closed when it ends (`thread_open`):
  closed, declined, withdrawn, merged into another, escalated to mediation, or done (every
  action carried out). Ratings on the final card are buttons, which work in a closed thread;
  /reopen brings a done 议题 back, and its thread with it.
"""

from __future__ import annotations

from bot.rules.phases import Status

# Telegram's limit on a forum topic's name.
NAME_MAX = 128
# General's id, which Telegram never takes as a message_thread_id.
GENERAL_ID = 1
# The statuses in which a 议题 has ended: its own thread is closed.
ENDED = frozenset(
    {
        Status.CLOSED,
        Status.DECLINED,
        Status.WITHDRAWN,
        Status.MERGED,
        Status.ESCALATED,
        Status.DONE,
    }
)


def thread_of_message(
    is_forum: bool, message_thread_id: int | None, is_topic_message: bool | None
) -> int | None:
    """The thread a member's message is in, to answer there; None for General or a group
    without threads. A reply inside General may carry the replied-to message's id as
    message_thread_id without being in a thread: only is_topic_message says it is."""
    if not is_forum or not is_topic_message or not message_thread_id:
        return None
    return None if message_thread_id == GENERAL_ID else message_thread_id


def topic_thread(is_forum: bool, thread_id: int | None) -> int | None:
    """The thread a 议题's messages go to: its own, or where it was proposed; None (General)
    once the group is no longer a forum."""
    if not is_forum or not thread_id or thread_id == GENERAL_ID:
        return None
    return thread_id


def wants_own_thread(is_forum: bool, setting_on: bool, has_own: bool) -> bool:
    """Does a 议题 being accepted get a thread of its own (if the bot may manage topics)?"""
    return is_forum and setting_on and not has_own


def may_manage_topics(status: str, can_manage_topics: bool | None) -> bool:
    """Telegram's word on the bot (getChatMember): may it open and close threads?"""
    return status == "creator" or (status == "administrator" and bool(can_manage_topics))


def thread_open(status: str) -> bool:
    """Is a 议题's own thread open in this status? Closed once it has ended (see ENDED)."""
    return status not in ENDED


def thread_name(number: int, title: str) -> str:
    """The name of a 议题's own thread: "#N title", within Telegram's 128 characters (counted
    as Telegram counts them, in UTF-16 code units), cut with an ellipsis."""
    name = " ".join(f"#{number} {title}".split())
    if _units(name) <= NAME_MAX:
        return name
    cut = ""
    for char in name:
        if _units(cut + char) > NAME_MAX - 1:
            break
        cut += char
    return cut.rstrip() + "…"


def thread_link(chat_id: int, thread_id: int | None) -> str | None:
    """A t.me link that opens the thread for members of the supergroup; None where there is
    none (General, or a chat id that is not a supergroup's)."""
    text = str(chat_id)
    if not thread_id or not text.startswith("-100"):
        return None
    return f"https://t.me/c/{text[4:]}/{thread_id}"


def _units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2
