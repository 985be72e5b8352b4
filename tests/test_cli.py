"""The `shangliang` command as an operator meets it: check-config, migrate, backup, --version."""

from __future__ import annotations

import os
import sqlite3
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from bot import __version__
from bot.cli import main
from storage.migrate import LATEST_VERSION

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "config.example.toml"
TOKEN = "555555555:CLI_SECRET_TOKEN_zzzzzzzzzzzzzzzzzz"


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHANGLIANG_")}
    env.update(extra)
    return env


def shangliang(*args: str, cwd: Path, timeout: float = 30, **env: str):
    """`python -m bot ARGS` in a separate process, as an operator would run it."""
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=cwd,
        env=_env(**env),
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )


@pytest.fixture
def clean_env(monkeypatch, tmp_path):
    """In-process runs: no SHANGLIANG_* from the caller, and no ./config.toml to pick up."""
    for key in list(os.environ):
        if key.startswith("SHANGLIANG_"):
            monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)
    return monkeypatch


def _settings_lines(stdout: str) -> dict[str, str]:
    return dict(line.split(" = ", 1) for line in stdout.splitlines() if " = " in line)


# ----- check-config --------------------------------------------------------------------------
def test_check_config_prints_the_settings_with_the_token_masked(tmp_path):
    result = shangliang(
        "check-config", "--config", str(EXAMPLE), cwd=tmp_path, SHANGLIANG_TELEGRAM__TOKEN=TOKEN
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    shown = _settings_lines(result.stdout)
    assert shown["telegram.token"] == "'**********'"
    assert shown["defaults.language"] == "'zh'"
    assert shown["defaults.vote_duration"] == "'2d'"
    assert shown["database.path"] == "'shangliang.db'"
    assert TOKEN not in result.stdout and TOKEN.split(":")[1] not in result.stdout


def test_check_config_without_a_token_says_where_to_put_it_in_one_line(tmp_path):
    result = shangliang("check-config", "--config", str(EXAMPLE), cwd=tmp_path)
    assert result.returncode == 1
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert "telegram.token" in lines[0] and "SHANGLIANG_TELEGRAM__TOKEN" in lines[0]


def test_an_empty_token_counts_as_missing(clean_env, capsys):
    clean_env.setenv("SHANGLIANG_TELEGRAM__TOKEN", "   ")
    assert main(["check-config", "--config", str(EXAMPLE)]) == 1
    assert "telegram.token is not set" in capsys.readouterr().err


def test_every_bad_value_is_reported_on_its_own_line(tmp_path):
    result = shangliang(
        "check-config",
        "--config",
        str(EXAMPLE),
        cwd=tmp_path,
        SHANGLIANG_TELEGRAM__TOKEN=TOKEN,
        SHANGLIANG_DEFAULTS__TIMEZONE="Mars/Base",
        SHANGLIANG_DEFAULTS__VOTE_DURATION="3x",
    )
    assert result.returncode == 1
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 2, result.stderr
    by_key = {line.split(":")[1].strip(): line for line in lines}
    assert set(by_key) == {"defaults.timezone", "defaults.vote_duration"}
    assert "Mars/Base" in by_key["defaults.timezone"]
    assert "3x" in by_key["defaults.vote_duration"]
    assert all(line.startswith("shangliang: ") for line in lines)


@pytest.mark.parametrize(
    ("key", "value", "named"),
    [
        ("SHANGLIANG_DEFAULTS__QUORUM", "150%", "defaults.quorum"),
        ("SHANGLIANG_DEFAULTS__THRESHOLD", "two thirds", "defaults.threshold"),
        ("SHANGLIANG_DEFAULTS__LANGUAGE", "fr", "defaults.language"),
        ("SHANGLIANG_DEFAULTS__QUIET_HOURS", "25:00-08:00", "defaults.quiet_hours"),
        ("SHANGLIANG_DATABASE__SYNCHRONOUS", "OFF", "database.synchronous"),
        ("SHANGLIANG_LIMITS__FLOOD_WINDOW", "0s", "limits.flood_window"),
    ],
)
def test_a_bad_value_names_its_key(clean_env, capsys, key, value, named):
    clean_env.setenv("SHANGLIANG_TELEGRAM__TOKEN", TOKEN)
    clean_env.setenv(key, value)
    assert main(["check-config", "--config", str(EXAMPLE)]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"shangliang: {named}:"), lines


def test_the_environment_wins_over_the_file_which_wins_over_the_defaults(clean_env, capsys):
    config = Path("mine.toml")
    config.write_text(
        '[telegram]\ntoken = "111111:FROM_THE_FILE_aaaaaaaaaaaaaaaaaaaa"\npoll_timeout = 5\n'
        '[defaults]\nlanguage = "en"\nvote_duration = "36h"\n',
        encoding="utf-8",
    )
    clean_env.setenv("SHANGLIANG_TELEGRAM__POLL_TIMEOUT", "7")
    clean_env.setenv("SHANGLIANG_DEFAULTS__VOTE_DURATION", "1d12h")
    assert main(["check-config", "--config", str(config)]) == 0
    shown = _settings_lines(capsys.readouterr().out)
    assert shown["telegram.poll_timeout"] == "7"  # environment over file
    assert shown["defaults.vote_duration"] == "'1d12h'"  # environment over file
    assert shown["defaults.language"] == "'en'"  # file over default
    assert shown["defaults.timezone"] == "'Asia/Shanghai'"  # default
    assert shown["telegram.token"] == "'**********'"  # the token from the file, masked


def test_the_config_file_may_be_named_by_environment_or_found_in_the_working_directory(
    clean_env, capsys
):
    Path("config.toml").write_text('[defaults]\nlanguage = "en"\n', encoding="utf-8")
    Path("other.toml").write_text('[defaults]\ntimezone = "Europe/Berlin"\n', encoding="utf-8")
    clean_env.setenv("SHANGLIANG_TELEGRAM__TOKEN", TOKEN)
    assert main(["check-config"]) == 0
    assert _settings_lines(capsys.readouterr().out)["defaults.language"] == "'en'"

    clean_env.setenv("SHANGLIANG_CONFIG", "other.toml")
    assert main(["check-config"]) == 0
    shown = _settings_lines(capsys.readouterr().out)
    assert shown["defaults.timezone"] == "'Europe/Berlin'"
    assert shown["defaults.language"] == "'zh'"  # ./config.toml no longer read


def test_a_named_config_file_that_is_missing_is_an_error(clean_env, capsys):
    clean_env.setenv("SHANGLIANG_TELEGRAM__TOKEN", TOKEN)
    assert main(["check-config", "--config", "missing.toml"]) == 1
    assert capsys.readouterr().err.strip() == "shangliang: config file not found: missing.toml"
    clean_env.setenv("SHANGLIANG_CONFIG", "also-missing.toml")
    assert main(["check-config"]) == 1
    assert "config file not found: also-missing.toml" in capsys.readouterr().err


def test_a_broken_or_unknown_setting_in_the_file_is_an_error(clean_env, capsys):
    clean_env.setenv("SHANGLIANG_TELEGRAM__TOKEN", TOKEN)
    Path("broken.toml").write_text("[telegram\npoll_timeout = 5\n", encoding="utf-8")
    assert main(["check-config", "--config", "broken.toml"]) == 1
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and err[0].startswith("shangliang: broken.toml:")

    Path("typo.toml").write_text("[telegram]\npoll_timout = 5\n", encoding="utf-8")
    assert main(["check-config", "--config", "typo.toml"]) == 1
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and "telegram.poll_timout" in err[0]


def test_config_may_come_after_the_subcommand_or_before_it(clean_env, capsys):
    Path("en.toml").write_text('[defaults]\nlanguage = "en"\n', encoding="utf-8")
    clean_env.setenv("SHANGLIANG_TELEGRAM__TOKEN", TOKEN)
    assert main(["--config", "en.toml", "check-config"]) == 0
    assert _settings_lines(capsys.readouterr().out)["defaults.language"] == "'en'"
    assert main(["check-config", "--config", "en.toml"]) == 0
    assert _settings_lines(capsys.readouterr().out)["defaults.language"] == "'en'"


# ----- version ----------------------------------------------------------------------------
def test_version(tmp_path):
    result = shangliang("--version", cwd=tmp_path)
    assert result.returncode == 0
    assert result.stdout.strip() == f"shangliang {__version__}"


def test_the_installed_console_script_is_the_same_program(tmp_path):
    script = Path(sys.executable).parent / "shangliang"
    if not script.exists():
        pytest.skip("the project is not installed as a console script here")
    result = subprocess.run(
        [str(script), "--version"],
        cwd=tmp_path,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 0
    assert result.stdout.strip() == f"shangliang {__version__}"


# ----- migrate ------------------------------------------------------------------------------
def test_migrate_creates_a_private_database_at_the_latest_version(tmp_path):
    db = tmp_path / "state" / "bot.db"
    result = shangliang("migrate", cwd=tmp_path, SHANGLIANG_DATABASE__PATH=str(db))
    assert result.returncode == 0, result.stderr
    assert f"schema version {LATEST_VERSION}" in result.stdout
    assert stat.S_IMODE(db.stat().st_mode) == 0o600
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == LATEST_VERSION
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        assert {"chats", "users", "inbox", "scheduled"} <= tables
    finally:
        conn.close()


def test_migrate_twice_changes_nothing(clean_env, capsys):
    clean_env.setenv("SHANGLIANG_DATABASE__PATH", "again.db")
    assert main(["migrate"]) == 0
    conn = sqlite3.connect("again.db")
    conn.execute(
        "INSERT INTO chats(chat_id, type, created_at) VALUES (-100, 'supergroup', '2026-01-01')"
    )
    conn.commit()
    conn.close()
    assert main(["migrate"]) == 0
    conn = sqlite3.connect("again.db")
    try:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == LATEST_VERSION
        assert conn.execute("SELECT chat_id FROM chats").fetchall() == [(-100,)]
    finally:
        conn.close()


def test_migrate_refuses_a_database_from_a_newer_program(tmp_path):
    db = tmp_path / "future.db"
    conn = sqlite3.connect(db)
    conn.execute(f"PRAGMA user_version={LATEST_VERSION + 1}")
    conn.close()
    result = shangliang("migrate", cwd=tmp_path, SHANGLIANG_DATABASE__PATH=str(db))
    assert result.returncode != 0
    assert "newer than this program" in result.stderr
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == LATEST_VERSION + 1
        assert conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0] == 0
    finally:
        conn.close()


# ----- backup -------------------------------------------------------------------------------
def _populate(db: Path, rows: int) -> None:
    conn = sqlite3.connect(db)
    with conn:
        conn.executemany(
            "INSERT INTO chats(chat_id, type, title, created_at) VALUES (?, 'group', ?, ?)",
            [(-i, "village " * 20, "2026-01-01T00:00:00+00:00") for i in range(1, rows + 1)],
        )
    conn.close()


def test_backup_writes_a_consistent_private_copy(tmp_path):
    db = tmp_path / "live.db"
    assert shangliang("migrate", cwd=tmp_path, SHANGLIANG_DATABASE__PATH=str(db)).returncode == 0
    _populate(db, 500)
    copy = tmp_path / "backups" / "copy.db"
    copy.parent.mkdir()
    result = shangliang("backup", str(copy), cwd=tmp_path, SHANGLIANG_DATABASE__PATH=str(db))
    assert result.returncode == 0, result.stderr
    assert str(copy) in result.stdout
    assert stat.S_IMODE(copy.stat().st_mode) == 0o600
    conn = sqlite3.connect(copy)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("PRAGMA user_version").fetchone()[0] == LATEST_VERSION
        assert conn.execute("SELECT count(*) FROM chats").fetchone()[0] == 500
        live = sqlite3.connect(db)
        expected = {r[0] for r in live.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        live.close()
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        assert tables == expected
    finally:
        conn.close()


def test_backup_while_another_connection_writes_is_consistent(tmp_path):
    db = tmp_path / "busy.db"
    assert shangliang("migrate", cwd=tmp_path, SHANGLIANG_DATABASE__PATH=str(db)).returncode == 0
    _populate(db, 2000)
    batch = 25
    written = {"transactions": 0}
    stop = threading.Event()
    failures: list[BaseException] = []

    def writer() -> None:
        # Each transaction adds `batch` users; a copy holding a partial transaction would show.
        conn = sqlite3.connect(db, timeout=10)
        conn.execute("PRAGMA busy_timeout=10000")
        try:
            n = 0
            while not stop.is_set():
                with conn:
                    conn.executemany(
                        "INSERT INTO users(user_id, first_name, updated_at) VALUES (?, ?, ?)",
                        [(n * batch + i + 1, "writer", "2026-01-01") for i in range(batch)],
                    )
                n += 1
                written["transactions"] = n
        except BaseException as exc:  # reported below, in the test's own thread
            failures.append(exc)
        finally:
            conn.close()

    thread = threading.Thread(target=writer, daemon=True)
    thread.start()
    copy = tmp_path / "copy.db"
    try:
        deadline = time.monotonic() + 5
        while written["transactions"] < 5 and time.monotonic() < deadline:
            time.sleep(0.01)
        before = written["transactions"]
        assert before >= 5, "the writer did not get going"
        result = shangliang("backup", str(copy), cwd=tmp_path, SHANGLIANG_DATABASE__PATH=str(db))
        after = written["transactions"]
    finally:
        stop.set()
        thread.join(timeout=10)
    assert not failures, failures
    assert result.returncode == 0, result.stderr
    assert after > before, "the writer was not writing during the backup"

    conn = sqlite3.connect(copy)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("PRAGMA user_version").fetchone()[0] == LATEST_VERSION
        assert conn.execute("SELECT count(*) FROM chats").fetchone()[0] == 2000
        users, top = conn.execute(
            "SELECT count(*), coalesce(max(user_id), 0) FROM users"
        ).fetchone()
    finally:
        conn.close()
    # Whole transactions only, with no gap: a snapshot of the database at one moment.
    assert users % batch == 0 and users == top
    # (`after` is read once the backup is done; the writer may have committed one more by then.)
    assert before * batch <= users <= (after + 1) * batch


def test_backup_of_a_database_that_does_not_exist_is_an_error(clean_env, capsys):
    clean_env.setenv("SHANGLIANG_DATABASE__PATH", "nowhere.db")
    assert main(["backup", "copy.db"]) == 1
    assert capsys.readouterr().err.strip() == "shangliang: no database at nowhere.db"
    assert not Path("copy.db").exists() and not Path("nowhere.db").exists()
