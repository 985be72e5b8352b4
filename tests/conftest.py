from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.kit.story import World
from tests.kit.transcript import Recorder

# Refusals that only a bug in the bot can earn, whatever the test arranges: a press answered
# twice or too late, HTML Telegram cannot parse, text too long, bad button data. The bot may
# swallow them (a failed answer or private copy is only logged); the test must not.
BOT_FAULTS = (
    "query is too old",
    "can't parse entities",
    "message is too long",
    "MESSAGE_TOO_LONG",
    "BUTTON_DATA_INVALID",
)


@pytest.fixture
async def world(tmp_path, request):
    w = await World.start(tmp_path)
    # SHANGLIANG_TRANSCRIPTS=<folder>: each story's chats as they ended (tests/kit/transcript.py).
    folder = os.environ.get("SHANGLIANG_TRANSCRIPTS")
    recorder = Recorder(w) if folder else None
    try:
        yield w
    finally:
        await w.stop()
        if recorder is not None:
            recorder.write(Path(folder) / f"{request.node.name}.txt")
        assert not w.errors, f"a handler raised: {w.errors!r}"
        faults = [
            (call.method, why)
            for call, _code, why in w.api.refusals
            if any(fault in why for fault in BOT_FAULTS)
        ]
        assert not faults, f"Telegram would have refused: {faults}"
