"""`shangliang export`: the JSON contract, secret ballots, CSV, minutes, snapshots, the CLI."""

from __future__ import annotations

import csv
import io
import json
import os
import sqlite3
import stat
import string
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot import export as export_module
from bot.export import LABELS, TopicExtender, export_command
from bot.export.record import detail_text
from bot.i18n import translations
from bot.settings import Settings
from storage import Database
from storage import chats as chat_repo
from storage import drafts as draft_repo
from storage import topics as topic_repo
from storage import views as view_repo
from storage import votes as vote_repo

ROOT = Path(__file__).resolve().parent.parent
T0 = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
NOW = datetime(2026, 3, 9, 12, 0, tzinfo=UTC)

VILLAGE = -1001  # zh, default settings
RIVERSIDE = -2002  # en, Europe/London
ALICE, BOB, CAROL = 5003, 5004, 5005
SECRET_REASON = "SECRET-REASON-do-not-export"


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def view_detail(number: int, stance: str, anonymous: bool) -> dict:
    """A "view" row's detail, as bot/services/views.py writes it."""
    return {"view": number, "stance": stance, "anonymous": anonymous}


def tally(agree: int, abstain: int, disagree: int, block: int) -> dict:
    """An "adopted" / "not_adopted" row's detail, as bot/services/votes.py writes it."""
    return {"tally": {"agree": agree, "abstain": abstain, "disagree": disagree, "block": block}}


def settings_for(db: Path) -> Settings:
    return Settings.model_validate({"telegram": {"token": "1:x"}, "database": {"path": str(db)}})


