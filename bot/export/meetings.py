"""The keys issue 13 adds to each topic of the export: "form" (how it was talked over),
"meetings" (offline meetings with RSVP, attendance, minutes and show of hands), "proxy_ballots"
and "escalations" (where it went, and how it was settled); and their sections in the minutes."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.export.record import TopicExtender
from storage import forms as form_repo
from storage.db import Tx
from storage.export import ExportTopic


async def _forms(tx: Tx, chat_id: int, topics: Sequence[ExportTopic]) -> dict[int, Any]:
    return await form_repo.forms_of(tx, [t.row_id for t in topics])


EXTENDERS = [
    TopicExtender("form", _forms, lambda: "online"),
]
