"""The deployment files agree with the program: what they copy exists, what they run is ours."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCKERFILE = ROOT / "deploy" / "Dockerfile"
UNIT = ROOT / "deploy" / "shangliang.service"


def _instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with comments dropped and continuation lines joined."""
    joined = re.sub(
        r"\\\n",
        " ",
        "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#")),
    )
    out = []
    for line in joined.splitlines():
        if line.strip():
            word, _, rest = line.strip().partition(" ")
            out.append((word.upper(), rest.strip()))
    return out


def _unit() -> dict[str, list[str]]:
    values: dict[str, list[str]] = {}
    for line in UNIT.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith(("#", "[")):
            key, _, value = line.partition("=")
            values.setdefault(key, []).append(value)
    return values


def test_the_dockerfile_builds_our_package_and_runs_it_unprivileged():
    steps = _instructions(DOCKERFILE.read_text(encoding="utf-8"))
    assert steps[0] == ("FROM", "python:3.11-slim")
    copied = {
        args.split()[0] for kind, args in steps if kind == "COPY" and not args.startswith("--")
    }
    packages = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"][
        "setuptools"
    ]["packages"]["find"]["include"]
    # Every top-level package the project ships is copied in, and everything copied exists.
    assert {p.rstrip("*") for p in packages} <= copied
    assert all((ROOT / name).exists() for name in copied), copied
    assert "pyproject.toml" in copied
    assert any(kind == "RUN" and "pip install" in args for kind, args in steps)

    users = [args for kind, args in steps if kind == "USER"]
    assert users and users[-1] not in ("root", "0")
    envs = " ".join(args for kind, args in steps if kind == "ENV")
    assert "SHANGLIANG_DATABASE__PATH=/data/shangliang.db" in envs
    assert "SHANGLIANG_TELEGRAM__TOKEN" not in envs  # never baked into the image
    assert ("VOLUME", '["/data"]') in steps
    cmd = [json.loads(args) for kind, args in steps if kind == "CMD"]
    assert cmd == [["shangliang", "run"]]
    # The last USER comes after the install, so the program runs as that user.
    kinds = [kind for kind, _ in steps]
    assert max(i for i, k in enumerate(kinds) if k == "RUN") < kinds.index("USER")


def test_the_systemd_unit_runs_the_program_as_its_own_user_with_hardening():
    unit = _unit()
    assert unit["ExecStart"] == ["/opt/shangliang/.venv/bin/shangliang run"]
    assert unit["User"] == ["shangliang"] and unit["Group"] == ["shangliang"]
    assert unit["WorkingDirectory"] == ["/opt/shangliang"]
    assert unit["EnvironmentFile"] == ["/etc/shangliang/shangliang.env"]
    assert unit["Restart"] == ["on-failure"]
    assert unit["KillSignal"] == ["SIGTERM"]
    assert unit["TimeoutStopSec"]
    assert unit["NoNewPrivileges"] == ["yes"]
    assert unit["ProtectSystem"] == ["strict"]
    database = [v for v in unit["Environment"] if v.startswith("SHANGLIANG_DATABASE__PATH=")]
    assert len(database) == 1
    db_dir = str(Path(database[0].split("=", 1)[1]).parent)
    assert db_dir in unit["ReadWritePaths"], "the database directory must be writable"
    assert not any("TOKEN" in v for v in unit.get("Environment", []))


def test_the_systemd_unit_verifies(tmp_path):
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed")
    # verify checks that ExecStart exists: point it at this interpreter's installed script.
    script = Path(sys.executable).parent / "shangliang"
    if not script.exists():
        pytest.skip("the shangliang console script is not installed here")
    unit = tmp_path / "shangliang.service"
    unit.write_text(
        UNIT.read_text(encoding="utf-8").replace(
            "/opt/shangliang/.venv/bin/shangliang", str(script)
        ),
        encoding="utf-8",
    )
    result = subprocess.run(
        [analyze, "verify", "--man=no", str(unit)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    if result.returncode != 0 and "Failed to" in result.stderr and "bus" in result.stderr.lower():
        pytest.skip(f"systemd-analyze cannot run here: {result.stderr.strip()}")
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip() == "", result.stderr