async def build(db_path: Path) -> None:
    """Two chats. Row ids and typed numbers differ on purpose, so the test can tell them apart."""
    db = Database(db_path)
    await db.open()
    try:
        async with db.transaction() as tx:
            await chat_repo.ensure_chat(tx, VILLAGE, "supergroup", "桃园村议事群", at(0), {})
            await chat_repo.ensure_chat(
                tx,
                RIVERSIDE,
                "supergroup",
                "Riverside",
                at(0),
                {"language": "en", "timezone": "Europe/London", "quorum": "2"},
            )
            for uid, name, username in (
                (ALICE, "Alice", None),
                (BOB, "", "bob"),
                (CAROL, "Carol", "carol"),
            ):
                await chat_repo.upsert_user(tx, uid, name, username, "zh", False, at(0))

            # Riverside's topic first: it takes row id 1, its view and draft row id 1.
            number = await chat_repo.next_topic_number(tx, RIVERSIDE)
            river = await topic_repo.create_topic(
                tx, RIVERSIDE, number, "Fix the footbridge", "", CAROL, at(1)
            )
            await topic_repo.record(tx, river.id, at(1), CAROL, "proposed", {"title": river.title})
            await view_repo.add_view(tx, river.id, CAROL, "support", "Yes", False, 1, at(2))
            await draft_repo.add_draft(tx, river.id, CAROL, "We repair it.", at(3))

            # Village topic #1: open ballot, adopted.
            number = await chat_repo.next_topic_number(tx, VILLAGE)
            road = await topic_repo.create_topic(
                tx, VILLAGE, number, "修村口的路", "雨天积水\n# 不是标题", ALICE, at(10)
            )
            await topic_repo.record(tx, road.id, at(10), ALICE, "proposed", {"title": road.title})
            for uid in (CAROL, BOB):
                await topic_repo.add_supporter(tx, road.id, uid, at(11))
                await topic_repo.record(tx, road.id, at(11), uid, "supported")
            v1 = await view_repo.add_view(
                tx, road.id, ALICE, "support", "早该修了", False, 1, at(12)
            )
            await topic_repo.record(
                tx, road.id, at(12), ALICE, "view", view_detail(v1.number, "support", False)
            )
            v2 = await view_repo.add_view(
                tx, road.id, BOB, "oppose", "# 钱从哪来？\n> 先算账", True, 1, at(13)
            )
            await topic_repo.record(
                tx, road.id, at(13), None, "view", view_detail(v2.number, "oppose", True)
            )
            v3 = await view_repo.add_view(
                tx, road.id, CAROL, "concern", "施工扰民", False, 1, at(14)
            )
            await view_repo.update_view(tx, v3.id, None, True, at(15))
            await topic_repo.record(
                tx, road.id, at(15), CAROL, "view_retracted", {"view": v3.number}
            )
            d1 = await draft_repo.add_draft(tx, road.id, ALICE, "下月修路。", at(20))
            d2 = await draft_repo.add_draft(tx, road.id, BOB, "下月修路，村委出资。", at(21), d1)
            await topic_repo.record(tx, road.id, at(21), BOB, "amended", {"parent": 1, "draft": 2})
            vote = await vote_repo.open_vote(
                tx, road.id, d2.number, 1, at(30), at(90), 10, 4, "2/3", 0, False
            )
            await topic_repo.record(tx, road.id, at(30), ALICE, "vote_opened", {"draft": 2})
            for minute, uid, choice, reason in (
                (31, ALICE, "agree", None),
                (32, BOB, "disagree", "太贵"),
                (33, CAROL, "agree", None),
            ):
                await vote_repo.cast(tx, vote.id, uid, choice, reason, at(minute))
                await topic_repo.record(tx, road.id, at(minute), uid, "ballot")
            await vote_repo.close_vote(tx, vote.id, at(90), "adopted")
            await topic_repo.set_status(tx, road.id, "adopted")
            await topic_repo.record(tx, road.id, at(90), None, "adopted", tally(2, 0, 1, 0))

            # Village topic #2: secret ballot, not adopted; cast in an order unlike the ids.
            number = await chat_repo.next_topic_number(tx, VILLAGE)
            well = await topic_repo.create_topic(tx, VILLAGE, number, "打一口新井", "", BOB, at(40))
            await topic_repo.record(tx, well.id, at(40), BOB, "proposed", {"title": well.title})
            draft = await draft_repo.add_draft(tx, well.id, BOB, "在村东打井。", at(41))
            secret = await vote_repo.open_vote(
                tx, well.id, draft.number, 1, at(50), at(100), 3, 2, "2/3", 0, True
            )
            await topic_repo.record(tx, well.id, at(50), BOB, "vote_opened", {"draft": 1})
            for minute, uid, choice, reason in (
                (51, CAROL, "block", SECRET_REASON),
                (52, ALICE, "agree", None),
                (53, BOB, "disagree", None),
            ):
                await vote_repo.cast(tx, secret.id, uid, choice, reason, at(minute))
                await topic_repo.record(tx, well.id, at(minute), uid, "ballot")
            await vote_repo.close_vote(tx, secret.id, at(100), "not_adopted")
            await topic_repo.set_status(tx, well.id, "not_adopted")
            await topic_repo.record(tx, well.id, at(100), None, "not_adopted", tally(1, 0, 1, 1))
    finally:
        await db.close()


@pytest.fixture
async def db_path(tmp_path: Path) -> Path:
    path = tmp_path / "x.db"
    await build(path)
    return path


async def run_export(db: Path, out: Path, fmt: str = "json", chat: int | None = None) -> str:
    code = await export_command(settings_for(db), chat, fmt, str(out), now=NOW)
    assert code == 0
    return read(out)


def read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


async def export_json(db: Path, tmp_path: Path, chat: int | None = None) -> dict:
    return json.loads(await run_export(db, tmp_path / "out.json", "json", chat))


def walk(value):
    """Every dict inside a JSON value."""
    if isinstance(value, dict):
        yield value
        for item in value.values():
            yield from walk(item)
    elif isinstance(value, list):
        for item in value:
            yield from walk(item)


def topic(doc: dict, chat_id: int, number: int) -> dict:
    chat = next(c for c in doc["chats"] if c["chat_id"] == chat_id)
    return next(t for t in chat["topics"] if t["id"] == number)


