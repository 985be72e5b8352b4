"""The minutes of one topic as a Word document (bot/export/word.py), for a convenor to file:
`/minutes N`, and the record `/escalate` sends with a matter it hands to mediation."""

from __future__ import annotations

from dataclasses import dataclass

from bot.errors import UserError
from bot.export import build_export, render_docx
from bot.i18n import NC_, translations
from bot.rules.permissions import Who
from bot.runtime import Runtime
from bot.services.common import WHO_TEXT, Actor, load_topic, run_unit
from storage import Tx

FILE_NAME = NC_("minutes: document", "minutes-topic-{number}.docx")


@dataclass(frozen=True)
class MinutesFile:
    name: str
    data: bytes


async def minutes_file(
    rt: Runtime, chat_id: int, actor: Actor | None, number: int, *, checked: bool = False
) -> MinutesFile:
    """Topic `number`'s minutes, for a convenor (`checked`: the caller has made sure of it)."""
    if not checked and (actor is None or not actor.is_convenor):
        raise UserError(WHO_TEXT[Who.CONVENOR])
    defaults = rt.settings.defaults.model_dump(mode="json")
    now = rt.clock.now()

    async def work(tx: Tx):
        await load_topic(tx, chat_id, number)  # no such topic: refused
        return await build_export(tx, defaults, chat_id, now)

    export = await run_unit(rt, actor, work)
    chats = export.document["chats"]
    language = str(chats[0].get("language")) if chats else ""
    name = translations(language).pgettext(*FILE_NAME).format(number=number)
    return MinutesFile(name, render_docx(export, number))
