"""两商衔接 rules, as pure functions: link codes (shape, reading what people type, validity) and
what a report back to a village says (the changes of a members' topic since the last report).

A link code is eight characters of an alphabet without look-alikes (no 0/O, 1/I/L), shown as
"K7QM-3XHP"; it is valid for CODE_LIFETIME and once. Only its SHA-256 is stored.
"""

from __future__ import annotations

import hashlib
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum
from typing import Any

CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8
CODE_LIFETIME = timedelta(hours=24)


def new_code(choice: Any = secrets.choice) -> str:
    """A fresh code, "XXXX-XXXX" (`choice` picks one character; secrets.choice by default)."""
    raw = "".join(choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    return f"{raw[:4]}-{raw[4:]}"


def read_code(text: str) -> str | None:
    """The code as typed ("k7qm-3xhp", "K7QM 3XHP", full-width "Ｋ７ＱＭ－３ＸＨＰ") in its
    canonical form "K7QM-3XHP"; None when it cannot be a code (wrong length or characters)."""
    folded = unicodedata.normalize("NFKC", text).upper()
    raw = "".join(ch for ch in folded if ch not in " -_–—")
    if len(raw) != CODE_LENGTH or any(ch not in CODE_ALPHABET for ch in raw):
        return None
    return f"{raw[:4]}-{raw[4:]}"


def code_hash(code: str) -> str:
    """The stored form of a canonical code (read_code): its SHA-256, hex."""
    return hashlib.sha256(code.encode()).hexdigest()


class CodeVerdict(Enum):
    OK = "ok"
    UNKNOWN = "unknown"  # mistyped, or never issued
    USED = "used"
    EXPIRED = "expired"
    SAME_GROUP = "same group"  # entered in the group that issued it


def judge_code(
    found: bool,
    issued_in: int | None,
    used: bool,
    expires_at: datetime | None,
    entered_in: int,
    now: datetime,
) -> CodeVerdict:
    """May the code be used by the group `entered_in` at `now` (UTC)? Checked in this order:
    known, issued elsewhere, unused, not expired."""
    if not found or issued_in is None or expires_at is None:
        return CodeVerdict.UNKNOWN
    if issued_in == entered_in:
        return CodeVerdict.SAME_GROUP
    if used:
        return CodeVerdict.USED
    if now >= expires_at:
        return CodeVerdict.EXPIRED
    return CodeVerdict.OK


# ----- reports back to the village -------------------------------------------------------------
@dataclass(frozen=True)
class Change:
    """One thing the village has not been told yet. kind: "taken" (number: the members' topic),
    "status" (status), "wording" (text), "action" (number, text, status, percent; `new` for an
    action not reported before)."""

    kind: str
    number: int = 0
    status: str = ""
    text: str = ""
    percent: int = 0
    new: bool = False


def snapshot(
    number: int, status: str, wording: str | None, actions: list[tuple[int, str, str, int]]
) -> dict[str, Any]:
    """What a members' topic shows now, in the form kept in referrals.reported_json: its number,
    status, adopted wording, and each action (number, text, status, percent)."""
    return {
        "number": number,
        "status": status,
        "wording": wording or "",
        "actions": {
            str(n): {"text": text, "status": st, "percent": pct} for n, text, st, pct in actions
        },
    }


def changes(told: dict[str, Any], now: dict[str, Any]) -> list[Change]:
    """What `now` (a snapshot) adds to what the village was `told` (an earlier one, or {}): the
    members' topic taken up, its new status, its newly adopted wording, and each action that is
    new or whose status or progress moved. Empty when nothing the village hears of changed."""
    found: list[Change] = []
    if not told:
        found.append(Change("taken", number=int(now["number"])))
    if told.get("status") != now["status"]:
        found.append(Change("status", status=now["status"]))
    if now["wording"] and told.get("wording", "") != now["wording"]:
        found.append(Change("wording", text=now["wording"]))
    before = told.get("actions", {})
    for key, action in now["actions"].items():
        old = before.get(key)
        if old is None or (old["status"], old["percent"]) != (action["status"], action["percent"]):
            found.append(
                Change(
                    "action",
                    number=int(key),
                    text=action["text"],
                    status=action["status"],
                    percent=int(action["percent"]),
                    new=old is None,
                )
            )
    return found
