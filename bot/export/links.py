"""两商衔接 in the export: each topic's referrals (key "referrals", both ends, ids, status,
history), and in the minutes the chain a referred topic went through: village → members' group
→ back."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from bot.export import record
from bot.export.minutes import DETAIL_WORDS, LABELS, Minutes
from bot.export.record import TopicExtender
from bot.i18n import NC_
from storage import consultations as consult_repo
from storage import referrals as repo
from storage.db import Tx
from storage.export import ExportTopic

LABELS.update(
    chain_heading=NC_("minutes", "Referral between the village and the members' group"),
    chain_up=NC_(
        "minutes",
        "{time}: referred by the village “{village}” (topic {village_topic}) to the members' group “{members}”",
    ),
    chain_from=NC_(
        "minutes", "{time}: referred here by the village “{village}” (its topic {village_topic})"
    ),
    chain_note=NC_("minutes", "Note: {note}"),
    chain_taken=NC_(
        "minutes", "{time}: taken up by “{members}” as its topic {members_topic}; now {status}"
    ),
    chain_returned=NC_("minutes", "{time}: sent back by “{members}”: {reason}"),
    chain_reported=NC_("minutes", "Reported back to the village {n} times, the last at {time}"),
    chain_waiting=NC_("minutes", "Waiting for the members' group's answer"),
    chain_adopted=NC_("minutes", "Suggestion adopted by “{members}”: {text}"),
    chain_actions=NC_("minutes", "Its actions:"),
    chain_action=NC_("minutes", "A{n} {text}: {status}, {percent}%"),
    detail_group_topic=NC_("minutes", "“{group}”, topic #{n}"),
    detail_villages=NC_("minutes", "{n} villages"),
    chain_unlinked=NC_(
        "minutes", "{time}: the link with “{members}” ended before it answered; the referral ended"
    ),
)
LABELS["events"].update(
    referred=NC_("minutes: event", "referred to the members' group"),
    referral_taken=NC_("minutes: event", "taken up by the members' group"),
    referral_returned=NC_("minutes: event", "sent back by the members' group"),
    referral_unlinked=NC_("minutes: event", "the referral ended with the link"),
)


# The minutes' words for these rows' details, in the group's language.
def _text(d: Any, key: str) -> str | None:
    value = d.get(key)
    return Minutes.inline(value) if isinstance(value, str) else None


def _group_reason(d: Any, m: Minutes) -> str | None:
    group, reason = _text(d, "group"), _text(d, "reason")
    if group is None or reason is None:
        return None
    return f"{group}{m.label('sep')}{reason}"


def _group_topic(d: Any, m: Minutes) -> str | None:
    group, number = _text(d, "group"), d.get("number")
    if group is None or not isinstance(number, int):
        return None
    return m.label("detail_group_topic", group=group, n=number)


def _villages(d: Any, m: Minutes) -> str | None:
    n = d.get("villages")
    return m.label("detail_villages", n=n) if isinstance(n, int) else None


DETAIL_WORDS.update(
    referred=lambda d, m: _text(d, "group"),
    referral_taken=_group_topic,
    referral_returned=_group_reason,
    referral_unlinked=lambda d, m: _text(d, "group"),
    consulted=lambda d, m: _text(d, "village"),
    consultation_closed=_villages,
)
# The export's one-line "detail" of the village topic's referral rows.
record._DETAIL_TEXT.update(
    referred=lambda d: f"to {d['group']}",
    referral_taken=lambda d: f"{d['group']} #{d['number']}",
    referral_returned=lambda d: f"{d['group']}: {d['reason']}",
    referral_unlinked=lambda d: str(d["group"]),
)


async def _referrals(tx: Tx, chat_id: int, topics: Sequence[ExportTopic]) -> dict[int, Any]:
    return await repo.export_by_topic(tx, chat_id)


def _chain_minutes(referrals: list[dict[str, Any]], m: Minutes) -> list[str]:
    """The chain of each referral: where it went (or came from), what was decided, how often the
    village was told."""
    shown = [r for r in referrals if r["status"] not in ("choosing", "withdrawn")]
    if not shown:
        return []
    out = [f"### {m.label('chain_heading')}", ""]
    for r in shown:
        village, members = r["village"], r["members"]
        values = {
            "village": m.inline(village["title"]),
            "village_topic": f"#{village['topic']}",
            "members": m.inline(members["title"] or ""),
            "members_topic": f"#{members['topic']}",
        }
        if r["this_end"] == "village":
            out.append(f"- {m.label('chain_up', time=m.when(r['referred_at']), **values)}")
        else:
            out.append(f"- {m.label('chain_from', time=m.when(r['referred_at']), **values)}")
        if r["note"]:
            out.append(f"- {m.label('chain_note', note=m.inline(r['note']))}")
        if r["status"] == "taken":
            status = m.lookup("statuses", members.get("topic_status"))
            out.append(
                f"- {m.label('chain_taken', time=m.when(r['decided_at']), status=status, **values)}"
            )
            if r["this_end"] == "village":
                out += _members_outcome(members, m, values["members"])
        elif r["status"] == "unlinked":
            out.append(f"- {m.label('chain_unlinked', time=m.when(r['decided_at']), **values)}")
        elif r["status"] == "returned":
            reason = m.inline(r["reason"] or "")
            out.append(
                f"- {m.label('chain_returned', time=m.when(r['decided_at']), reason=reason, **values)}"
            )
        else:
            out.append(f"- {m.label('chain_waiting')}")
        reports = [h for h in r["history"] if h["event"] == "reported"]
        if reports:
            last = m.when(reports[-1]["at"])
            out.append(f"- {m.label('chain_reported', n=len(reports), time=last)}")
    out.append("")
    return out


def _members_outcome(members: Mapping[str, Any], m: Minutes, title: str) -> list[str]:
    """In the village's minutes: what the members' group decided on the referral, its adopted
    suggestion and its actions with their status (no owners: no names)."""
    out = []
    if members.get("wording"):
        out.append(
            f"- {m.label('chain_adopted', members=title, text=m.inline(members['wording']))}"
        )
    actions = members.get("actions") or []
    if actions:
        out.append(f"- {m.label('chain_actions')}")
        for a in actions:
            line = m.label(
                "chain_action",
                n=a["number"],
                text=m.inline(a["text"]),
                status=m.lookup("action_statuses", a["status"]),
                percent=a["percent"],
            )
            out.append(f"  - {line}")
    return out


EXTENDERS = [TopicExtender("referrals", _referrals, list, _chain_minutes)]


# ----- consultation down ---------------------------------------------------------------------------
LABELS.update(
    consult_heading=NC_("minutes", "Consultation of the villages"),
    consult_line=NC_("minutes", "{village}: asked {opened}, {state}; {counts}"),
    consult_open=NC_("minutes", "still collecting"),
    consult_closed=NC_("minutes", "ended {closed}"),
    consult_none=NC_("minutes", "no answers"),
)
LABELS["events"].update(
    consulted=NC_("minutes: event", "put the topic to a village"),
    consultation_closed=NC_("minutes: event", "ended the consultation of the villages"),
)
record._DETAIL_TEXT.update(
    consulted=lambda d: str(d["village"]),
    consultation_closed=lambda d: f"{d['villages']} villages",
)


async def _consultations(tx: Tx, chat_id: int, topics: Sequence[ExportTopic]) -> dict[int, Any]:
    return await consult_repo.export_by_topic(tx, chat_id)


def _consult_minutes(consultations: list[dict[str, Any]], m: Minutes) -> list[str]:
    """Each village asked: when, whether it still collects, its answers by stance and their
    texts (never who wrote them)."""
    if not consultations:
        return []
    out = [f"### {m.label('consult_heading')}", ""]
    sep = m.label("list_sep")
    for c in consultations:
        counts = sep.join(
            f"{m.lookup('stances', s)} {n}" for s, n in c["counts"].items()
        ) or m.label("consult_none")
        state = (
            m.label("consult_open")
            if c["closed_at"] is None
            else m.label("consult_closed", closed=m.when(c["closed_at"]))
        )
        out.append(
            "- "
            + m.label(
                "consult_line",
                village=m.inline(c["village"]["title"]),
                opened=m.when(c["opened_at"]),
                state=state,
                counts=counts,
            )
        )
        for view in c["views"]:
            out.append(
                f"  - {m.lookup('stances', view['stance'])}{m.label('sep')}{m.inline(view['text'])}"
            )
    out.append("")
    return out


EXTENDERS.append(TopicExtender("consultations", _consultations, list, _consult_minutes))


def document_outline(topic: Mapping[str, Any], m: Minutes) -> list[tuple[int, str]]:
    """The referral chain and the consultation of the villages, for the Word minutes
    (bot/export/word.py): (0, heading), (1, item), (2, item within the item before)."""
    outline: list[tuple[int, str]] = []
    lines = _chain_minutes(topic.get("referrals") or [], m)
    lines += _consult_minutes(topic.get("consultations") or [], m)
    for line in lines:
        if line.startswith("### "):
            outline.append((0, line[4:]))
        elif line.startswith("  - "):
            outline.append((2, line[4:]))
        elif line.startswith("- "):
            outline.append((1, line[2:]))
    return outline
