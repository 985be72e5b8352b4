"""The real program under crashes: a whole deliberation, SIGKILL mid-vote, SIGTERM mid-burst.

Each test starts `python -m bot run` as a subprocess polling a fake Bot API served on 127.0.0.1
(tests/kit/http_server.py). The fake keeps every update with an id at or above the last offset
the program sent: an update is confirmed only by the program's next getUpdates, so a program
killed before that receives it again after a restart, which is what Telegram does.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.kit.fake_api import FakeBotAPI, html_to_plain
from tests.kit.http_server import (
    FakeBotServer,
    button_data,
    callback_query,
    group_message,
    group_reply,
    user,
    wait_for,
)
from tests.kit.program import ProgramProcess

pytestmark = pytest.mark.e2e

TOKEN = "424242424:CRASH_TEST_FAKE_TOKEN_zzzzzzzzzzzz"
GROUP_ID = -1009876543210


# ----- the program as a subprocess ---------------------------------------------------------------
class Program(ProgramProcess):
    """On one database; started, killed and restarted by the test."""

    def __init__(self, server: FakeBotServer, workdir: Path) -> None:
        super().__init__(
            server,
            workdir,
            TOKEN,
            {
                "SHANGLIANG_DEFAULTS__LANGUAGE": "en",
                "SHANGLIANG_DEFAULTS__QUIET_HOURS": "off",
                "SHANGLIANG_LIMITS__TALLY_REFRESH": "1s",
            },
        )

    def start(self) -> None:
        """Start and wait until it polls (its six command menus are registered first)."""
        menus_before = len(self.api.calls_of("setMyCommands"))
        self.spawn()
        self.wait_menus(menus_before)

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def terminate(self, timeout: float = 10) -> tuple[int, float]:
        """SIGTERM; (exit code, seconds it took)."""
        self.send_sigterm()
        return self.wait_exit(timeout)

    def send_sigterm(self) -> None:
        assert self.process is not None
        self.sigterm_at = time.monotonic()
        self.process.send_signal(signal.SIGTERM)

    def wait_exit(self, timeout: float = 10) -> tuple[int, float]:
        """After SIGTERM: (exit code, seconds since the signal)."""
        assert self.process is not None
        try:
            code = self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            pytest.fail(f"no exit within {timeout}s of SIGTERM:\n{self.output()[-3000:]}")
        return code, time.monotonic() - self.sigterm_at

    def sigkill(self) -> None:
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=5)

    def closers_done(self) -> bool:
        """Read while the program runs (WAL lets a reader in): are the vote's closing rows, the
        deadline and the result card, both marked done?"""
        if not self.db_path.exists():
            return False
        conn = sqlite3.connect(f"file:{self.db_path}?mode=ro", uri=True, timeout=1)
        try:
            rows = conn.execute(
                "SELECT done_at FROM scheduled WHERE kind IN ('vote_close', 'post_result')"
            ).fetchall()
        except sqlite3.OperationalError:
            return False
        finally:
            conn.close()
        return len(rows) == 2 and all(done is not None for (done,) in rows)

    def db(self) -> sqlite3.Connection:
        """The database, read directly once the program is stopped."""
        assert self.process is None or self.process.poll() is not None
        conn = sqlite3.connect(self.db_path)
        conn.row_factory = sqlite3.Row
        return conn

    def run_cli(self, *args: str, timeout: float = 20) -> subprocess.CompletedProcess[bytes]:
        return subprocess.run(
            [sys.executable, "-m", "bot", *args],
            cwd=self.workdir,
            env=self.env(),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=timeout,
        )


@pytest.fixture
def server() -> Iterator[FakeBotServer]:
    srv = FakeBotServer(token=TOKEN).start()
    http = srv._server
    assert http is not None
    report = http.handle_error

    def handle_error(request: Any, address: Any) -> None:
        # A killed program resets its connections: expected here, not worth a traceback.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            report(request, address)

    http.handle_error = handle_error  # type: ignore[method-assign]
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


# ----- the group and what it sees -------------------------------------------------------------
class Village:
    """A group with a convenor (chen, an administrator) and four members."""

    def __init__(self, program: Program) -> None:
        self.program = program
        api = self.api
        self.chat = api.add_chat(GROUP_ID, "supergroup", "Dongshan village")
        self.chen = user(7001, "Chen", "chen_convenor", "en")
        self.alice = user(7002, "Alice", "alice_v", "en")
        self.bob = user(7003, "Bob", "bob_v", "en")
        self.carol = user(7004, "Carol", "carol_v", "en")
        self.dan = user(7005, "Dan", "dan_v", "en")
        for person in self.people:
            api.add_user(person["id"], person["first_name"], person["username"], "en")
            api.set_status(GROUP_ID, person["id"], "member")
        api.set_status(GROUP_ID, self.chen["id"], "administrator")

    @property
    def api(self) -> FakeBotAPI:
        return self.program.api

    @property
    def people(self) -> list[dict[str, Any]]:
        return [self.chen, self.alice, self.bob, self.carol, self.dan]

    @property
    def members(self) -> list[dict[str, Any]]:
        return [self.alice, self.bob, self.carol, self.dan]

    def bot_messages(self) -> list[dict[str, Any]]:
        """The bot's messages in the group as they stand now (edits applied), oldest first."""
        stored = list(self.api.messages.items())
        return [m for (chat_id, _), m in sorted(stored) if chat_id == GROUP_ID]

    def last_id(self) -> int:
        ids = [m["message_id"] for m in self.bot_messages()]
        return max(ids, default=0)

    def sent_texts(self) -> list[str]:
        """Every text the bot sent to the group (not edits), in order."""
        return [html_to_plain(c.text) for c in self.api.calls_of("sendMessage", GROUP_ID)]

    def says(
        self,
        sender: dict[str, Any],
        text: str,
        expect: Callable[[dict[str, Any]], bool] | None = None,
        reply_to: dict[str, Any] | None = None,
        timeout: float = 10,
    ) -> dict[str, Any]:
        """Send a message; the bot's first new message in the group (matching `expect`)."""
        after = self.last_id()
        update = (
            group_reply(self.chat, sender, text, reply_to)
            if reply_to is not None
            else group_message(self.chat, sender, text)
        )
        self.api.push_update(update)

        def new_message() -> dict[str, Any] | None:
            for m in self.bot_messages():
                if m["message_id"] > after and (expect is None or expect(m)):
                    return m
            return None

        try:
            return wait_for(new_message, timeout=timeout)
        except TimeoutError:
            pytest.fail(
                f"no answer to {text!r}; the group saw:\n"
                + "\n---\n".join(self.sent_texts()[-5:])
                + f"\noutput:\n{self.program.output()[-3000:]}"
            )

    def reacted(self, sender: dict[str, Any], text: str, timeout: float = 10) -> None:
        """Send a message that the bot acknowledges with a reaction on it (a view)."""
        update = self.api.push_update(group_message(self.chat, sender, text))
        message_id = update["message"]["message_id"]
        try:
            wait_for(
                lambda: any(
                    str(c.params.get("message_id")) == str(message_id)
                    for c in self.api.calls_of("setMessageReaction", GROUP_ID)
                ),
                timeout=timeout,
            )
        except TimeoutError:
            pytest.fail(f"no reaction to {text!r}:\n{self.program.output()[-3000:]}")

    def press_update(self, sender: dict[str, Any], message: dict[str, Any], label: str) -> dict:
        current = self.api.messages[(GROUP_ID, message["message_id"])]
        return callback_query(self.chat, sender, current, button_data(current, label))

    def answers_to(self, update: dict[str, Any]) -> list[Any]:
        query_id = update["callback_query"]["id"]
        return [
            c
            for c in self.api.calls_of("answerCallbackQuery")
            if c.params.get("callback_query_id") == query_id
        ]

    def presses(
        self, sender: dict[str, Any], message: dict[str, Any], label: str, timeout: float = 10
    ) -> str:
        """Press a button on a bot message; the toast the bot answered with."""
        update = self.press_update(sender, message, label)
        self.api.push_update(update)
        try:
            answers = wait_for(lambda: self.answers_to(update), timeout=timeout)
        except TimeoutError:
            pytest.fail(
                f"the press of {label!r} was not answered:\n{self.program.output()[-3000:]}"
            )
        return str(answers[0].params.get("text", ""))

    def open_vote(self, duration: str) -> dict[str, Any]:
        """Topic #1 proposed, accepted, drafted and put to the vote; the ballot card."""
        self.says(self.alice, "/propose Fix the street lights", lambda m: "Topic #1" in m["text"])
        self.says(self.chen, "/accept 1", lambda m: "Views close" in m["text"])
        self.says(
            self.alice,
            "/draft 1 Replace the lamps on Main Street.",
            lambda m: "Draft 1" in m["text"],
        )
        return self.says(
            self.chen, f"/vote 1 1 {duration}", lambda m: m["text"].startswith("Vote on topic #1")
        )


