"""Referrals up (基层 → 委员): a village topic sent to a members' group, its card, its fate, and
what the village has been told of it (migration 0010).

`after_history` is called by storage.topics.record for every history row: what happens to a
members' topic that took up a referral becomes a schedule row that reports it back to the village,
and a new topic of a village with contact members a row that tells them; both in the transaction
that made the change, so a restart loses neither.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from storage import schedule
from storage.db import Tx
from storage.rows import from_row
from storage.timefmt import to_db

# Schedule kinds (named again in bot/services/kinds.py, which every service reads them from).
# A referral card for the members' group (ref_id = referral id, chat_id = the members' group).
REFERRAL_CARD = "referral_card"
# A line to the village about its referred topic (ref_id = referral id, chat_id = the village).
REFERRAL_REPORT = "referral_report"
# A new village topic, told privately to the village's contact members (ref_id = topic id).
CONTACT_TOPIC = "contact_topic"

# What happens to a members' topic that the village is told of: its phases, its wording, its
# actions and their progress, its end. (Views, drafts and ballots are not reported one by one.)
REPORTED_EVENTS = frozenset(
    {
        "accepted",
        "vote_opened",
        "adopted",
        "not_adopted",
        "new_round",
        "action_added",
        "progress",
        "dropped",
        "done",
        "closed",
        "escalated",
        "reopened",
        "declined",
        "merged",
    }
)

# Statuses of a referral that still stand (one per members' group and village topic).
STANDING = ("choosing", "sent", "taken")


@dataclass(frozen=True)
class ReferralRow:
    id: int
    village_chat_id: int
    village_topic_id: int
    members_chat_id: int | None
    link_id: int | None
    note: str
    status: str
    referred_by: int
    referred_at: datetime
    card_message_id: int | None
    member_topic_id: int | None
    decided_by: int | None
    decided_at: datetime | None
    reason: str | None
    reported: dict[str, Any]


def _referral(row: Any) -> ReferralRow:
    return from_row(ReferralRow, row, reported=json.loads(row["reported_json"] or "{}"))


async def after_history(tx: Tx, topic_id: int, at: datetime, event: str) -> None:
    """Schedule what a history row of topic `topic_id` calls for (see the module's docstring)."""
    if event in REPORTED_EVENTS:
        rows = await tx.fetchall(
            "SELECT id, village_chat_id FROM referrals WHERE member_topic_id = ? "
            "AND status = 'taken'",
            (topic_id,),
        )
        for row in rows:
            await schedule.add(tx, row[1], REFERRAL_REPORT, row[0], at, {"event": event})
    elif event == "proposed":
        chat_id = await tx.scalar(
            "SELECT t.chat_id FROM topics t WHERE t.id = ? AND EXISTS (SELECT 1 FROM contacts c "
            "WHERE c.village_chat_id = t.chat_id AND c.removed_at IS NULL)",
            (topic_id,),
        )
        if chat_id is not None:
            await schedule.add(tx, chat_id, CONTACT_TOPIC, topic_id, at)


async def create(
    tx: Tx,
    village_chat_id: int,
    village_topic_id: int,
    members_chat_id: int | None,
    link_id: int | None,
    note: str,
    status: str,
    by: int,
    now: datetime,
) -> int:
    return await tx.insert(
        "INSERT INTO referrals(village_chat_id, village_topic_id, members_chat_id, link_id, note, "
        "status, referred_by, referred_at) VALUES (?,?,?,?,?,?,?,?)",
        (
            village_chat_id,
            village_topic_id,
            members_chat_id,
            link_id,
            note,
            status,
            by,
            to_db(now),
        ),
    )


async def get(tx: Tx, referral_id: int) -> ReferralRow | None:
    row = await tx.fetchone("SELECT * FROM referrals WHERE id = ?", (referral_id,))
    return None if row is None else _referral(row)


async def standing_for_topic(tx: Tx, village_topic_id: int) -> list[ReferralRow]:
    """The village topic's referrals that still stand (choosing, sent or taken)."""
    rows = await tx.fetchall(
        "SELECT * FROM referrals WHERE village_topic_id = ? AND status IN (?,?,?) ORDER BY id",
        (village_topic_id, *STANDING),
    )
    return [_referral(r) for r in rows]


async def of_village_topic(tx: Tx, village_topic_id: int) -> list[ReferralRow]:
    rows = await tx.fetchall(
        "SELECT * FROM referrals WHERE village_topic_id = ? ORDER BY id", (village_topic_id,)
    )
    return [_referral(r) for r in rows]


async def of_member_topic(tx: Tx, member_topic_id: int) -> ReferralRow | None:
    row = await tx.fetchone(
        "SELECT * FROM referrals WHERE member_topic_id = ? ORDER BY id DESC LIMIT 1",
        (member_topic_id,),
    )
    return None if row is None else _referral(row)


async def choose(tx: Tx, referral_id: int, members_chat_id: int, link_id: int) -> bool:
    """A referral still choosing its members' group gets one; False when it chose already."""
    return (
        await tx.execute(
            "UPDATE referrals SET members_chat_id = ?, link_id = ?, status = 'sent' "
            "WHERE id = ? AND status = 'choosing'",
            (members_chat_id, link_id, referral_id),
        )
        > 0
    )


async def set_status(tx: Tx, referral_id: int, status: str) -> None:
    """A referral left choosing gives way ("withdrawn") to a later /refer of the same topic."""
    await tx.execute("UPDATE referrals SET status = ? WHERE id = ?", (status, referral_id))


async def set_card(tx: Tx, referral_id: int, message_id: int | None) -> None:
    await tx.execute(
        "UPDATE referrals SET card_message_id = ? WHERE id = ?", (message_id, referral_id)
    )


async def take(tx: Tx, referral_id: int, by: int, now: datetime, member_topic_id: int) -> bool:
    """False unless the referral was waiting ('sent'): a second press takes nothing twice."""
    return (
        await tx.execute(
            "UPDATE referrals SET status = 'taken', decided_by = ?, decided_at = ?, "
            "member_topic_id = ? WHERE id = ? AND status = 'sent'",
            (by, to_db(now), member_topic_id, referral_id),
        )
        > 0
    )


async def send_back(tx: Tx, referral_id: int, by: int, now: datetime, reason: str) -> bool:
    return (
        await tx.execute(
            "UPDATE referrals SET status = 'returned', decided_by = ?, decided_at = ?, "
            "reason = ? WHERE id = ? AND status = 'sent'",
            (by, to_db(now), reason, referral_id),
        )
        > 0
    )


async def pending_of_link(tx: Tx, link_id: int) -> list[ReferralRow]:
    """The link's referrals still waiting for the members' group's answer ('sent')."""
    rows = await tx.fetchall(
        "SELECT * FROM referrals WHERE link_id = ? AND status = 'sent' ORDER BY id", (link_id,)
    )
    return [_referral(r) for r in rows]


async def end_unlinked(tx: Tx, referral_id: int, now: datetime) -> bool:
    """A waiting referral ends with its link (status 'unlinked'); False unless it was waiting."""
    return (
        await tx.execute(
            "UPDATE referrals SET status = 'unlinked', decided_at = ? "
            "WHERE id = ? AND status = 'sent'",
            (to_db(now), referral_id),
        )
        > 0
    )


async def set_reported(tx: Tx, referral_id: int, reported: dict[str, Any]) -> None:
    await tx.execute(
        "UPDATE referrals SET reported_json = ? WHERE id = ?",
        (json.dumps(reported, ensure_ascii=False, sort_keys=True), referral_id),
    )


async def add_event(
    tx: Tx,
    referral_id: int,
    at: datetime,
    actor_id: int | None,
    event: str,
    detail: dict[str, Any] | None = None,
) -> None:
    await tx.execute(
        "INSERT INTO referral_events(referral_id, at, actor_id, event, detail_json) "
        "VALUES (?,?,?,?,?)",
        (referral_id, to_db(at), actor_id, event, json.dumps(detail or {}, ensure_ascii=False)),
    )


async def events(tx: Tx, referral_id: int) -> list[dict[str, Any]]:
    rows = await tx.fetchall(
        "SELECT at, actor_id, event, detail_json FROM referral_events WHERE referral_id = ? "
        "ORDER BY id",
        (referral_id,),
    )
    return [{"at": r[0], "actor_id": r[1], "event": r[2], "detail": json.loads(r[3])} for r in rows]


# ----- the export ------------------------------------------------------------------------------
async def _member_outcome(tx: Tx, member_topic_id: int | None) -> dict[str, Any]:
    """What the members' group decided on a referral it took up: its adopted wording (or None)
    and its actions (number, text, status, percent; no owners, so no names)."""
    if member_topic_id is None:
        return {"wording": None, "actions": []}
    wording = await tx.scalar(
        "SELECT d.text FROM votes v JOIN drafts d ON d.topic_id = v.topic_id "
        "AND d.number = v.draft_no WHERE v.topic_id = ? AND v.result = 'adopted' "
        "ORDER BY v.id DESC LIMIT 1",
        (member_topic_id,),
    )
    rows = await tx.fetchall(
        "SELECT number, text, status, percent FROM actions WHERE topic_id = ? ORDER BY number",
        (member_topic_id,),
    )
    actions = [
        {"number": a["number"], "text": a["text"], "status": a["status"], "percent": a["percent"]}
        for a in rows
    ]
    return {"wording": wording, "actions": actions}


async def export_by_topic(tx: Tx, chat_id: int) -> dict[int, list[dict[str, Any]]]:
    """Every referral at either end of the group's topics, keyed by topic row id: both ends (group
    and topic number), status, note, reason, and its history."""
    rows = await tx.fetchall(
        "SELECT r.*, vt.number AS village_number, vc.title AS village_title, "
        "mt.number AS member_number, mt.status AS member_status, mc.title AS members_title, vt.chat_id AS vchat, "
        "mt.chat_id AS mchat FROM referrals r JOIN topics vt ON vt.id = r.village_topic_id "
        "LEFT JOIN topics mt ON mt.id = r.member_topic_id "
        "LEFT JOIN chats vc ON vc.chat_id = r.village_chat_id "
        "LEFT JOIN chats mc ON mc.chat_id = r.members_chat_id "
        "WHERE r.village_chat_id = ? OR r.members_chat_id = ? ORDER BY r.id",
        (chat_id, chat_id),
    )
    found: dict[int, list[dict[str, Any]]] = {}
    for r in rows:
        record = {
            "id": r["id"],
            "status": r["status"],
            "village": {
                "chat_id": r["village_chat_id"],
                "title": r["village_title"] or "",
                "topic": r["village_number"],
            },
            "members": {
                "chat_id": r["members_chat_id"],
                "title": r["members_title"] or "",
                "topic": r["member_number"],
                "topic_status": r["member_status"],
                **await _member_outcome(tx, r["member_topic_id"]),
            },
            "link_id": r["link_id"],
            "note": r["note"],
            "referred_by": r["referred_by"],
            "referred_at": r["referred_at"],
            "decided_by": r["decided_by"],
            "decided_at": r["decided_at"],
            "reason": r["reason"],
            "history": await events(tx, r["id"]),
        }
        if r["village_chat_id"] == chat_id:
            found.setdefault(r["village_topic_id"], []).append({**record, "this_end": "village"})
        if r["members_chat_id"] == chat_id and r["member_topic_id"] is not None:
            found.setdefault(r["member_topic_id"], []).append({**record, "this_end": "members"})
    return found
