from __future__ import annotations

import pytest

from tests.kit.story import World

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
async def world(tmp_path):
    w = await World.start(tmp_path)
    try:
        yield w
    finally:
        await w.stop()
        assert not w.errors, f"a handler raised: {w.errors!r}"
        faults = [
            (call.method, why)
            for call, _code, why in w.api.refusals
            if any(fault in why for fault in BOT_FAULTS)
        ]
        assert not faults, f"Telegram would have refused: {faults}"
