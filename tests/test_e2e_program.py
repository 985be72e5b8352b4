"""The real program, started as a user would, polling a Bot API that this test serves on 127.0.0.1."""

from __future__ import annotations

import json
import signal
import sqlite3
import stat
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from storage.migrate import LATEST_VERSION
from tests.kit.fake_api import Call, FakeBotAPI, html_to_plain
from tests.kit.http_server import (
    FakeBotServer,
    group_message,
    private_message,
    user,
    wait_for,
)
from tests.kit.program import ProgramProcess

pytestmark = pytest.mark.e2e

TOKEN = "987654321:E2E_SECRET_TOKEN_xxxxxxxxxxxxxxxx"
GROUP_ID = -1001234567890


class Program(ProgramProcess):
    def __init__(self, server: FakeBotServer, workdir: Path, token: str = TOKEN) -> None:
        super().__init__(
            server,
            workdir,
            token,
            {
                "SHANGLIANG_DATABASE__SYNCHRONOUS": "NORMAL",
                # Everything PTB has to say, so that the token check below reads the most output.
                "SHANGLIANG_LOGGING__LEVEL": "DEBUG",
            },
        )

    def start(self) -> None:
        self.spawn()

    def wait_ready(self, commands_before: int = 0) -> None:
        self.wait_menus(commands_before)

    def terminate(self, timeout: float = 8) -> int:
        assert self.process is not None
        started = time.monotonic()
        self.process.send_signal(signal.SIGTERM)
        try:
            code = self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            pytest.fail(f"no exit within {timeout}s of SIGTERM; output:\n{self.output()}")
        self.stopped_after = time.monotonic() - started
        return code

    # ----- talking to it ------------------------------------------------------------------
    def send(self, update: dict, chat_id: int, timeout: float = 8) -> str:
        """Deliver an update; the plain text of the bot's next message in `chat_id`."""
        before = len(self.api.calls_of("sendMessage", chat_id))
        self.api.push_update(update)
        try:
            calls: list[Call] = wait_for(
                lambda: self.api.calls_of("sendMessage", chat_id)[before:], timeout=timeout
            )
        except TimeoutError:
            pytest.fail(f"no answer in chat {chat_id}; output:\n{self.output()[-3000:]}")
        return html_to_plain(calls[0].text)


@pytest.fixture
def server() -> Iterator[FakeBotServer]:
    srv = FakeBotServer(token=TOKEN).start()
    try:
        yield srv
    finally:
        srv.stop()


@pytest.fixture
def program(server: FakeBotServer, tmp_path: Path) -> Iterator[Program]:
    prog = Program(server, tmp_path)
    try:
        yield prog
    finally:
        prog.kill()


def _menus(api: FakeBotAPI) -> dict[tuple[str, str | None], dict[str, str]]:
    menus = {}
    for call in api.calls_of("setMyCommands"):
        key = (call.params["scope"]["type"], call.params.get("language_code"))
        menus[key] = {c["command"]: c["description"] for c in call.params["commands"]}
    return menus


