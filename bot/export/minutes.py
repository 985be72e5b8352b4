"""The export as minutes (协商纪要) in Markdown, rendered from the JSON document in the chat's
language; user text is kept from turning into Markdown structure."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.export.record import CHOICES, STANCES, TOPIC_EXTENDERS, VIEW_EVENTS, Export

LABELS: dict[str, dict[str, Any]] = {
    "zh": {
        "minutes": "协商纪要：{title}",
        "untitled": "群组 {chat_id}",
        "generated": "导出时间：{time}（以下时间均为 {zone} 时间）",
        "chat_id": "群组编号：{chat_id}",
        "no_topics": "暂无议题。",
        "topic": "议题 #{id}：{title}",
        "status": "状态",
        "proposer": "提议人",
        "proposed_at": "提出时间",
        "supporters": "附议人数",
        "details": "说明",
        "sep": "：",
        "list_sep": "、",
        "comma": "，",
        "count": "{what}（{n}）",
        "views": "意见",
        "views_summary": "共 {n} 条",
        "retracted": "另有 {n} 条意见已撤回。",
        "none": "无。",
        "anonymous": "匿名",
        "drafts": "共识文本草案",
        "draft": "草案 {id}（第 {version} 版{parent}；{author}；{time}）",
        "draft_parent": "，由草案 {parent} 修改",
        "votes": "表决",
        "vote": "第 {n} 次表决：草案 {draft}",
        "vote_time": "时间",
        "vote_period": "{opened} 至 {closes}",
        "vote_closed": "，实际结束于 {closed}",
        "rule": "规则",
        "rule_text": (
            "应参加 {eligible} 人，至少 {quorum} 人参加方为有效；"
            "同意票须达表态票（不计弃权）的 {threshold}；允许否决票 {blocks} 张"
        ),
        "tally": "计票",
        "result": "结果",
        "results": {"adopted": "通过", "not_adopted": "未通过", None: "表决进行中"},
        "secret": "无记名表决：只记录谁参加了表决，不记录各人的选择。",
        "voters": "参加表决",
        "ballots": "各人表决",
        "reason": "理由",
        "adopted_text": "通过的文本",
        "history": "记录",
        "nobody": "系统",
        "details_of": {
            "view": "意见 {n}（{stance}）",
            "view_anonymous": "意见 {n}（{stance}，匿名）",
            "view_no": "意见 {n}",
            "draft": "草案 {n}",
            "amended": "草案 {a} → 草案 {b}",
            "merged": "议题 #{n}",
            "merged_in": "议题 #{n}（{views} 条意见）",
            "rounds": {"views": "重新征集意见", "drafts": "重新起草共识文本"},
        },
        "stances": {"support": "支持", "oppose": "反对", "concern": "担忧", "suggestion": "建议"},
        "choices": {"agree": "同意", "abstain": "弃权", "disagree": "反对", "block": "否决"},
        "statuses": {
            "proposed": "已提议，待受理",
            "declined": "未受理",
            "withdrawn": "已撤回",
            "merged": "已并入其他议题",
            "deliberating": "协商中",
            "voting": "表决中",
            "adopted": "已通过",
            "not_adopted": "未通过",
            "following_up": "跟踪落实中",
            "done": "已办结",
            "closed": "已关闭",
            "escalated": "已提交调解",
        },
        "events": {
            "proposed": "提出议题",
            "supported": "附议",
            "accepted": "受理并开始征集意见，截止",
            "declined": "不予受理",
            "withdrawn": "撤回议题",
            "closed": "关闭议题",
            "merged": "并入",
            "merged_in": "并入议题",
            "new_round": "开始新一轮",
            "view": "发表意见",
            "view_edited": "修改意见",
            "view_retracted": "撤回意见",
            "draft": "提交草案",
            "amended": "修改草案",
            "vote_opened": "发起表决",
            "ballot": "投票",
            "adopted": "表决通过",
            "not_adopted": "表决未通过",
            "action_added": "新增落实事项",
            "progress": "报告进展",
            "done": "全部落实完成",
            "reopened": "重新开启",
        },
    },
    "en": {
        "minutes": "Minutes: {title}",
        "untitled": "Group {chat_id}",
        "generated": "Exported {time} (all times {zone})",
        "chat_id": "Group id: {chat_id}",
        "no_topics": "No topics yet.",
        "topic": "Topic #{id}: {title}",
        "status": "Status",
        "proposer": "Proposed by",
        "proposed_at": "Proposed on",
        "supporters": "Seconded by",
        "details": "Details",
        "sep": ": ",
        "list_sep": ", ",
        "comma": ", ",
        "count": "{what} ({n})",
        "views": "Views",
        "views_summary": "{n} in all",
        "retracted": "{n} more views were retracted.",
        "none": "None.",
        "anonymous": "anonymous",
        "drafts": "Consensus drafts",
        "draft": "Draft {id} (version {version}{parent}; {author}; {time})",
        "draft_parent": ", amending draft {parent}",
        "votes": "Votes",
        "vote": "Vote {n}: draft {draft}",
        "vote_time": "Time",
        "vote_period": "{opened} to {closes}",
        "vote_closed": ", closed {closed}",
        "rule": "Rule",
        "rule_text": (
            "{eligible} eligible, at least {quorum} must vote; agree must reach {threshold} "
            "of the ballots taking a side (abstentions not counted); {blocks} blocks allowed"
        ),
        "tally": "Tally",
        "result": "Result",
        "results": {"adopted": "adopted", "not_adopted": "not adopted", None: "vote in progress"},
        "secret": "Secret ballot: who voted is recorded, not what anyone chose.",
        "voters": "Voted",
        "ballots": "Ballots",
        "reason": "reason",
        "adopted_text": "Adopted text",
        "history": "Record",
        "nobody": "system",
        "details_of": {
            "view": "view {n} ({stance})",
            "view_anonymous": "view {n} ({stance}, anonymous)",
            "view_no": "view {n}",
            "draft": "draft {n}",
            "amended": "draft {a} → draft {b}",
            "merged": "topic #{n}",
            "merged_in": "topic #{n} ({views} views)",
            "rounds": {"views": "views again", "drafts": "drafting again"},
        },
        "stances": {
            "support": "Support",
            "oppose": "Oppose",
            "concern": "Concern",
            "suggestion": "Suggestion",
        },
        "choices": {
            "agree": "agree",
            "abstain": "abstain",
            "disagree": "disagree",
            "block": "block",
        },
        "statuses": {
            "proposed": "proposed, awaiting a convenor",
            "declined": "declined",
            "withdrawn": "withdrawn",
            "merged": "merged into another topic",
            "deliberating": "deliberating",
            "voting": "voting",
            "adopted": "adopted",
            "not_adopted": "not adopted",
            "following_up": "following up",
            "done": "done",
            "closed": "closed",
            "escalated": "escalated to mediation",
        },
        "events": {
            "proposed": "proposed the topic",
            "supported": "seconded",
            "accepted": "accepted; views close",
            "declined": "declined",
            "withdrawn": "withdrew the topic",
            "closed": "closed the topic",
            "merged": "merged",
            "merged_in": "merged in",
            "new_round": "started a new round",
            "view": "gave a view",
            "view_edited": "edited a view",
            "view_retracted": "retracted a view",
            "draft": "drafted",
            "amended": "amended a draft",
            "vote_opened": "opened a vote",
            "ballot": "voted",
            "adopted": "vote carried",
            "not_adopted": "vote not carried",
            "action_added": "added an action item",
            "progress": "reported progress",
            "done": "every action done",
            "reopened": "reopened",
        },
    },
}
DEFAULT_LANGUAGE = "zh"

# A line of user text starting with one of these would turn into a heading, quote, list,
# rule, table or code block: a backslash in front keeps it text.
_BLOCK_START = re.compile(r"^([#>*+=_|~`-]|\d+[.)])")


class Minutes:
    """What a section renderer needs: labels in the chat's language, names, local times."""

    def __init__(self, language: str, zone: tzinfo, names: Mapping[int, str]) -> None:
        self.language = language if language in LABELS else DEFAULT_LANGUAGE
        self.labels = LABELS[self.language]
        self.zone = zone
        self.names = names

    def label(self, key: str, **values: Any) -> str:
        text = self.labels[key]
        return text.format(**values) if values else text

    def lookup(self, table: str, key: Any) -> str:
        return self.labels[table].get(key, str(key))

    def who(self, user_id: int | None) -> str:
        if user_id is None:
            return self.label("anonymous")
        return self.names.get(user_id, str(user_id))

    def when(self, stamp: str | None) -> str:
        if not stamp:
            return ""
        try:
            moment = datetime.fromisoformat(stamp)
        except ValueError:
            return stamp
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return moment.astimezone(self.zone).strftime("%Y-%m-%d %H:%M")

    @staticmethod
    def inline(text: str) -> str:
        """User text on one line (a heading, a list item): whitespace runs become one space."""
        flat = " ".join(str(text).split())
        if _BLOCK_START.match(flat):
            flat = _escape_start(flat)
        # A heading's closing #s would be dropped: keep a trailing # visible.
        return flat[:-1] + "\\#" if flat.endswith("#") else flat

    @staticmethod
    def text(text: str, prefix: str = "") -> list[str]:
        """User text as lines under `prefix` ("> " for a quote, "  " inside a list item)."""
        lines = []
        for raw in str(text).splitlines() or [""]:
            line = raw.strip()
            if _BLOCK_START.match(line):
                line = _escape_start(line)
            lines.append((prefix + line).rstrip())
        return lines