def push_all(api: FakeBotAPI, updates: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Queue several updates at once: a long poll in progress returns all of them together."""
    with api._cond:
        return [api.push_update(u) for u in updates]


def no_tracebacks(program: Program) -> None:
    output = program.output()
    assert "Traceback" not in output, output[-4000:]
    assert TOKEN not in output and TOKEN.split(":", 1)[1] not in output


# ----- 1. a whole deliberation, then SIGTERM and the export ------------------------------------
def test_full_deliberation_end_to_end(program: Program) -> None:
    village = Village(program)
    api, v = program.api, village
    program.start()

    proposal = v.says(
        v.alice,
        "/propose Repair the village well\nThe well is old; the water is poor in summer.",
        lambda m: m["text"].startswith("Topic #1: Repair the village well"),
    )
    assert "The well is old" in proposal["text"]
    assert "Thank you: topic #1 is now seconded by 1 person" in v.presses(v.bob, proposal, "Second")
    assert "Topic #1 accepted" in v.presses(v.chen, proposal, "Accept")
    topic_card = wait_for(
        lambda: next(
            (m for m in v.bot_messages() if "Views close" in m["text"] and "Topic #1" in m["text"]),
            None,
        )
    )
    # The proposal card lost its buttons: the new card carries the view buttons.
    assert "reply_markup" not in api.messages[(GROUP_ID, proposal["message_id"])]
    v.reacted(v.carol, "/view 1 support About time")
    v.reacted(v.dan, "/view 1 support Yes, before the summer")

    draft = v.says(
        v.alice,
        "/draft 1 The village repairs the well this year, paid by the village fund.",
        lambda m: "Draft 1" in m["text"],
    )
    assert "paid by the village fund" in draft["text"]
    ballot = v.says(
        v.chen, "/vote 1 1 30s", lambda m: m["text"].startswith("Vote on topic #1: Repair")
    )
    assert "paid by the village fund" in ballot["text"]
    for person in v.members:
        assert "Your ballot: agree" in v.presses(person, ballot, "Agree")
    assert "Your ballot: disagree" in v.presses(v.dan, ballot, "Disagree")

    result = v.says(v.chen, "/close 1", lambda m: "adopted" in m["text"])
    assert result["text"].startswith("Topic #1 adopted: Repair the village well"), result["text"]
    assert "✅ Agree 3" in result["text"] and "❌ Disagree 1" in result["text"]
    # The ballot card is frozen with the final tally, without buttons.
    frozen = wait_for(
        lambda: (
            m
            if "This vote is closed"
            in (m := api.messages[(GROUP_ID, ballot["message_id"])])["text"]
            else None
        )
    )
    assert "reply_markup" not in frozen

    # The convenor gives the action to Bob by replying to his message.
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date()
    day = today + timedelta(days=45)
    # Shown for people: "Thu 14 Jan", with the year when it is not this one.
    shown = f"{day:%a} {day.day} {day:%b}" + (f" {day.year}" if day.year != today.year else "")
    hello = group_message(v.chat, v.bob, "I can organise the repair")["message"]
    added = v.says(
        v.chen,
        f"/action 1 {day.isoformat()} Do it",
        lambda m: "Action A1" in m["text"],
        reply_to=hello,
    )
    assert "Do it" in added["text"] and "Bob" in added["text"] and shown in added["text"]
    listing = v.says(v.alice, "/actions 1", lambda m: "Do it" in m["text"])
    assert "A1" in listing["text"] and "Bob" in listing["text"] and shown in listing["text"]

    texts = v.sent_texts()
    for wanted, times in (
        # The proposal card, then the deliberation card that replaced it.
        ("Topic #1: Repair the village well\n", 2),
        ("Vote on topic #1: Repair the village well\n", 1),
        ("Topic #1 adopted: Repair the village well\n", 1),
        ("Topic #1 adopted", 1),
    ):
        assert sum(t.startswith(wanted) for t in texts) == times, (wanted, texts)

    # Let the card edits after the result go out first: a SIGTERM while one is pending is its
    # own test below (test_sigterm_with_a_card_edit_pending_exits_0).
    (result_sent,) = [
        c
        for c in api.calls_of("sendMessage", GROUP_ID)
        if html_to_plain(c.text).startswith("Topic #1 adopted")
    ]
    try:
        wait_for(
            lambda: any(
                int(c.params["message_id"]) == topic_card["message_id"] and c.at > result_sent.at
                for c in api.calls_of("editMessageText", GROUP_ID)
            ),
            timeout=5,
        )
    except TimeoutError:
        pytest.fail(f"the topic card never showed the result:\n{program.output()[-3000:]}")
    code, took = program.terminate()
    assert code == 0, program.output()[-3000:]
    assert api.pending_updates() == []
    no_tracebacks(program)

    with program.db() as conn:
        topic = conn.execute("SELECT id, status FROM topics WHERE number = 1").fetchone()
        ballots = conn.execute(
            "SELECT user_id, choice FROM ballots JOIN votes ON votes.id = ballots.vote_id "
            "WHERE votes.topic_id = ?",
            (topic["id"],),
        ).fetchall()
    conn.close()
    assert topic["status"] == "following_up"
    assert sorted((b["user_id"], b["choice"]) for b in ballots) == sorted(
        [(p["id"], "agree") for p in (v.alice, v.bob, v.carol)] + [(v.dan["id"], "disagree")]
    )

    # The record, as the county office gets it.
    done = program.run_cli("export", "--format", "json")
    assert done.returncode == 0, done.stderr.decode(errors="replace")
    document = json.loads(done.stdout)
    chat = next(c for c in document["chats"] if c["chat_id"] == GROUP_ID)
    (record,) = [t for t in chat["topics"] if t["id"] == 1]
    assert record["status"] in ("adopted", "following_up")
    assert record["status"] == "following_up"
    (vote,) = record["votes"]
    assert vote["tally"] == {"agree": 3, "abstain": 0, "disagree": 1, "block": 0}
    assert vote["result"] == "adopted"
    assert len(vote["voters"]) == 4
    assert sorted((b["user_id"], b["choice"]) for b in vote["ballots"]) == sorted(
        (b["user_id"], b["choice"]) for b in ballots
    )
    assert {view["text"] for view in record["views"]} == {"About time", "Yes, before the summer"}
    assert TOKEN not in done.stdout.decode() + done.stderr.decode()


# ----- 2. SIGKILL while ballots are queued, restart, the deadline closes the vote --------------
class KillBeforeConfirm:
    """Hold the program's getUpdates that would confirm `last_id`, and SIGKILL it meanwhile.

    The program has the queued updates in hand and handles them while its next long poll (the
    one that would confirm them to Telegram) is held here; once `ready()` is true (some of them
    handled), the process is killed, so the offset never reaches the fake: everything from the
    batch is delivered again to the next process.
    """

    def __init__(self, program: Program, ready: Callable[[], bool]) -> None:
        self.program = program
        self.last_id: int | None = None
        self.ready = ready
        self.killed = threading.Event()
        self.error: BaseException | None = None
        self._original = program.api.handle
        program.api.handle = self._handle  # type: ignore[method-assign]

    def _handle(
        self, method: str, params: dict[str, Any], **options: Any
    ) -> tuple[int, dict[str, Any]]:
        if (
            method == "getUpdates"
            and not self.killed.is_set()
            and self.last_id is not None
            and int(params.get("offset") or 0) > self.last_id
        ):
            try:
                wait_for(self.ready, timeout=5)
            except BaseException as exc:
                self.error = exc
            self.program.sigkill()
            self.killed.set()
            return 200, {"ok": True, "result": []}
        return self._original(method, params, **options)

    def wait(self, timeout: float = 10) -> None:
        assert self.killed.wait(timeout), "the program never asked to confirm the batch"
        self.program.api.handle = self._original  # type: ignore[method-assign]
        if self.error is not None:
            raise AssertionError(f"the batch was not handled before the kill: {self.error!r}")


def test_sigkill_mid_vote_counts_every_ballot_once(program: Program) -> None:
    village = Village(program)
    api, v = program.api, village
    program.start()
    ballot = v.open_vote("20s")
    opened = time.monotonic()

    # Ballots before the crash, each handled and confirmed.
    v.presses(v.alice, ballot, "Agree")
    v.presses(v.bob, ballot, "Agree")
    v.presses(v.carol, ballot, "Disagree")

    # Five more presses arrive together; each press is answered slowly, so that the program is
    # killed with two of them handled and three still waiting behind the chat's lock.
    queued = [
        v.press_update(v.carol, ballot, "Agree"),  # Carol changes her mind
        v.press_update(v.dan, ballot, "Disagree"),
        v.press_update(v.chen, ballot, "Agree"),
        v.press_update(v.dan, ballot, "Agree"),  # Dan changes his mind
        v.press_update(v.bob, ballot, "Abstain"),  # and so does Bob
    ]
    expected = {
        v.alice["id"]: ("agree", 0),
        v.bob["id"]: ("abstain", 1),
        v.carol["id"]: ("agree", 1),
        v.dan["id"]: ("agree", 1),
        v.chen["id"]: ("agree", 0),
    }
    api.delay["answerCallbackQuery"] = 0.4
    trap = KillBeforeConfirm(program, ready=lambda: sum(len(v.answers_to(u)) for u in queued) >= 2)
    with api._cond:  # the trap knows the batch before the program can see it
        pushed = push_all(api, queued)
        trap.last_id = pushed[-1]["update_id"]
    trap.wait()
    api.delay.pop("answerCallbackQuery")
    assert [len(v.answers_to(u)) for u in pushed] == [1, 1, 0, 0, 0]
    assert {u["update_id"] for u in api.pending_updates()} >= {u["update_id"] for u in pushed}

    # The restarted program gets the five again: two it had handled, three it had not.
    program.start()
    try:
        wait_for(lambda: all(v.answers_to(u) for u in pushed), timeout=10)
    except TimeoutError:
        pytest.fail(f"redelivered presses were not handled:\n{program.output()[-3000:]}")

    # The deadline (20 s after opening) closes the vote in the restarted program.
    left = 20 - (time.monotonic() - opened)
    assert left > 0, "the setup took longer than the vote"
    try:
        wait_for(
            lambda: any(t.startswith("Topic #1 adopted") for t in v.sent_texts()),
            timeout=left + 8,
        )
    except TimeoutError:
        pytest.fail(f"no result card after the deadline:\n{program.output()[-3000:]}")
    # The result is posted and both closing rows are marked done: nothing can post it again. A
    # SIGTERM now lets whatever is in flight finish before the count below.
    try:
        wait_for(lambda: program.closers_done(), timeout=5)
    except TimeoutError:
        pytest.fail(f"the closing rows were not marked done:\n{program.output()[-3000:]}")
    code, _took = program.terminate()
    assert code == 0

    results = [t for t in v.sent_texts() if "adopted: Fix the street lights" in t]
    assert len(results) == 1, results
    assert "✅ Agree 4 · ⚪ Abstain 1 · ❌ Disagree 0 · ⛔ Block 0" in results[0], results[0]
    # Every press answered exactly once: none handled twice, none lost.
    assert [len(v.answers_to(u)) for u in pushed] == [1] * 5

    with program.db() as conn:
        (vote,) = conn.execute(
            "SELECT id, topic_id, closes_at, closed_at, result FROM votes"
        ).fetchall()
        ballots = conn.execute(
            "SELECT user_id, choice, changed FROM ballots WHERE vote_id = ?", (vote["id"],)
        ).fetchall()
        followups = conn.execute(
            "SELECT payload_json, due_at FROM scheduled WHERE kind = 'followup' AND ref_id = ?",
            (vote["topic_id"],),
        ).fetchall()
        closers = conn.execute(
            "SELECT kind, done_at FROM scheduled WHERE kind IN ('vote_close', 'post_result') "
            "AND ref_id = ?",
            (vote["id"],),
        ).fetchall()
        integrity = conn.execute("PRAGMA integrity_check").fetchone()[0]
    conn.close()
    assert vote["closed_at"] is not None and vote["result"] == "adopted"
    assert vote["closed_at"] >= vote["closes_at"]  # by the deadline's row, not earlier
    assert {b["user_id"]: (b["choice"], b["changed"]) for b in ballots} == expected
    assert len(ballots) == 5
    # The follow-up cards: one row per offset of the group (7d, 30d, 90d), none twice.
    indexes = sorted(json.loads(f["payload_json"])["index"] for f in followups)
    assert indexes == [0, 1, 2], [dict(f) for f in followups]
    assert len({f["due_at"] for f in followups}) == 3
    assert sorted(c["kind"] for c in closers) == ["post_result", "vote_close"]
    assert all(c["done_at"] is not None for c in closers)
    assert integrity == "ok"
    no_tracebacks(program)


def test_sigkill_after_confirmation_loses_no_press(program: Program) -> None:
    village = Village(program)
    api, v = program.api, village
    program.start()
    ballot = v.open_vote("1h")
    v.presses(v.alice, ballot, "Agree")

    queued = [
        v.press_update(v.bob, ballot, "Agree"),
        v.press_update(v.carol, ballot, "Agree"),
        v.press_update(v.dan, ballot, "Disagree"),
        v.press_update(v.chen, ballot, "Agree"),
        v.press_update(v.alice, ballot, "Abstain"),
    ]
    api.delay["answerCallbackQuery"] = 0.4
    pushed = push_all(api, queued)
    # The program confirms the batch at once, then handles it press by press.
    wait_for(lambda: api.confirmed_offset > pushed[-1]["update_id"], timeout=5)
    wait_for(lambda: sum(len(v.answers_to(u)) for u in pushed) >= 2, timeout=5)
    program.sigkill()
    api.delay.pop("answerCallbackQuery")

    program.start()
    # Whatever comes back is handled: every press answered (the three not handled before the
    # kill, now; the two handled before it, then).
    try:
        wait_for(lambda: all(v.answers_to(u) for u in pushed), timeout=10)
    except TimeoutError:
        pytest.fail(f"redelivered presses were not handled:\n{program.output()[-3000:]}")
    code, _took = program.terminate()
    assert code == 0
    with program.db() as conn:
        ballots = {
            r["user_id"]: r["choice"]
            for r in conn.execute("SELECT user_id, choice FROM ballots").fetchall()
        }
    conn.close()
    assert ballots == {
        v.alice["id"]: "abstain",
        v.bob["id"]: "agree",
        v.carol["id"]: "agree",
        v.dan["id"]: "disagree",
        v.chen["id"]: "agree",
    }


def test_sigterm_with_a_card_edit_pending_exits_0(program: Program) -> None:
    village = Village(program)
    api, v = program.api, village
    program.start()
    ballot = v.open_vote("1h")
    v.presses(v.alice, ballot, "Agree")  # asks for a tally edit of the card within 1 s
    code, took = program.terminate(timeout=5)
    assert code == 0 and took < 5
    card = api.messages[(GROUP_ID, ballot["message_id"])]
    assert "1 voted so far" in card["text"], card["text"]
    no_tracebacks(program)


# ----- 3. SIGTERM in the middle of a burst --------------------------------------------------------
def test_sigterm_during_activity_finishes_and_exits_0(program: Program) -> None:
    village = Village(program)
    api, v = program.api, village
    program.start()

    # Twenty proposals from five people (four each stays under the flood guard's burst).
    burst = [
        group_message(v.chat, person, f"/propose Proposal {n} from {person['first_name']}")
        for n in range(1, 5)
        for person in v.people
    ]
    late = [
        group_message(v.chat, person, f"/propose Proposal 5 from {person['first_name']}")
        for person in v.people
    ]
    pushed = push_all(api, burst)
    # SIGTERM as soon as the program is at work: one card out, nineteen to go. Five more
    # proposals arrive while it stops; it may take them or leave them to the next start.
    wait_for(lambda: api.calls_of("sendMessage", GROUP_ID), timeout=10)
    program.send_sigterm()
    pushed += push_all(api, late)
    burst += late
    code, took = program.wait_exit(timeout=10)
    assert code == 0, program.output()[-3000:]
    assert took < 10

    def cards() -> list[str]:
        return [t for t in v.sent_texts() if t.startswith("Topic #")]

    first_cards = cards()
    pending = {u["update_id"] for u in api.pending_updates()}
    with program.db() as conn:
        topics = conn.execute(
            "SELECT number, title, card_message_id FROM topics ORDER BY number"
        ).fetchall()
        inbox = {r[0] for r in conn.execute("SELECT update_id FROM inbox")}
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()
    # No half-written topic: each committed topic had its card posted and recorded.
    assert len(topics) == len(first_cards) >= 1
    assert all(t["card_message_id"] is not None for t in topics)
    assert [t["number"] for t in topics] == list(range(1, len(topics) + 1))
    # Nothing lost: every proposal of the burst is a topic, or Telegram still holds it
    # (unconfirmed), or it waits in the bot's own inbox for the next start.
    handled = {t["title"] for t in topics}
    for update in pushed:
        title = update["message"]["text"].split(" ", 1)[1]
        assert title in handled or update["update_id"] in pending | inbox, title
    no_tracebacks(program)

    # After a restart the rest of the burst is handled, and nothing twice.
    program.start()
    try:
        wait_for(lambda: len(cards()) >= len(burst), timeout=15)
    except TimeoutError:
        pytest.fail(f"{len(cards())} cards of {len(burst)}:\n{program.output()[-3000:]}")
    # Every update of the burst confirmed: the graceful stop below finishes what is in hand,
    # so any card posted twice would be counted.
    try:
        wait_for(lambda: api.confirmed_offset > pushed[-1]["update_id"], timeout=10)
    except TimeoutError:
        pytest.fail(f"the burst was not confirmed:\n{program.output()[-3000:]}")
    code, _took = program.terminate()
    assert code == 0
    with program.db() as conn:
        titles = [r[0] for r in conn.execute("SELECT title FROM topics ORDER BY number")]
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()
    assert sorted(titles) == sorted(u["message"]["text"].split(" ", 1)[1] for u in burst)
    assert len(cards()) == len(burst)
    no_tracebacks(program)


# ----- 6. ballots sent while the bot was down, before the deadline --------------------------
def test_ballots_sent_before_the_deadline_while_the_bot_was_down_count(program: Program) -> None:
    village = Village(program)
    api, v = program.api, village
    program.start()
    ballot = v.open_vote("12s")
    opened = time.monotonic()
    v.presses(v.carol, ballot, "Disagree")
    program.sigkill()
    # While the bot is down, two members vote by command, each message dated by Telegram.
    v_alice = api.push_update(group_message(v.chat, v.alice, "/ballot 1 agree"))
    v_bob = api.push_update(group_message(v.chat, v.bob, "/ballot 1 agree"))
    assert v_alice["message"]["date"] <= time.time()
    # The bot comes back only after the deadline has passed.
    time.sleep(max(0.0, 12 - (time.monotonic() - opened)) + 1)
    program.start()
    try:
        wait_for(lambda: any("adopted: Fix the street lights" in t for t in v.sent_texts()), 15)
    except TimeoutError:
        pytest.fail(f"no result card after the restart:\n{program.output()[-3000:]}")
    results = [t for t in v.sent_texts() if "adopted: Fix the street lights" in t]
    assert len(results) == 1 and results[0].startswith("Topic #1 adopted"), results
    assert "✅ Agree 2 · ⚪ Abstain 0 · ❌ Disagree 1" in results[0], results[0]
    code, _ = program.terminate()
    assert code == 0
    assert v_bob["update_id"] < api.confirmed_offset
    no_tracebacks(program)


# ----- 7. the database locked by another process during a burst -----------------------------
def test_a_database_locked_by_another_process_during_a_burst(program: Program) -> None:
    program.settings["SHANGLIANG_DATABASE__BUSY_TIMEOUT_MS"] = "200"
    village = Village(program)
    api, v = program.api, village
    program.start()
    v.says(v.alice, "/help", lambda m: "/propose" in m["text"])
    other = sqlite3.connect(program.db_path, isolation_level=None, timeout=5)
    other.execute("BEGIN IMMEDIATE")  # as `shangliang backup` or `migrate` might
    try:
        burst = push_all(
            api,
            [group_message(v.chat, p, f"/propose Matter of {p['first_name']}") for p in v.members],
        )
        # The program tries to store the burst, fails on the lock and retries (not confirming).
        try:
            wait_for(lambda: program.output().count("storing received updates failed") >= 3, 10)
        except TimeoutError:
            pytest.fail(f"no retries while the database was locked:\n{program.output()[-3000:]}")
        # Nothing stored, so nothing confirmed and nothing answered; the program is still up.
        assert api.confirmed_offset <= burst[0]["update_id"]
        assert not any("Matter of" in t for t in v.sent_texts())
        assert program.process.poll() is None
    finally:
        other.execute("COMMIT")
        other.close()
    try:
        wait_for(lambda: sum("Matter of" in t for t in v.sent_texts()) >= 4, timeout=15)
    except TimeoutError:
        pytest.fail(f"the burst was not handled after the lock:\n{program.output()[-3000:]}")
    code, _ = program.terminate()
    assert code == 0
    titles = [t.split("\n")[0] for t in v.sent_texts() if "Matter of" in t]
    assert sorted(t.split(": ", 1)[1] for t in titles) == sorted(
        f"Matter of {p['first_name']}" for p in v.members
    )
    with program.db() as conn:
        assert conn.execute("SELECT COUNT(*) FROM topics").fetchone()[0] == 4
    conn.close()
    assert "Traceback" not in program.output()


def test_a_lock_held_too_long_exits_non_zero_and_a_restart_loses_nothing(program: Program) -> None:
    program.settings["SHANGLIANG_DATABASE__BUSY_TIMEOUT_MS"] = "200"
    program.settings["SHANGLIANG_DATABASE__GIVE_UP_AFTER"] = "2s"
    village = Village(program)
    api, v = program.api, village
    program.start()
    other = sqlite3.connect(program.db_path, isolation_level=None, timeout=5)
    other.execute("BEGIN IMMEDIATE")
    try:
        pushed = api.push_update(group_message(v.chat, v.alice, "/propose Fix the well"))
        try:
            code = program.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            pytest.fail(f"the program went on without storing:\n{program.output()[-3000:]}")
    finally:
        other.execute("COMMIT")
        other.close()
    assert code == 75, program.output()[-3000:]
    lines = [line for line in program.output().splitlines() if "exiting so that" in line]
    assert len(lines) == 1 and "could not be stored" in lines[0], program.output()[-3000:]
    assert api.confirmed_offset <= pushed["update_id"]
    # Restarted (as systemd would), it gets the update again and handles it once.
    program.start()
    v_topic = wait_for(lambda: [t for t in v.sent_texts() if t.startswith("Topic #1: Fix")], 10)
    assert len(v_topic) == 1
    code, _ = program.terminate()
    assert code == 0