# ----- JSON ------------------------------------------------------------------------------------
async def test_json_has_exactly_the_contract_keys(db_path, tmp_path):
    doc = await export_json(db_path, tmp_path)
    assert set(doc) == {"schema", "generated_at", "chats"}
    assert doc["schema"] == "shangliang.export/1"
    assert doc["generated_at"] == "2026-03-09T12:00:00+00:00"
    assert [c["chat_id"] for c in doc["chats"]] == [RIVERSIDE, VILLAGE]  # by chat id
    for chat in doc["chats"]:
        assert set(chat) == {
            "chat_id", "title", "language", "timezone", "settings", "topics",
            "links", "contacts",  # added by issue 13 (两商衔接)
        }  # fmt: skip
        for t in chat["topics"]:
            assert set(t) == {
                "id", "title", "details", "status", "proposer_id", "created_at",
                "supporters", "views", "drafts", "votes", "history",
                # added by the follow-up issue
                "actions", "followups", "ratings", "subscribers",
                # added by issue 13: how it was talked over, offline meetings (RSVP,
                # attendance, minutes, show of hands), proxy ballots, escalations and outcomes
                "form", "meetings", "proxy_ballots", "escalations",
                "referrals", "consultations",  # added by issue 13 (两商衔接)
                "comments",  # added by issue 12: unsigned {"round", "rating", "text"}
            }  # fmt: skip
            for v in t["views"]:
                assert set(v) == {
                    "id", "author_id", "stance", "text", "created_at", "retracted",
                    "voice",  # added by issue 11: {"duration", "link"}, null for a text view
                }  # fmt: skip
            for d in t["drafts"]:
                assert set(d) == {"id", "version", "parent_id", "author_id", "text", "created_at"}
            for h in t["history"]:
                # "data" (the detail's structure) added by the refactor issue (issue 10)
                assert set(h) == {"at", "actor_id", "event", "detail", "data"}
            for vote in t["votes"]:
                base = {
                    "draft_id", "opened_at", "closes_at", "closed_at", "eligible", "quorum",
                    "threshold", "blocks_allowed", "tally", "voters", "result",
                }  # fmt: skip
                assert set(vote) in (base, base | {"ballots"})
                assert set(vote["tally"]) == {"agree", "abstain", "disagree", "block"}
                for ballot in vote.get("ballots", []):
                    assert set(ballot) == {"user_id", "choice", "reason"}


async def test_json_ids_are_the_numbers_people_type(db_path, tmp_path):
    doc = await export_json(db_path, tmp_path)
    village = next(c for c in doc["chats"] if c["chat_id"] == VILLAGE)
    assert [t["id"] for t in village["topics"]] == [1, 2]  # row ids are 2 and 3
    road = topic(doc, VILLAGE, 1)
    assert [v["id"] for v in road["views"]] == [1, 2, 3]  # row ids 2, 3, 4
    assert [(d["id"], d["version"], d["parent_id"]) for d in road["drafts"]] == [
        (1, 1, None),
        (2, 2, 1),
    ]
    assert road["votes"][0]["draft_id"] == 2
    assert topic(doc, VILLAGE, 2)["votes"][0]["draft_id"] == 1
    assert road["supporters"] == [BOB, CAROL]
    assert road["proposer_id"] == ALICE
    assert road["created_at"] == "2026-03-02T02:10:00+00:00"
    assert road["status"] == "adopted"
    assert road["details"] == "雨天积水\n# 不是标题"
    vote = road["votes"][0]
    assert vote["tally"] == {"agree": 2, "abstain": 0, "disagree": 1, "block": 0}
    assert vote["result"] == "adopted"
    assert (vote["eligible"], vote["quorum"], vote["threshold"], vote["blocks_allowed"]) == (
        10,
        4,
        "2/3",
        0,
    )
    assert vote["closed_at"] == "2026-03-02T03:30:00+00:00"
    assert vote["ballots"] == [
        {"user_id": ALICE, "choice": "agree", "reason": None},
        {"user_id": BOB, "choice": "disagree", "reason": "太贵"},
        {"user_id": CAROL, "choice": "agree", "reason": None},
    ]
    assert [v["retracted"] for v in road["views"]] == [False, False, True]


async def test_settings_are_merged_over_the_defaults(db_path, tmp_path):
    doc = await export_json(db_path, tmp_path)
    defaults = settings_for(db_path).defaults.model_dump(mode="json")
    river, village = doc["chats"]
    assert set(river["settings"]) == set(defaults)
    assert river["settings"]["quorum"] == "2"
    assert (river["language"], river["timezone"]) == ("en", "Europe/London")
    assert village["settings"] == defaults
    assert (village["language"], village["timezone"]) == ("zh", "Asia/Shanghai")


