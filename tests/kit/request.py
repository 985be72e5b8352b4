"""The BaseRequest seam: PTB talks to FakeBotAPI in-process, with no network."""

from __future__ import annotations

import asyncio
import json

from telegram._utils.defaultvalue import DEFAULT_NONE
from telegram.request import BaseRequest, RequestData

from tests.kit.fake_api import FakeBotAPI
from tests.kit.polling import AsyncPolling


class FakeRequest(BaseRequest):
    def __init__(self, api: FakeBotAPI) -> None:
        self.api = api
        self.polling = AsyncPolling(api)

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
        if api_method == "getUpdates":
            updates = await self.polling.get_updates(params)
            return 200, json.dumps({"ok": True, "result": updates}).encode()
        files: dict[str, bytes] = {}
        if request_data and request_data.multipart_data:
            params.update({k: "<file>" for k in request_data.multipart_data})
            # The uploaded bytes, for a test to open the document the bot sent.
            for key, field in request_data.multipart_data.items():
                content = field[1]
                files[key] = content if isinstance(content, bytes) else content.read()
        # Latency is awaited, never slept: other chats go on meanwhile, as over a network. With
        # none, yield once anyway so that concurrent handlers interleave.
        await asyncio.sleep(self.api.latency(api_method))
        code, body = self.api.handle(api_method, params, files=files)
        return code, json.dumps(body).encode()