def _escape_start(line: str) -> str:
    number = re.match(r"^(\d+)([.)])", line)
    if number:
        return number.group(1) + "\\" + line[number.end(1) :]
    return "\\" + line


def _zone(name: Any) -> tzinfo:
    try:
        return ZoneInfo(str(name))
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


def render_markdown(export: Export) -> str:
    document = export.document
    out: list[str] = []
    for chat in document["chats"]:
        m = Minutes(str(chat.get("language")), _zone(chat.get("timezone")), export.names)
        if out:
            out.append("")
        title = chat["title"] or m.label("untitled", chat_id=chat["chat_id"])
        out += [f"# {m.label('minutes', title=m.inline(title))}", ""]
        out.append(
            m.label("generated", time=m.when(document["generated_at"]), zone=chat["timezone"])
            + "  "
        )
        out += [m.label("chat_id", chat_id=chat["chat_id"]), ""]
        if not chat["topics"]:
            out += [m.label("no_topics")]
        for topic in chat["topics"]:
            out += _topic_minutes(topic, m)
    return "\n".join(out).rstrip("\n") + "\n"


def _topic_minutes(topic: Mapping[str, Any], m: Minutes) -> list[str]:
    sep = m.label("sep")
    out = [f"## {m.label('topic', id=topic['id'], title=m.inline(topic['title']))}", ""]
    out += [
        f"- {m.label('status')}{sep}{m.lookup('statuses', topic['status'])}",
        f"- {m.label('proposer')}{sep}{m.who(topic['proposer_id'])}",
        f"- {m.label('proposed_at')}{sep}{m.when(topic['created_at'])}",
        f"- {m.label('supporters')}{sep}{len(topic['supporters'])}",
        "",
    ]
    if topic["details"].strip():
        out += [f"### {m.label('details')}", "", *m.text(topic["details"]), ""]
    out += _views_minutes(topic["views"], m)
    out += _drafts_minutes(topic["drafts"], m)
    out += _votes_minutes(topic, m)
    for ext in TOPIC_EXTENDERS:
        if ext.markdown is not None and ext.key in topic:
            out += ext.markdown(topic[ext.key], m)
    out += [f"### {m.label('history')}", ""]
    for row in topic["history"]:
        if row["actor_id"] is not None:
            actor = m.who(row["actor_id"])
        elif row["event"] in (*VIEW_EVENTS, "ballot"):
            actor = m.label("anonymous")
        else:
            actor = m.label("nobody")
        event = m.lookup("events", row["event"])
        detail = _history_detail(row["event"], row["detail"], m)
        line = f"- {m.when(row['at'])} · {actor} · {event}"
        out.append(f"{line} · {detail}" if detail else line)
    if not topic["history"]:
        out.append(m.label("none"))
    out.append("")
    return out


