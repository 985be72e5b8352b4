"""`shangliang try`: the demo village serves its page, its stand-in refuses what Telegram
refuses (the tests' fake is the same code), and it never touches the production database.
The page in a real browser: tests/test_try_browser.py."""

from __future__ import annotations

import asyncio
import json
import os
import sqlite3
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from bot import cli
from bot.clock import ShiftedClock
from bot.settings import Settings
from standin import botapi
from standin.cast import DEMO_TOKEN, GROUP_ID
from standin.mark import make_demo_database
from standin.records import records
from tests.kit import fake_api
from tests.kit.try_process import TryProcess, free_port

PROPOSED_ZH = "待召集人受理"


@pytest.fixture
def demo(tmp_path):
    process = TryProcess(tmp_path).start()
    try:
        yield process
    finally:
        code = process.stop()
        assert code == 0, f"shangliang try did not stop cleanly ({code}):\n{process.output()}"


@pytest.mark.e2e
def test_try_serves_the_page_and_the_bot_welcomes_the_village(demo, tmp_path):
    status, kind, body = demo.get("")
    assert status == 200 and kind.startswith("text/html")
    page = body.decode("utf-8")
    assert "/static/app.js" in page and "/static/style.css" in page
    status, kind, script = demo.get("static/app.js")
    assert status == 200 and b"/demo/events" in script
    state = demo.get_json("demo/state")
    assert [p["name"] for p in state["people"]] == [
        "陈支书",
        "王秀英",
        "刘德福",
        "李大姐",
        "赵老汉",
    ]
    assert state["chats"][0] == {"id": GROUP_ID, "kind": "group", "title": "演示村"}
    welcome = state["messages"][0]
    assert welcome["is_bot"] and welcome["chat_id"] == GROUP_ID
    assert "商量" in welcome["text"] and "/propose" in welcome["text"]
    # The demo's own database, where it was told; nothing written where it runs.
    assert demo.db_path.is_file()
    assert not (tmp_path / "shangliang.db").exists()


@pytest.mark.e2e
def test_the_stand_in_refuses_what_the_strict_fake_refuses(demo):
    """The same model answers both: one place knows what Telegram refuses."""
    assert fake_api.FakeBotAPI is botapi.BotAPI
    fake = fake_api.FakeBotAPI()
    fake.add_chat(GROUP_ID, "supergroup", "演示村")
    cases = [
        ("sendMessage", {"chat_id": GROUP_ID, "text": "<b>unclosed", "parse_mode": "HTML"}),
        ("sendMessage", {"chat_id": GROUP_ID, "text": "x" * 4097}),
        ("sendMessage", {"chat_id": 424242, "text": "hello"}),
        ("answerCallbackQuery", {"callback_query_id": "never-delivered"}),
        ("deleteMessage", {"chat_id": GROUP_ID, "message_id": 999999}),
    ]
    for method, params in cases:
        expected_code, expected = fake.handle(method, dict(params))
        code, answer = demo.post(
            f"bot{DEMO_TOKEN}/{method}",
            json.dumps(params).encode(),
            "application/json",
        )
        assert (code, answer) == (expected_code, expected), method
        assert answer["ok"] is False and answer["description"].startswith("Bad Request")
    # Form-encoded, as the bot's HTTP client sends it, and the description Telegram gives.
    code, answer = demo.post(
        f"bot{DEMO_TOKEN}/sendMessage",
        b"chat_id=-1001000000777&text=%3Cmarquee%3Ehi%3C%2Fmarquee%3E&parse_mode=HTML",
        "application/x-www-form-urlencoded",
    )
    assert code == 400
    assert answer["description"] == (
        'Bad Request: can\'t parse entities: Unsupported start tag "marquee" at byte offset 0'
    )
    # Another token is not this bot: 404, as Telegram answers.
    code, answer = demo.post("bot123:other/getMe", b"", "application/json")
    assert code == 404 and answer["ok"] is False


@pytest.mark.e2e
def test_a_member_proposes_and_the_records_follow(demo):
    """The real bot answers a villager's /propose; the records panel lists the topic and the
    minutes download is a Word document."""
    code, answer = demo.post(
        "demo/say",
        json.dumps(
            {"user_id": 8002, "chat_id": GROUP_ID, "text": "/propose 修缮村口的路"}
        ).encode(),
        "application/json",
    )
    assert code == 200, answer
    for _ in range(100):
        texts = [m["text"] for m in demo.get_json("demo/state")["messages"] if m["is_bot"]]
        if any("议题 #1：修缮村口的路" in t for t in texts):
            break
        time.sleep(0.1)
    else:
        raise AssertionError(f"no topic card: {texts}")
    topics = demo.get_json("demo/records")["topics"]
    assert topics == [
        {"number": 1, "title": "修缮村口的路", "status": "proposed", "phase": PROPOSED_ZH}
    ]
    status, kind, data = demo.get("demo/minutes/1")
    assert status == 200 and "wordprocessingml" in kind and data[:2] == b"PK"
    export = demo.get_json("demo/export.json")
    assert export["schema"] == "shangliang.export/1"
    assert export["chats"][0]["topics"][0]["title"] == "修缮村口的路"
    # A villager may write only in the group or their own chat with the bot.
    code, answer = demo.post(
        "demo/say",
        json.dumps({"user_id": 8002, "chat_id": 8003, "text": "hi"}).encode(),
        "application/json",
    )
    assert code == 400 and answer["ok"] is False


