"""The fake Bot API over HTTP on 127.0.0.1, so that the real program can talk to it.

server = FakeBotServer(token=TOKEN).start()
env["SHANGLIANG_TELEGRAM__BASE_URL"] = server.base_url     # http://127.0.0.1:PORT/bot
server.api.push_update(group_message(chat, user, "/help"))
wait_for(lambda: server.api.calls_of("sendMessage", chat["id"]), timeout=5)
server.stop()

Requests arrive as POST /bot<TOKEN>/<method>, with a form-urlencoded, multipart or JSON body;
every one is answered by the shared `FakeBotAPI` core (tests/kit/fake_api.py).
"""

from __future__ import annotations

import itertools
import json
import re
import threading
import time
from collections.abc import Callable
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, TypeVar
from urllib.parse import parse_qsl, urlsplit

from tests.kit.fake_api import FakeBotAPI

_PATH = re.compile(r"^/bot(?P<token>[^/]+)/(?P<method>[A-Za-z]+)$")
_message_ids = itertools.count(1_000_001)

T = TypeVar("T")


def parse_body(content_type: str, body: bytes) -> dict[str, Any]:
    """The parameters of one Bot API request, whatever encoding the client chose."""
    kind = content_type.split(";", 1)[0].strip().lower()
    if not body:
        return {}
    if kind == "application/json":
        value = json.loads(body.decode("utf-8"))
        if not isinstance(value, dict):
            raise ValueError("a JSON body must be an object")
        return value
    if kind == "multipart/form-data":
        message = BytesParser(policy=HTTP).parsebytes(
            f"Content-Type: {content_type}\r\n\r\n".encode("latin-1") + body
        )
        params: dict[str, Any] = {}
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            if not name:
                continue
            if part.get_filename() is not None:
                params[name] = "<file>"
            else:
                payload = part.get_payload(decode=True) or b""
                params[name] = payload.decode(part.get_content_charset() or "utf-8")
        return params
    # application/x-www-form-urlencoded, and anything unlabelled.
    return dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True))


class FakeBotServer:
    """`FakeBotAPI` served by a ThreadingHTTPServer on a free port of 127.0.0.1."""

    def __init__(self, api: FakeBotAPI | None = None, token: str | None = None) -> None:
        self.api = api or FakeBotAPI()
        # None accepts any token; otherwise another token is answered with 404 as Telegram does.
        self.token = token
        self.tokens_seen: set[str] = set()
        self.rejected: list[str] = []
        self.requests = 0
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # ----- lifecycle --------------------------------------------------------------------
    def start(self) -> FakeBotServer:
        server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        server.daemon_threads = True
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None
        self._thread = None

    def __enter__(self) -> FakeBotServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        assert self._server is not None, "the server is not started"
        return self._server.server_address[1]

    @property
    def base_url(self) -> str:
        """For SHANGLIANG_TELEGRAM__BASE_URL: PTB appends the token and the method."""
        return f"http://127.0.0.1:{self.port}/bot"

    # ----- the HTTP edge ----------------------------------------------------------------
    def answer(self, path: str, content_type: str, body: bytes) -> tuple[int, dict[str, Any]]:
        match = _PATH.match(urlsplit(path).path)
        if match is None:
            return 404, {"ok": False, "error_code": 404, "description": "Not Found"}
        token, method = match.group("token"), match.group("method")
        self.tokens_seen.add(token)
        if self.token is not None and token != self.token:
            self.rejected.append(method)
            return 404, {"ok": False, "error_code": 404, "description": "Not Found"}
        try:
            params = parse_body(content_type, body)
        except ValueError as exc:
            return 400, {"ok": False, "error_code": 400, "description": f"Bad Request: {exc}"}
        params.update(dict(parse_qsl(urlsplit(path).query)))
        # A thread of its own per request: latency is slept here, between record and answer.
        return self.api.handle(method, params, pause=time.sleep)

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                owner.requests += 1
                status, payload = owner.answer(
                    self.path, self.headers.get("Content-Type", ""), body
                )
                data = json.dumps(payload).encode("utf-8")
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_POST = _serve
            do_GET = _serve

            def log_message(self, format: str, *args: Any) -> None:
                return  # quiet: pytest shows what matters

        return Handler


# ----- building incoming updates ------------------------------------------------------------
def user(
    user_id: int, first_name: str, username: str | None = None, language: str | None = None
) -> dict[str, Any]:
    out: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": first_name}
    if username:
        out["username"] = username
    if language:
        out["language_code"] = language
    return out


def message(chat: dict[str, Any], sender: dict[str, Any], text: str) -> dict[str, Any]:
    """A message as Telegram delivers it (the shape tests/kit/story.py feeds in-process)."""
    out: dict[str, Any] = {
        "message_id": next(_message_ids),
        "date": int(time.time()),
        "chat": chat,
        "from": sender,
        "text": text,
    }
    if text.startswith("/"):
        word = text.split()[0]
        out["entities"] = [{"type": "bot_command", "offset": 0, "length": len(word)}]
    return out


def group_message(chat: dict[str, Any], sender: dict[str, Any], text: str) -> dict[str, Any]:
    """An update (without update_id: push_update numbers it) with a message in a group."""
    assert chat["type"] in ("group", "supergroup"), chat
    return {"message": message(chat, sender, text)}


def private_message(sender: dict[str, Any], text: str) -> dict[str, Any]:
    """An update with a message from `sender` in their private chat with the bot."""
    chat = {"id": sender["id"], "type": "private", "first_name": sender["first_name"]}
    if "username" in sender:
        chat["username"] = sender["username"]
    return {"message": message(chat, sender, text)}


def wait_for(predicate: Callable[[], T], timeout: float = 5.0, interval: float = 0.02) -> T:
    """Poll `predicate` (typically over api.calls) until it is truthy; fail after `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise TimeoutError(f"condition not met within {timeout}s")
        time.sleep(interval)


# ----- buttons and replies (for the end-to-end crash tests) --------------------------------------
def public_message(message: dict[str, Any]) -> dict[str, Any]:
    """A stored bot message as Telegram would show it to a client (no test-only keys)."""
    out = {k: v for k, v in message.items() if k not in ("html", "asked")}
    if "reply_to_message" in out:
        out["reply_to_message"] = {
            k: v for k, v in out["reply_to_message"].items() if k not in ("html", "asked")
        }
    return out


def button_data(message: dict[str, Any], label: str) -> str:
    """The callback data of the first inline button whose text contains `label` (any case)."""
    rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
    buttons = [b for row in rows for b in row]
    for button in buttons:
        if label.lower() in button["text"].lower() and "callback_data" in button:
            return button["callback_data"]
    raise AssertionError(f"no button {label!r}; buttons: {[b['text'] for b in buttons]}")


_query_ids = itertools.count(1)


def callback_query(
    chat: dict[str, Any], sender: dict[str, Any], message: dict[str, Any], data: str
) -> dict[str, Any]:
    """An update (without update_id) with a press of a button on the bot's `message`."""
    return {
        "callback_query": {
            "id": f"q{next(_query_ids)}",
            "from": sender,
            "message": public_message(message),
            "chat_instance": str(chat["id"]),
            "data": data,
        }
    }


def group_reply(
    chat: dict[str, Any], sender: dict[str, Any], text: str, reply_to: dict[str, Any]
) -> dict[str, Any]:
    """An update with a message in a group that replies to `reply_to` (a message dict)."""
    update = group_message(chat, sender, text)
    update["message"]["reply_to_message"] = public_message(reply_to)
    return update