async def test_anonymous_view_author_is_null_everywhere(db_path, tmp_path):
    doc = await export_json(db_path, tmp_path)
    road = topic(doc, VILLAGE, 1)
    anonymous = road["views"][1]
    assert anonymous["author_id"] is None and anonymous["stance"] == "oppose"
    assert road["views"][0]["author_id"] == ALICE
    rows = [h for h in road["history"] if h["event"] == "view" and h["detail"].startswith("2 ")]
    assert rows and all(h["actor_id"] is None for h in rows)


async def test_secret_ballot_reveals_who_voted_but_no_choice(db_path, tmp_path):
    doc = await export_json(db_path, tmp_path)
    well = topic(doc, VILLAGE, 2)
    vote = well["votes"][0]
    assert "ballots" not in vote
    assert vote["voters"] == [ALICE, BOB, CAROL]  # sorted, although cast Carol, Alice, Bob
    assert vote["tally"] == {"agree": 1, "abstain": 0, "disagree": 1, "block": 1}
    assert vote["result"] == "not_adopted"
    for item in walk(well):
        assert not ({"user_id", "choice"} <= set(item)), item
        assert "choice" not in item
    # The order and times of casting are not tied to names either.
    ballots = [h for h in well["history"] if h["event"] == "ballot"]
    assert len(ballots) == 3 and all(h["actor_id"] is None and h["detail"] == "" for h in ballots)
    # Open ballots keep their actors.
    road = topic(doc, VILLAGE, 1)
    assert [h["actor_id"] for h in road["history"] if h["event"] == "ballot"] == [
        ALICE,
        BOB,
        CAROL,
    ]
    # Only open-ballot ballots carry choices, in any format.
    for item in walk(doc):
        if "choice" in item:
            assert item["user_id"] in (ALICE, BOB, CAROL)
    for fmt in ("json", "csv", "md"):
        text = await run_export(db_path, tmp_path / f"all.{fmt}", fmt)
        assert SECRET_REASON not in text


async def test_output_file_is_private(db_path, tmp_path):
    out = tmp_path / "records.json"
    await run_export(db_path, out)
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    out.chmod(0o644)
    await run_export(db_path, out, "csv")
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert out.read_text(encoding="utf-8").startswith("chat_id,")


async def test_export_to_stdout(db_path, capsys):
    assert await export_command(settings_for(db_path), None, "json", None, now=NOW) == 0
    assert json.loads(capsys.readouterr().out)["schema"] == "shangliang.export/1"


# ----- filters and errors ----------------------------------------------------------------------
async def test_chat_filter(db_path, tmp_path):
    doc = await export_json(db_path, tmp_path, chat=VILLAGE)
    assert [c["chat_id"] for c in doc["chats"]] == [VILLAGE]
    doc = await export_json(db_path, tmp_path, chat=-999)
    assert doc["chats"] == []
    rows = list(
        csv.reader(io.StringIO(await run_export(db_path, tmp_path / "r.csv", "csv", RIVERSIDE)))
    )
    assert [r[0] for r in rows[1:]] == [str(RIVERSIDE)]


async def test_missing_database_fails_without_creating_one(tmp_path, capsys):
    missing = tmp_path / "nothing" / "here.db"
    out = tmp_path / "out.json"
    assert await export_command(settings_for(missing), None, "json", str(out)) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "no database" in err[0] and str(missing) in err[0]
    assert not missing.exists() and not missing.parent.exists()
    assert not out.exists()


async def test_unwritable_output_is_one_line_and_exit_1(db_path, tmp_path, capsys):
    out = tmp_path / "no-such-dir" / "out.json"
    assert await export_command(settings_for(db_path), None, "json", str(out)) == 1
    assert len(capsys.readouterr().err.strip().splitlines()) == 1