def test_the_demo_database_is_never_the_production_one(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    settings = Settings.model_validate({"database": {"path": str(tmp_path / "prod.db")}})
    folder = tmp_path / "tmp"
    assert cli.demo_database(settings, None, folder) == folder / "demo.db"
    assert cli.demo_database(settings, "other.db", folder) == Path("other.db")
    for same in (str(tmp_path / "prod.db"), "prod.db", "./prod.db"):
        with pytest.raises(cli.ConfigError, match="database.path"):
            cli.demo_database(settings, same, folder)


def test_try_refuses_the_production_database_and_leaves_it_alone(tmp_path, monkeypatch, capsys):
    production = tmp_path / "shangliang.db"
    production.write_bytes(b"the village's records")
    monkeypatch.chdir(tmp_path)
    for name in [k for k in os.environ if k.startswith("SHANGLIANG_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("SHANGLIANG_DATABASE__PATH", str(production))
    code = cli.main(["try", "--no-browser", "--db", str(production)])
    assert code == 1
    assert "is the bot's own database" in capsys.readouterr().err
    assert production.read_bytes() == b"the village's records"


def test_try_never_replaces_a_database_it_did_not_make(tmp_path, monkeypatch, capsys):
    """Another database than the configured one (another folder, another config): refused,
    kept byte for byte; a file the demo made itself may be started afresh."""
    records = tmp_path / "elsewhere" / "records.db"
    records.parent.mkdir()
    with sqlite3.connect(records) as conn:
        conn.execute("CREATE TABLE precious (x)")
    before = records.read_bytes()
    monkeypatch.chdir(tmp_path)
    for name in [k for k in os.environ if k.startswith("SHANGLIANG_")]:
        monkeypatch.delenv(name)
    assert cli.main(["try", "--no-browser", "--db", str(records)]) == 1
    assert "the demo did not make" in capsys.readouterr().err
    assert records.read_bytes() == before
    demo_file = tmp_path / "demo.db"
    make_demo_database(demo_file)
    settings = Settings.model_validate({"database": {"path": str(tmp_path / "prod.db")}})
    assert cli.demo_database(settings, str(demo_file), tmp_path) == demo_file


def test_the_demo_clock_only_moves_forward():
    clock = ShiftedClock()
    before = clock.now()
    after = clock.advance(timedelta(days=7))
    assert timedelta(days=7) <= after - before < timedelta(days=7, seconds=5)
    with pytest.raises(ValueError):
        clock.advance(timedelta(hours=-1))


def test_run_names_the_proxy_and_the_self_hosted_server_when_telegram_is_unreachable(
    tmp_path, monkeypatch, capsys
):
    """Where Telegram is blocked the first thing a user sees says how to reach it."""
    monkeypatch.chdir(tmp_path)
    for name in [k for k in os.environ if k.startswith("SHANGLIANG_")]:
        monkeypatch.delenv(name)
    for name in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    port = free_port()
    monkeypatch.setenv("SHANGLIANG_TELEGRAM__TOKEN", "123:unreachable")
    monkeypatch.setenv("SHANGLIANG_TELEGRAM__BASE_URL", f"http://127.0.0.1:{port}/bot")
    monkeypatch.setenv("SHANGLIANG_DATABASE__PATH", str(tmp_path / "bot.db"))
    monkeypatch.setattr(cli, "BOOTSTRAP_TRIES", 1)
    assert cli.main(["run"]) == 1
    err = capsys.readouterr().err
    assert f"cannot reach the Bot API at http://127.0.0.1:{port}/bot" in err
    assert "HTTPS_PROXY" in err and "telegram.base_url" in err and "self-hosted" in err
    assert "shangliang try" in err
    assert "123:unreachable" not in err


def test_the_page_and_the_stand_in_are_package_data():
    """A wheel carries the page: pyproject's package data names standin's static folder."""
    root = Path(__file__).resolve().parent.parent
    text = (root / "pyproject.toml").read_text(encoding="utf-8")
    assert 'standin = ["static/*"]' in text and '"standin*"' in text
    for name in ("index.html", "app.js", "style.css"):
        assert (root / "standin" / "static" / name).is_file()


@pytest.mark.parametrize("forum", [False, True], ids=["group", "forum"])
async def test_the_example_plays_a_whole_deliberation_to_the_follow_up(tmp_path, forum):
    """Play the example, as the page's button does: propose → second → accept → views →
    draft → vote → result → action → follow-up, in the real bot on the stand-in (served in
    this process). In a forum group the accepted topic gets a thread of its own."""
    from aiohttp import web

    from standin.demo import Demo
    from standin.script import EXAMPLE, Player
    from standin.web import bind, make_app

    sock = bind(0)
    demo = Demo(sock.getsockname()[1], tmp_path / "demo.db", "en", forum=forum)
    runner = web.AppRunner(make_app(demo), access_log=None, shutdown_timeout=1)
    await runner.setup()
    await web.SockSite(runner, sock).start()
    events = demo.subscribe()
    player = Player(demo, pause=0)
    try:
        await demo.start()
        assert await player.start()
        assert not await player.start()  # one run at a time
        seen = []
        async with asyncio.timeout(60):
            while True:
                event = await events.get()
                if event["type"] == "narration":
                    seen.append(event["step"])
                if event["type"] == "played":
                    break
        assert "error" not in event, event
        assert seen == list(range(1, len(EXAMPLE) + 1))
        # The ratings reach the card with its next coalesced edit (limits.tally_refresh).
        async with asyncio.timeout(10):
            while True:
                texts = [m["text"] for m in demo.state()["messages"] if m["is_bot"]]
                followup = next(t for t in reversed(texts) if "Follow-up on topic #1" in t)
                if "Satisfied 1 · 😐 Partly 1" in followup:
                    break
                await asyncio.sleep(0.1)
        assert any("Topic #1 adopted" in t for t in texts), texts
        assert not demo.errors
        topics = await records(demo)
        assert [(t["number"], t["status"]) for t in topics] == [(1, "following_up")]
        state = demo.state()
        card = next(m for m in reversed(state["messages"]) if "Follow-up on topic #1" in m["text"])
        if forum:
            assert [t["name"] for t in state["threads"]] == [
                "#1 Repair the road at the village gate"
            ]
            assert card["thread_id"] == state["threads"][0]["id"]
        else:
            assert state["threads"] == [] and "thread_id" not in card
    finally:
        await player.cancel()
        await demo.stop()
        await runner.cleanup()


def test_the_readme_starts_with_try_it_and_shows_the_picture():
    """README's first command installs and starts `shangliang try`; its picture is committed;
    the transcript's commands are the example's own (standin/script.py), so neither drifts."""
    import re

    from standin.script import EXAMPLE

    root = Path(__file__).resolve().parent.parent
    readme = (root / "README.md").read_text(encoding="utf-8")
    sections = re.findall(r"^## (.+)$", readme, flags=re.M)
    assert sections[0].startswith("Try it")
    first = re.search(r"^    (python3 -m venv .+)$", readme, flags=re.M).group(1)
    assert first.endswith(".venv/bin/shangliang try") and 'pip install -e ".[test]"' in first
    assert "![" in readme and "(docs/try.png)" in readme
    png = (root / "docs" / "try.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 10_000
    played = [
        text.split("\n")[0]
        for step in EXAMPLE
        for act in step.actions
        for text in getattr(act, "texts", ())
    ]
    for line in re.findall(r"^    \S+  (/(?:propose|view|draft|vote) .+)$", readme, flags=re.M):
        assert line in played, line
    assert "(replying to 刘德福) /action 1 14天 组织各户出工修路" in readme
    assert "/action 1 14天 组织各户出工修路" in played
    assert "HTTPS_PROXY" in readme and "telegram.base_url" in readme


@pytest.mark.e2e
def test_pages_of_other_sites_cannot_drive_the_demo(demo):
    """Review: the stand-in listened on 127.0.0.1 only, but any web page the visitor had open
    could POST /demo/reset or /demo/say (by its Origin, or by DNS rebinding under another Host)."""
    import urllib.request

    def post(headers):
        request = urllib.request.Request(
            demo.url + "demo/clock",
            data=json.dumps({"hours": 1}).encode(),
            headers={"Content-Type": "application/json", **headers},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status
        except urllib.error.HTTPError as err:
            return err.code

    def clock():
        return datetime.fromisoformat(demo.get_json("demo/state")["now"])

    before = clock()
    assert post({"Origin": "http://evil.example"}) == 403
    assert post({"Host": "evil.example"}) == 403
    assert clock() - before < timedelta(minutes=10)  # the clock did not move an hour
    assert post({"Origin": demo.url.rstrip("/")}) == 200
    assert clock() - before >= timedelta(hours=1)