_TALLY_DETAIL = re.compile(r"^(\w+=\d+)( \w+=\d+)*$")


def _history_detail(event: str, detail: str, m: Minutes) -> str:
    """The services write details for machines ("2 oppose anonymous"): say them in words."""
    if not detail:
        return ""
    words = m.labels["details_of"]
    parts = detail.split()
    if event == "view" and parts[0].isdigit() and len(parts) >= 2:
        key = "view_anonymous" if parts[-1] == "anonymous" else "view"
        return words[key].format(n=parts[0], stance=m.lookup("stances", parts[1]))
    if event in ("view_edited", "view_retracted") and detail.isdigit():
        return words["view_no"].format(n=detail)
    if event == "draft" and detail.isdigit():
        return words["draft"].format(n=detail)
    if event == "vote_opened" and len(parts) == 2 and parts[1].isdigit():
        return words["draft"].format(n=parts[1])
    amended = re.fullmatch(r"(\d+) -> (\d+)", detail)
    if event == "amended" and amended:
        return words["amended"].format(a=amended.group(1), b=amended.group(2))
    if event == "accepted":
        return m.when(detail)
    merged = re.fullmatch(r"into #(\d+)", detail)
    if event == "merged" and merged:
        return words["merged"].format(n=merged.group(1))
    merged_in = re.fullmatch(r"#(\d+): (\d+) views", detail)
    if event == "merged_in" and merged_in:
        return words["merged_in"].format(n=merged_in.group(1), views=merged_in.group(2))
    if event == "new_round" and detail in words["rounds"]:
        return words["rounds"][detail]
    if event in ("adopted", "not_adopted") and _TALLY_DETAIL.match(detail):
        counts = dict(part.split("=", 1) for part in parts)
        return m.label("list_sep").join(
            f"{m.lookup('choices', c)} {counts[c]}" for c in CHOICES if c in counts
        )
    return m.inline(detail)