async def test_export_reads_the_committed_state_while_a_writer_holds_the_lock(db_path, tmp_path):
    writer = sqlite3.connect(db_path, isolation_level=None)
    try:
        writer.execute("BEGIN IMMEDIATE")
        writer.execute(
            "INSERT INTO topics(chat_id, number, title, status, proposer_id, created_at) "
            "VALUES (?, 99, 'uncommitted', 'proposed', ?, ?)",
            (VILLAGE, ALICE, "2026-03-03T00:00:00+00:00"),
        )
        writer.execute("UPDATE topics SET title = 'changed' WHERE number = 1")
        doc = await export_json(db_path, tmp_path)
        village = next(c for c in doc["chats"] if c["chat_id"] == VILLAGE)
        assert [t["id"] for t in village["topics"]] == [1, 2]
        assert village["topics"][0]["title"] == "修村口的路"
    finally:
        writer.execute("ROLLBACK")
        writer.close()


# ----- CSV -------------------------------------------------------------------------------------
async def test_csv_one_row_per_topic(db_path, tmp_path):
    text = await run_export(db_path, tmp_path / "out.csv", "csv")
    rows = list(csv.DictReader(io.StringIO(text)))
    header = next(csv.reader(io.StringIO(text)))
    assert header == [
        "chat_id", "chat_title", "topic_id", "title", "status", "proposer_id", "created_at",
        "supporters", "views", "drafts", "votes", "last_result", "adopted_text",
    ]  # fmt: skip
    assert [(r["chat_id"], r["topic_id"]) for r in rows] == [
        (str(RIVERSIDE), "1"),
        (str(VILLAGE), "1"),
        (str(VILLAGE), "2"),
    ]
    road, well = rows[1], rows[2]
    assert road["chat_title"] == "桃园村议事群" and road["title"] == "修村口的路"
    assert (road["supporters"], road["views"], road["drafts"], road["votes"]) == (
        "2",
        "2",
        "2",
        "1",
    )
    assert road["last_result"] == "adopted"
    assert road["adopted_text"] == "下月修路，村委出资。"
    assert (well["last_result"], well["adopted_text"]) == ("not_adopted", "")
    assert rows[0]["last_result"] == "" and rows[0]["votes"] == "0"


# ----- Markdown --------------------------------------------------------------------------------
async def test_markdown_minutes_in_chinese(db_path, tmp_path):
    text = await run_export(db_path, tmp_path / "out.md", "md", VILLAGE)
    lines = text.splitlines()
    assert lines[0] == "# 协商纪要：桃园村议事群"
    for heading in (
        "## 议题 #1：修村口的路",
        "## 议题 #2：打一口新井",
        "### 意见",
        "#### 支持（1）",
        "#### 反对（1）",
        "### 共识文本草案",
        "### 表决",
        "### 记录",
    ):
        assert heading in lines, heading
    assert "- 状态：已通过" in lines
    assert "- 提议人：Alice" in lines
    # The outline a county office files (as the Word minutes): head, conclusion, minority views.
    assert "- 形式和地点：网上议事，在群“桃园村议事群”中" in lines
    assert "### 结论" in lines and "### 少数意见" in lines
    assert lines.index("### 结论") < lines.index("### 意见")
    assert text.rstrip().endswith("记录：商量机器人")
    assert "导出时间：2026-03-09 20:00（以下时间均为北京时间）" in lines
    # No Telegram id anywhere: not the group's, not a member's.
    assert str(VILLAGE) not in text and "群组编号" not in text
    assert not any(f"({n})" in text or f"{n}" in text for n in (5003, 5004, 5005))
    assert "- 附议人数：2" in lines
    assert "- 计票：同意 2、弃权 0、反对 1、否决 0" in lines
    assert "- 计票：同意 1、弃权 0、反对 1、否决 1" in lines
    assert "- 结果：通过" in lines and "- 结果：未通过" in lines
    assert any(line.startswith("- 规则：") and "2/3" in line for line in lines)
    assert any(line.startswith("#### 草案 2（第 2 版，由草案 1 修改") for line in lines)
    # Times in the chat's zone (Asia/Shanghai, UTC+8): proposed 02:10 UTC.
    assert "- 提出时间：2026-03-02 10:10" in lines
    # The anonymous view is anonymous; its Markdown-looking text stays text.
    assert any(line.startswith("- [2] 匿名，") and "\\# 钱从哪来？" in line for line in lines)
    assert "  \\> 先算账" in lines
    assert "\\# 不是标题" in lines and "# 不是标题" not in lines
    assert "另有 1 条意见已撤回。" in lines
    # Names where known: Bob has only a username.
    assert "@bob" in text
    # The secret vote lists who voted, no choices.
    secret = text.split("## 议题 #2")[1]
    assert "无记名表决" in secret and "各人表决" not in secret
    assert "参加表决（3）：Alice、@bob、Carol" in secret
    open_vote = text.split("## 议题 #2")[0]
    assert "  - @bob：反对，理由：太贵" in open_vote.splitlines()
    assert "> 下月修路，村委出资。" in lines
    # The record, in words and local time; anonymous rows stay anonymous.
    assert "- 2026-03-02 10:13 · 匿名 · 发表意见 · 意见 2（反对，匿名）" in lines
    assert "- 2026-03-02 10:21 · @bob · 修改草案 · 草案 1 → 草案 2" in lines
    assert "- 2026-03-02 11:30 · 系统 · 表决通过 · 同意 2、弃权 0、反对 1、否决 0" in lines
    assert "- 2026-03-02 10:51 · 匿名 · 投票" in secret.splitlines()


