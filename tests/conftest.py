from __future__ import annotations

import pytest

from tests.kit.story import World


@pytest.fixture
async def world(tmp_path):
    w = await World.start(tmp_path)
    try:
        yield w
    finally:
        await w.stop()
        assert not w.errors, f"a handler raised: {w.errors!r}"
