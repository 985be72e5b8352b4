"""The export as CSV: one row per topic, rendered from the JSON document."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from typing import Any

CSV_COLUMNS = (
    "chat_id",
    "chat_title",
    "topic_id",
    "title",
    "status",
    "proposer_id",
    "created_at",
    "supporters",
    "views",
    "drafts",
    "votes",
    "last_result",
    "adopted_text",
)


def render_csv(document: Mapping[str, Any]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for chat in document["chats"]:
        for topic in chat["topics"]:
            votes = topic["votes"]
            writer.writerow(
                (
                    chat["chat_id"],
                    _cell(chat["title"]),
                    topic["id"],
                    _cell(topic["title"]),
                    topic["status"],
                    topic["proposer_id"],
                    topic["created_at"],
                    len(topic["supporters"]),
                    sum(1 for v in topic["views"] if not v["retracted"]),
                    len(topic["drafts"]),
                    len(votes),
                    (votes[-1]["result"] or "") if votes else "",
                    _cell(adopted_text(topic) or ""),
                )
            )
    return buffer.getvalue()


def _cell(text: str) -> str:
    """A spreadsheet runs a cell that starts with = + - @ as a formula: keep user text text."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def adopted_text(topic: Mapping[str, Any]) -> str | None:
    """The wording of the draft the last adopted vote carried, if any vote carried one."""
    for vote in reversed(topic["votes"]):
        if vote["result"] == "adopted":
            for draft in topic["drafts"]:
                if draft["id"] == vote["draft_id"]:
                    return draft["text"]
    return None