async def test_markdown_minutes_in_english(db_path, tmp_path):
    text = await run_export(db_path, tmp_path / "out.md", "md", RIVERSIDE)
    lines = text.splitlines()
    assert lines[0] == "# Minutes: Riverside"
    assert "## Topic #1: Fix the footbridge" in lines
    assert "- Status: waiting to be accepted" in lines
    assert "#### Support (1)" in lines
    assert "### Consensus drafts" in lines and "### Votes" in lines and "### Record" in lines
    # Europe/London in March is UTC+0.
    assert "- Proposed on: 2026-03-02 02:01" in lines
    assert "协商" not in text


def test_every_minutes_label_is_in_the_catalogs_with_the_same_placeholders():
    """The minutes' wording is one table of English msgids (with a "minutes" msgctxt) that the
    gettext catalogs translate: each has its Chinese, and both fill the same {fields}."""

    def marked(value):
        if isinstance(value, dict):
            for item in value.values():
                yield from marked(item)
        else:
            yield value

    def fields(text):
        return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}

    zh, en = translations("zh"), translations("en")
    labels = list(marked(LABELS))
    assert len(labels) > 100  # the follow-up labels included
    for context, msgid in labels:
        assert context.startswith("minutes"), msgid
        assert en.pgettext(context, msgid) == msgid
        chinese = zh.pgettext(context, msgid)
        assert chinese != msgid, f"no Chinese for {context!r} {msgid!r}"
        assert fields(chinese) == fields(msgid), msgid


# ----- the record's details --------------------------------------------------------------------
async def test_history_details_are_stored_as_json_and_exported_as_data(db_path, tmp_path):
    with sqlite3.connect(db_path) as conn:
        stored = [r[0] for r in conn.execute("SELECT detail FROM history WHERE event = 'view'")]
    assert [json.loads(text) for text in stored] == [
        {"view": 1, "stance": "support", "anonymous": False},
        {"view": 2, "stance": "oppose", "anonymous": True},
    ]
    doc = await export_json(db_path, tmp_path, chat=VILLAGE)
    road = topic(doc, VILLAGE, 1)
    # "detail" reads as it always did; "data" is what the services wrote.
    assert [(h["event"], h["detail"], h["data"]) for h in road["history"]] == [
        ("proposed", "修村口的路", {"title": "修村口的路"}),
        ("supported", "", {}),
        ("supported", "", {}),
        ("view", "1 support", {"view": 1, "stance": "support", "anonymous": False}),
        ("view", "2 oppose anonymous", {"view": 2, "stance": "oppose", "anonymous": True}),
        ("view_retracted", "3", {"view": 3}),
        ("amended", "1 -> 2", {"parent": 1, "draft": 2}),
        ("vote_opened", "draft 2", {"draft": 2}),
        ("ballot", "", {}),
        ("ballot", "", {}),
        ("ballot", "", {}),
        ("adopted", "agree=2 abstain=0 disagree=1 block=0", tally(2, 0, 1, 0)),
    ]
    # Secret ballots: the rows carry nothing that ties a person to a choice.
    well = topic(doc, VILLAGE, 2)
    assert [h["data"] for h in well["history"] if h["event"] == "ballot"] == [{}, {}, {}]


