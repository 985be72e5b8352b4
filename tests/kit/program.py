"""`python -m bot run` as a user starts it, in its own process, against a FakeBotServer."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.kit.fake_api import FakeBotAPI
from tests.kit.http_server import FakeBotServer, wait_for


class ProgramProcess:
    """Its output goes to files (a full pipe cannot stall it), one pair per start."""

    def __init__(
        self, server: FakeBotServer, workdir: Path, token: str, settings: dict[str, str]
    ) -> None:
        self.server = server
        self.workdir = workdir
        self.token = token
        self.settings = settings
        self.db_path = workdir / "data" / "shangliang.db"
        self.process: subprocess.Popen[bytes] | None = None
        self.runs = 0

    @property
    def api(self) -> FakeBotAPI:
        return self.server.api

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("SHANGLIANG_")}
        env.update(
            SHANGLIANG_TELEGRAM__TOKEN=self.token,
            SHANGLIANG_TELEGRAM__BASE_URL=self.server.base_url,
            SHANGLIANG_TELEGRAM__POLL_TIMEOUT="1",
            SHANGLIANG_DATABASE__PATH=str(self.db_path),
            PYTHONUNBUFFERED="1",
            # A proxy from the environment must not swallow requests to 127.0.0.1.
            NO_PROXY="127.0.0.1,localhost",
            no_proxy="127.0.0.1,localhost",
            **self.settings,
        )
        return env

    def spawn(self) -> None:
        self.runs += 1
        out = (self.workdir / f"stdout-{self.runs}.txt").open("wb")
        err = (self.workdir / f"stderr-{self.runs}.txt").open("wb")
        with out, err:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "bot", "run"],
                cwd=self.workdir,
                env=self.env(),
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=err,
            )

    def wait_menus(self, menus_before: int = 0) -> None:
        """Ready once the nine command menus are registered (three scopes, zh, en and default)."""
        try:
            wait_for(
                lambda: (
                    len(self.api.calls_of("setMyCommands")) >= menus_before + 9
                    or self.process.poll() is not None
                ),
                timeout=15,
            )
        except TimeoutError:
            pytest.fail(f"the program did not get ready:\n{self.output()[-3000:]}")
        assert self.process.poll() is None, f"the program exited early:\n{self.output()[-3000:]}"

    def kill(self) -> None:
        """For `finally`: whatever happened, no process outlives its test."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=5)

    def output(self) -> str:
        texts = []
        for n in range(1, self.runs + 1):
            for name in (f"stdout-{n}.txt", f"stderr-{n}.txt"):
                path = self.workdir / name
                if path.exists():
                    texts.append(path.read_text(encoding="utf-8", errors="replace"))
        return "\n".join(texts)
