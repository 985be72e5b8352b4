"""`shangliang try --no-browser` as a user starts it, in its own process, on a free port."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def shangliang_command() -> list[str]:
    """The installed `shangliang` script beside this interpreter, else `python -m bot`."""
    script = shutil.which("shangliang", path=str(Path(sys.executable).parent))
    return [script] if script else [sys.executable, "-m", "bot"]


class TryProcess:
    """The demo in a subprocess; its output goes to files (a full pipe cannot stall it)."""

    def __init__(self, workdir: Path, language: str = "zh", extra: list[str] | None = None):
        self.workdir = workdir
        self.port = free_port()
        self.language = language
        self.extra = extra or []
        self.db_path = workdir / "demo" / "demo.db"
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("SHANGLIANG_")}
        env.update(PYTHONUNBUFFERED="1", NO_PROXY="127.0.0.1,localhost", no_proxy="127.0.0.1")
        return env

    def start(self, timeout: float = 30.0) -> TryProcess:
        command = [
            *shangliang_command(),
            "try",
            "--no-browser",
            "--port",
            str(self.port),
            "--lang",
            self.language,
            "--db",
            str(self.db_path),
            *self.extra,
        ]
        with (self.workdir / "try-out.txt").open("wb") as out:
            with (self.workdir / "try-err.txt").open("wb") as err:
                self.process = subprocess.Popen(
                    command,
                    cwd=self.workdir,
                    env=self.env(),
                    stdin=subprocess.DEVNULL,
                    stdout=out,
                    stderr=err,
                )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"shangliang try exited early:\n{self.output()}")
            try:
                state = self.get_json("demo/state")
                if state.get("messages"):  # the bot's welcome: it is up
                    return self
            except OSError:
                pass
            time.sleep(0.2)
        raise AssertionError(f"shangliang try did not get ready:\n{self.output()}")

    def get(self, path: str) -> tuple[int, str, bytes]:
        """(status, content type, body) of GET `path`."""
        with urllib.request.urlopen(self.url + path, timeout=10) as response:
            return response.status, response.headers.get("Content-Type", ""), response.read()

    def get_json(self, path: str) -> Any:
        return json.loads(self.get(path)[2])

    def post(self, path: str, body: bytes, content_type: str) -> tuple[int, Any]:
        request = urllib.request.Request(
            self.url + path, data=body, headers={"Content-Type": content_type}, method="POST"
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as err:
            return err.code, json.loads(err.read())

    def stop(self) -> int | None:
        """SIGTERM, as Ctrl+C or a service manager stops it; killed if it lingers."""
        if self.process is None or self.process.poll() is not None:
            return None if self.process is None else self.process.returncode
        self.process.terminate()
        try:
            return self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=5)
            return None

    def output(self) -> str:
        texts = []
        for name in ("try-out.txt", "try-err.txt"):
            path = self.workdir / name
            if path.exists():
                texts.append(path.read_text(encoding="utf-8", errors="replace"))
        return "\n".join(texts)[-4000:]
