"""The BaseRequest seam: PTB talks to FakeBotAPI in-process, with no network."""

from __future__ import annotations

import asyncio
import json

from telegram._utils.defaultvalue import DEFAULT_NONE
from telegram.request import BaseRequest, RequestData

from tests.kit.fake_api import FakeBotAPI


class FakeRequest(BaseRequest):
    def __init__(self, api: FakeBotAPI) -> None:
        self.api = api

    @property
    def read_timeout(self) -> float | None:
        return 1.0

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout=DEFAULT_NONE,
        write_timeout=DEFAULT_NONE,
        connect_timeout=DEFAULT_NONE,
        pool_timeout=DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        api_method = url.rsplit("/", 1)[-1]
        params = dict(request_data.parameters) if request_data else {}
        if request_data and request_data.multipart_data:
            params.update({k: "<file>" for k in request_data.multipart_data})
        # Yield once so that concurrent handlers interleave as they would over a network.
        await asyncio.sleep(0)
        code, body = self.api.handle(api_method, params)
        return code, json.dumps(body).encode()