def _views_minutes(views: list[Mapping[str, Any]], m: Minutes) -> list[str]:
    sep = m.label("sep")
    current = [v for v in views if not v["retracted"]]
    groups: dict[str, list[Mapping[str, Any]]] = {s: [] for s in STANCES}
    for view in current:
        groups.setdefault(view["stance"], []).append(view)
    summary = m.label("list_sep").join(
        f"{m.lookup('stances', stance)} {len(items)}" for stance, items in groups.items()
    )
    out = [
        f"### {m.label('views')}",
        "",
        f"{m.label('views_summary', n=len(current))}{sep}{summary}",
        "",
    ]
    for stance, items in groups.items():
        if not items:
            continue
        heading = m.label("count", what=m.lookup("stances", stance), n=len(items))
        out += [f"#### {heading}", ""]
        for view in items:
            who = m.who(view["author_id"])  # None (anonymous) reads as 匿名 / anonymous
            first, *rest = m.text(view["text"])
            when = m.when(view["created_at"])
            out.append(f"- [{view['id']}] {who}{m.label('comma')}{when}{sep}{first}")
            out += [f"  {line}".rstrip() for line in rest]
        out.append("")
    retracted = len(views) - len(current)
    if retracted:
        out += [m.label("retracted", n=retracted), ""]
    return out


def _drafts_minutes(drafts: list[Mapping[str, Any]], m: Minutes) -> list[str]:
    out = [f"### {m.label('drafts')}", ""]
    if not drafts:
        return [*out, m.label("none"), ""]
    for draft in drafts:
        parent = (
            m.label("draft_parent", parent=draft["parent_id"])
            if draft["parent_id"] is not None
            else ""
        )
        heading = m.label(
            "draft",
            id=draft["id"],
            version=draft["version"],
            parent=parent,
            author=m.who(draft["author_id"]),
            time=m.when(draft["created_at"]),
        )
        out += [f"#### {heading}", "", *m.text(draft["text"], "> "), ""]
    return out


def _votes_minutes(topic: Mapping[str, Any], m: Minutes) -> list[str]:
    sep = m.label("sep")
    out = [f"### {m.label('votes')}", ""]
    if not topic["votes"]:
        return [*out, m.label("none"), ""]
    drafts = {d["id"]: d for d in topic["drafts"]}
    for n, vote in enumerate(topic["votes"], start=1):
        period = m.label(
            "vote_period", opened=m.when(vote["opened_at"]), closes=m.when(vote["closes_at"])
        )
        if vote["closed_at"]:
            period += m.label("vote_closed", closed=m.when(vote["closed_at"]))
        rule = m.label(
            "rule_text",
            eligible=vote["eligible"],
            quorum=vote["quorum"],
            threshold=vote["threshold"],
            blocks=vote["blocks_allowed"],
        )
        tally = m.label("list_sep").join(
            f"{m.lookup('choices', c)} {vote['tally'].get(c, 0)}" for c in CHOICES
        )
        voters = m.label("list_sep").join(m.who(u) for u in vote["voters"])
        out += [
            f"#### {m.label('vote', n=n, draft=vote['draft_id'])}",
            "",
            f"- {m.label('vote_time')}{sep}{period}",
            f"- {m.label('rule')}{sep}{rule}",
            f"- {m.label('tally')}{sep}{tally}",
            f"- {m.label('result')}{sep}{m.lookup('results', vote['result'])}",
            f"- {m.label('count', what=m.label('voters'), n=len(vote['voters']))}{sep}"
            + (voters or m.label("none")),
        ]
        if "ballots" in vote:
            out.append(f"- {m.label('ballots')}{sep}")
            for ballot in vote["ballots"]:
                line = f"  - {m.who(ballot['user_id'])}{sep}{m.lookup('choices', ballot['choice'])}"
                if ballot["reason"]:
                    reason = f"{m.label('reason')}{sep}{m.inline(ballot['reason'])}"
                    line += f"{m.label('comma')}{reason}"
                out.append(line)
        else:
            out.append(f"- {m.label('secret')}")
        out.append("")
        draft = drafts.get(vote["draft_id"])
        if vote["result"] == "adopted" and draft is not None:
            out += [f"{m.label('adopted_text')}{sep}", "", *m.text(draft["text"], "> "), ""]
    return out