async def test_structured_details_read_as_words_in_the_minutes(db_path, tmp_path):
    db = Database(db_path)
    await db.open()
    try:
        async with db.transaction() as tx:
            road = await topic_repo.get_topic(tx, VILLAGE, 1)
            for minute, event, detail in (
                (100, "accepted", {"views_close": "2026-03-03T02:00:00+00:00"}),
                (101, "merged_in", {"from": 3, "views": 2}),
                (102, "new_round", {"mode": "drafts"}),
                (103, "declined", {"reason": "# 不归\n村里管"}),
                (104, "reopened", {"round": 2}),
            ):
                await topic_repo.record(tx, road.id, at(minute), ALICE, event, detail)
    finally:
        await db.close()
    lines = (await run_export(db_path, tmp_path / "out.md", "md", VILLAGE)).splitlines()
    for line in (
        "- 2026-03-02 11:40 · Alice · 受理并开始征集意见，截止 · 2026-03-03 10:00",
        "- 2026-03-02 11:41 · Alice · 并入议题 · 议题 #3（2 条意见）",
        "- 2026-03-02 11:42 · Alice · 开始新一轮 · 重新起草共识文本",
        "- 2026-03-02 11:43 · Alice · 不予受理 · \\# 不归 村里管",  # user text stays text
        "- 2026-03-02 11:44 · Alice · 重新开启 · 第 2 轮",
    ):
        assert line in lines, line


async def test_rows_written_before_details_were_structured_still_export(db_path, tmp_path):
    """Older databases hold free text in history.detail: it exports as text ("data": null),
    and a row about an anonymous view still never names its author."""
    old_rows = [
        (at(120), BOB, "view", "2 oppose anonymous"),
        (at(121), BOB, "view_edited", "2"),
        (at(122), ALICE, "declined", "# not\nours"),
        (at(123), ALICE, "proposed", "{not json"),
        (at(124), ALICE, "proposed", "[1, 2]"),
        (at(125), None, "ballot", ""),
    ]
    with sqlite3.connect(db_path) as conn:
        [(road_id,)] = conn.execute(
            "SELECT id FROM topics WHERE chat_id = ? AND number = 1", (VILLAGE,)
        ).fetchall()
        conn.executemany(
            "INSERT INTO history(topic_id, at, actor_id, event, detail) VALUES (?,?,?,?,?)",
            [(road_id, when.isoformat(), *rest) for when, *rest in old_rows],
        )
    doc = await export_json(db_path, tmp_path, chat=VILLAGE)
    old = topic(doc, VILLAGE, 1)["history"][-len(old_rows) :]
    assert [(h["actor_id"], h["event"], h["detail"], h["data"]) for h in old] == [
        (None, "view", "2 oppose anonymous", None),
        (None, "view_edited", "2", None),
        (ALICE, "declined", "# not\nours", None),
        (ALICE, "proposed", "{not json", None),
        (ALICE, "proposed", "[1, 2]", None),
        (None, "ballot", "", None),
    ]
    lines = (await run_export(db_path, tmp_path / "old.md", "md", VILLAGE)).splitlines()
    for line in (
        "- 2026-03-02 12:00 · 匿名 · 发表意见 · 2 oppose anonymous",
        "- 2026-03-02 12:01 · 匿名 · 修改意见 · 2",
        "- 2026-03-02 12:02 · Alice · 不予受理 · \\# not ours",
        "- 2026-03-02 12:03 · Alice · 提出议题 · {not json",
        "- 2026-03-02 12:05 · 匿名 · 投票",
    ):
        assert line in lines, line


