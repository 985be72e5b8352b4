"""The demo group's records for the page: its topics with their phase, the minutes of one
(the same Word document /minutes sends: bot/services/minutes.py) and the JSON export (the same
document `shangliang export` writes: bot/export)."""

from __future__ import annotations

from typing import Any

from bot.app import runtime_of
from bot.export import build_export, render
from bot.i18n import translator
from bot.phase_words import phase_word
from bot.services.minutes import MinutesFile, minutes_file
from standin.cast import GROUP_ID
from standin.demo import Demo


def _runtime(demo: Demo):
    if demo.app is None:
        raise LookupError("the demo is not running")
    return runtime_of(demo.app)


async def records(demo: Demo) -> list[dict[str, Any]]:
    """The demo group's topics, oldest first: number, title and phase (in words too)."""
    rt = _runtime(demo)
    _ = translator(demo.language)
    document = await _document(demo, rt)
    out = []
    for chat in document["chats"]:
        for topic in chat["topics"]:
            status = str(topic.get("status"))
            words = phase_word(status)  # the one table of phase words, as on the cards
            out.append(
                {
                    "number": topic["id"],
                    "title": topic.get("title", ""),
                    "status": status,
                    "phase": _(words),
                }
            )
    return out


async def minutes(demo: Demo, number: int) -> MinutesFile:
    """Topic `number`'s minutes (.docx); LookupError when there is no such topic."""
    rt = _runtime(demo)
    from bot.errors import UserError

    try:
        return await minutes_file(rt, GROUP_ID, None, number, checked=True)
    except UserError as exc:
        raise LookupError(str(exc)) from None


async def export_json(demo: Demo) -> str:
    """The demo group's record as `shangliang export --format json` writes it."""
    rt = _runtime(demo)
    defaults = rt.settings.defaults.model_dump(mode="json")
    now = rt.clock.now()
    export = await rt.db.view(lambda tx: build_export(tx, defaults, GROUP_ID, now))
    return render(export, "json")


async def _document(demo: Demo, rt) -> dict[str, Any]:
    defaults = rt.settings.defaults.model_dump(mode="json")
    now = rt.clock.now()
    export = await rt.db.view(lambda tx: build_export(tx, defaults, GROUP_ID, now))
    return export.document