def test_program_serves_both_languages_stops_on_sigterm_and_keeps_its_state(program, server):
    api = server.api
    group = api.add_chat(GROUP_ID, "supergroup", "Dongshan village")
    alice = user(6001, "Alice", "alice", "en")
    chen = user(6002, "Chen", "chen", "zh-hans")
    emma = user(6003, "Emma", "emma", "en")
    wang = user(6004, "Wang", "wang", "zh")
    for person in (alice, chen, emma, wang):
        api.add_user(person["id"], person["first_name"], person["username"])
        api.add_chat(person["id"], "private", None, first_name=person["first_name"])
        api.set_status(GROUP_ID, person["id"], "member")
    api.set_status(GROUP_ID, chen["id"], "administrator")

    program.start()
    program.wait_ready()

    # The command menus: group, private and administrators' scopes, in zh, en and the default
    # (the zh default); administrators (convenors) see the convenors' commands as well.
    menus = _menus(api)
    assert set(menus) == {
        (scope, language)
        for scope in ("all_group_chats", "all_private_chats", "all_chat_administrators")
        for language in ("zh", "en", None)
    }
    assert "accept" in menus[("all_chat_administrators", "en")]
    assert "accept" not in menus[("all_group_chats", "en")]
    assert menus[("all_group_chats", "en")]["propose"] == "Propose a topic"
    assert menus[("all_group_chats", "zh")]["propose"] == "提出议题"
    assert menus[("all_group_chats", None)] == menus[("all_group_chats", "zh")]
    assert set(menus[("all_private_chats", "en")]) >= {"start", "help"}
    assert menus[("all_private_chats", "zh")]["help"] != menus[("all_private_chats", "en")]["help"]
    assert server.tokens_seen == {TOKEN} and not server.rejected

    # A group speaks its own language (Chinese by default), whatever the member's phone says.
    assert "提出议题" in program.send(group_message(group, alice, "/help"), GROUP_ID)
    assert "提出议题" in program.send(group_message(group, alice, "/start"), GROUP_ID)
    # An administrator (a convenor) switches the group to English.
    assert (
        program.send(group_message(group, chen, "/language en"), GROUP_ID)
        == "This group now speaks English."
    )
    assert [c.params["user_id"] for c in api.calls_of("getChatMember", GROUP_ID)] == [
        str(chen["id"])
    ]
    # The members' help is one message (the convenors' part is /help convenor).
    english_help = program.send(group_message(group, alice, "/help"), GROUP_ID)
    assert "Propose" in english_help and "提出议题" not in english_help
    assert "/help convenor" in english_help
    assert "Propose" in program.send(group_message(group, chen, "/start"), GROUP_ID)

    # A private chat follows the user's own language.
    assert "runs deliberation" in program.send(private_message(emma, "/start"), emma["id"])
    assert "runs deliberation" in program.send(private_message(emma, "/help"), emma["id"])
    assert "组织网上议事" in program.send(private_message(wang, "/start"), wang["id"])
    assert "组织网上议事" in program.send(private_message(wang, "/help"), wang["id"])

    # SIGTERM: a clean shutdown, quickly, with every update it handled confirmed to the server.
    assert program.terminate() == 0
    assert program.stopped_after < 5
    assert api.pending_updates() == []

    # The database: there, private to its owner, migrated, holding the group's language.
    assert program.db_path.exists()
    assert stat.S_IMODE(program.db_path.stat().st_mode) == 0o600
    with sqlite3.connect(program.db_path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == LATEST_VERSION
        stored = json.loads(
            conn.execute(
                "SELECT settings_json FROM chats WHERE chat_id = ?", (GROUP_ID,)
            ).fetchone()[0]
        )
    conn.close()
    assert stored["language"] == "en"

    # A restart on the same file: the group still speaks English, nothing is answered twice.
    answered = len(api.calls_of("sendMessage"))
    program.start()
    program.wait_ready(commands_before=6)
    assert len(api.calls_of("sendMessage")) == answered
    assert "Propose" in program.send(group_message(group, alice, "/help"), GROUP_ID)
    assert program.terminate() == 0

    output = program.output()
    assert "Application started" in output, output[-2000:]
    assert TOKEN not in output
    assert TOKEN.split(":", 1)[1] not in output


def test_a_rejected_token_ends_the_program_with_one_clear_line_and_no_token(server, tmp_path):
    # The server expects TOKEN; this program presents another one and is answered 404.
    wrong = "111111111:WRONG_TOKEN_yyyyyyyyyyyyyyyyyyyyyy"
    program = Program(server, tmp_path, token=wrong)
    try:
        program.start()
        try:
            code = program.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            pytest.fail("the program kept running with a rejected token")
    finally:
        program.kill()
    assert code == 1
    assert server.tokens_seen == {wrong}
    assert server.rejected == ["getMe"]
    assert not server.api.calls_of("setMyCommands")
    stderr = (tmp_path / "stderr-1.txt").read_text(encoding="utf-8")
    assert "shangliang: telegram.token was rejected by the Bot API" in stderr
    output = program.output()
    assert wrong not in output and wrong.split(":", 1)[1] not in output