@pytest.mark.parametrize(
    ("event", "data", "text"),
    [
        ("proposed", {"title": "修路"}, "修路"),
        ("supported", {}, ""),
        ("accepted", {"views_close": "2026-03-03T02:00:00+00:00"}, "2026-03-03T02:00:00+00:00"),
        ("declined", {"reason": "Not ours"}, "Not ours"),
        ("withdrawn", {}, ""),
        ("closed", {}, ""),
        ("escalated", {"reason": "the neighbours cannot agree"}, "the neighbours cannot agree"),
        ("merged", {"into": 2}, "into #2"),
        ("merged_in", {"from": 3, "views": 1}, "#3: 1 views"),
        ("new_round", {"mode": "views"}, "views"),
        ("view", view_detail(2, "oppose", True), "2 oppose anonymous"),
        ("view", view_detail(1, "support", False), "1 support"),
        ("view_edited", {"view": 2}, "2"),
        ("view_retracted", {"view": 3}, "3"),
        ("draft", {"draft": 1}, "1"),
        ("amended", {"parent": 1, "draft": 2}, "1 -> 2"),
        ("vote_opened", {"draft": 2}, "draft 2"),
        ("ballot", {}, ""),
        ("adopted", tally(2, 0, 1, 0), "agree=2 abstain=0 disagree=1 block=0"),
        ("not_adopted", tally(1, 0, 1, 1), "agree=1 abstain=0 disagree=1 block=1"),
        ("action_added", {"action": 1, "due": "2026-03-20"}, "A1 due 2026-03-20"),
        ("progress", {"action": 1, "percent": 40}, "A1 40%"),
        ("dropped", {"action": 2, "percent": 0}, "A2 0%"),
        ("done", {}, "every action done"),
        ("reopened", {"round": 2}, "round 2"),
        # An event this version does not know, a detail without the expected keys.
        ("later_event", {"a": 1, "b": "x"}, "a=1 b=x"),
        ("view", {"view": 2}, "view=2"),
    ],
)
def test_the_detail_text_reads_as_the_record_always_did(event, data, text):
    assert detail_text(event, data) == text


async def test_record_takes_a_structured_detail(tmp_path):
    db = Database(tmp_path / "r.db")
    await db.open()
    try:
        async with db.transaction() as tx:
            with pytest.raises(TypeError):
                await topic_repo.record(tx, 1, T0, None, "view", "2 oppose")  # type: ignore[arg-type]
    finally:
        await db.close()


# ----- extension point -------------------------------------------------------------------------
async def test_topic_extenders_add_keys(db_path, tmp_path):
    async def load(tx, chat_id, topics):
        return {t.row_id: [{"number": t.number}] for t in topics if t.number == 1}

    def markdown(value, minutes):
        return ["### Extra", "", f"- {len(value)}", ""]

    extender = TopicExtender(key="actions", load=load, markdown=markdown)
    registered = list(export_module.TOPIC_EXTENDERS)
    export_module.TOPIC_EXTENDERS[:] = [extender]  # the one list every part of the export reads
    try:
        doc = await export_json(db_path, tmp_path, chat=VILLAGE)
        text = await run_export(db_path, tmp_path / "x.md", "md", VILLAGE)
    finally:
        export_module.TOPIC_EXTENDERS[:] = registered
    assert topic(doc, VILLAGE, 1)["actions"] == [{"number": 1}]
    assert topic(doc, VILLAGE, 2)["actions"] == []
    assert text.count("### Extra") == 2


# ----- the real command ------------------------------------------------------------------------
def test_cli_export_json(db_path, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHANGLIANG_")}
    env.update(SHANGLIANG_DATABASE__PATH=str(db_path), SHANGLIANG_TELEGRAM__TOKEN="1:x")
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    result = subprocess.run(
        [sys.executable, "-m", "bot", "export", "--format", "json"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["schema"] == "shangliang.export/1"
    assert [c["chat_id"] for c in doc["chats"]] == [RIVERSIDE, VILLAGE]
    assert not (tmp_path / "shangliang.db").exists()


def test_csv_keeps_user_text_from_running_as_a_formula():
    from bot.export import render_csv

    doc = {
        "chats": [
            {
                "chat_id": 1,
                "title": "@group",
                "topics": [
                    {
                        "id": 1,
                        "title": '=HYPERLINK("x")',
                        "status": "proposed",
                        "proposer_id": 2,
                        "created_at": "2026-03-02T02:00:00+00:00",
                        "supporters": [],
                        "views": [],
                        "drafts": [],
                        "votes": [],
                    }
                ],
            }
        ]
    }
    row = list(csv.DictReader(io.StringIO(render_csv(doc))))[0]
    assert row["chat_title"] == "'@group"
    assert row["title"] == '\'=HYPERLINK("x")'
