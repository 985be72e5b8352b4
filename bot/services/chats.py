"""Chats and people: first sight, language and settings, convenors named by convenors."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from bot.errors import UserError
from bot.events import GroupChanged, TopicChanged
from bot.group_settings import GroupSettings, setting_key, setting_problem
from bot.i18n import LANGUAGES, N_, pick_language
from bot.rules.phases import Status
from bot.runtime import Runtime
from storage import Tx
from storage import chats as repo
from storage import topics as topic_repo


@dataclass(frozen=True)
class ChatContext:
    chat_id: int
    is_private: bool
    title: str
    settings: GroupSettings
    active: bool = True
    # A supergroup with threads (forum topics), as Telegram last reported it.
    is_forum: bool = False

    @property
    def language(self) -> str:
        return self.settings.language


@dataclass(frozen=True)
class Person:
    user_id: int
    first_name: str
    username: str | None = None
    language_code: str | None = None
    is_bot: bool = False


async def chat_context(
    rt: Runtime,
    chat_id: int,
    chat_type: str,
    title: str,
    user_language: str | None = None,
    is_forum: bool | None = None,
) -> ChatContext:
    """The chat as the rules see it; a private chat speaks the user's language. The title and
    the forum flag are kept as Telegram reports them on each update (`is_forum` None: the
    caller does not know; what is stored stays)."""
    cached = rt.chats.get(chat_id)
    if chat_type == "private":
        defaults = rt.settings.defaults
        language = pick_language(user_language, defaults.language)
        return ChatContext(chat_id, True, title, defaults.model_copy(update={"language": language}))
    if cached is not None and cached.title == title and is_forum in (None, cached.is_forum):
        return cached
    defaults = rt.settings.defaults.model_dump(mode="json")
    now = rt.clock.now()
    row = await rt.db.run(
        lambda tx: repo.ensure_chat(tx, chat_id, chat_type, title, now, defaults, is_forum)
    )
    context = ChatContext(
        chat_id, False, title, _settings(row.settings, rt), row.active, row.is_forum
    )
    rt.chats[chat_id] = context
    return context


def _settings(stored: dict[str, Any], rt: Runtime) -> GroupSettings:
    merged = {**rt.settings.defaults.model_dump(mode="json"), **stored}
    try:
        return GroupSettings.model_validate(merged)
    except ValidationError:
        # A stored value from an older version that no longer validates falls back to defaults.
        return rt.settings.defaults


async def load_chat(tx: Tx, rt: Runtime, chat_id: int) -> ChatContext | None:
    """For scheduled work, which has no update to learn the chat from."""
    row = await repo.get_chat(tx, chat_id)
    if row is None:
        return None
    return ChatContext(
        row.chat_id,
        row.type == "private",
        row.title,
        _settings(row.settings, rt),
        row.active,
        row.is_forum,
    )


def name_changed(rt: Runtime, person: Person) -> bool:
    """Is the stored name (as this process knows it) different from what Telegram says now?"""
    return rt.users.get(person.user_id) != (
        person.first_name,
        person.username,
        person.language_code,
    )


async def write_person(tx: Tx, rt: Runtime, person: Person) -> None:
    """Names are shown on cards. Call `person_written` once the transaction has committed."""
    await repo.upsert_user(
        tx,
        person.user_id,
        person.first_name,
        person.username,
        person.language_code,
        person.is_bot,
        rt.clock.now(),
    )


def person_written(rt: Runtime, person: Person) -> None:
    """The name is in the database: no need to write it again while it stays the same."""
    rt.users[person.user_id] = (person.first_name, person.username, person.language_code)


# Settings every card and the board show; changing one redraws them.
REDRAWN_BY = frozenset({"language", "timezone"})
# Topics whose card may still change (its buttons live).
LIVE = tuple(s.value for s in (Status.PROPOSED, Status.DELIBERATING, Status.VOTING))


async def change_setting(rt: Runtime, chat_id: int, key: str, value: str) -> GroupSettings:
    typed = key
    found = setting_key(key)  # threshold, or its Chinese name 通过比例
    if found is None:
        raise UserError(N_("There is no setting called “{key}”."), key=typed.strip())
    key = found

    async def work(tx: Tx) -> GroupSettings:
        row = await repo.get_chat(tx, chat_id)
        if row is None:
            raise UserError(N_("This chat is not known yet."))
        current = _settings(row.settings, rt).model_dump(mode="json")
        current[key] = value
        try:
            updated = GroupSettings.model_validate(current)
        except ValidationError as exc:
            # In the group's language, with an example (bot/group_settings.PROBLEMS).
            error = exc.errors()[0].get("ctx", {}).get("error")
            raise UserError(
                setting_problem(key, error if isinstance(error, BaseException) else None),
                value=value,
                key=key,
                choices=" | ".join(LANGUAGES),
            ) from None
        await repo.save_chat_settings(tx, chat_id, updated.model_dump(mode="json"))
        if key in REDRAWN_BY:
            # The board and the live cards speak the group's language and zone: redraw them
            # now, not at the next change of each (coalesced edits, one per message).
            rt.events.publish(tx, GroupChanged(chat_id))
            for topic in await topic_repo.list_topics(tx, chat_id, LIVE):
                rt.events.publish(tx, TopicChanged(chat_id, topic.id))
        return updated

    updated = await rt.db.run(work)
    rt.chats.pop(chat_id, None)
    return updated


async def set_language(rt: Runtime, chat_id: int, language: str) -> GroupSettings:
    language = language.strip().lower()
    if language not in LANGUAGES:
        raise UserError(N_("Choose a language: {choices}."), choices=" | ".join(LANGUAGES))
    return await change_setting(rt, chat_id, "language", language)


async def set_active(rt: Runtime, chat_id: int, active: bool) -> bool:
    changed = await rt.db.run(lambda tx: repo.set_chat_active(tx, chat_id, active))
    rt.chats.pop(chat_id, None)
    return changed


async def name_convenor(rt: Runtime, chat_id: int, user_id: int, by: int, add: bool) -> bool:
    now = rt.clock.now()

    async def work(tx: Tx) -> bool:
        if add:
            return await repo.add_convenor(tx, chat_id, user_id, by, now)
        return await repo.remove_convenor(tx, chat_id, user_id)

    return await rt.db.run(work)


async def is_named_convenor(rt: Runtime, chat_id: int, user_id: int) -> bool:
    return await rt.db.view(lambda tx: repo.is_named_convenor(tx, chat_id, user_id))


async def migrate_chat(rt: Runtime, old_id: int, new_id: int) -> bool:
    moved = await rt.db.run(lambda tx: repo.migrate_chat(tx, old_id, new_id))
    rt.chats.pop(old_id, None)
    rt.chats.pop(new_id, None)
    return moved


async def load_chat_context(rt: Runtime, chat_id: int) -> ChatContext | None:
    cached = rt.chats.get(chat_id)
    if cached is not None:
        return cached
    return await rt.db.view(lambda tx: load_chat(tx, rt, chat_id))


async def user_by_username(rt: Runtime, username: str) -> int | None:
    return await rt.db.view(lambda tx: repo.find_user_by_username(tx, username))
