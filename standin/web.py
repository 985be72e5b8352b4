"""`shangliang try`'s web server (aiohttp): on one port of 127.0.0.1 it serves

- the stand-in's Bot API, POST /bot<token>/<method> (form, multipart or JSON, as Telegram
  takes them), which the real bot is pointed at with `telegram.base_url`;
- the page (standin/static/: plain HTML, CSS and JavaScript, no build step) and its live
  updates as server-sent events (GET /demo/events);
- what a visitor does (POST /demo/say, /demo/press, /demo/clock, /demo/reset, /demo/play) and
  the records (GET /demo/records, /demo/minutes/<n>, /demo/export.json).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import signal
import socket
import sys
import webbrowser
from datetime import timedelta
from pathlib import Path
from typing import Any

from aiohttp import web

from standin.cast import DEMO_TOKEN
from standin.demo import Demo, DemoError
from standin.records import export_json, minutes, records
from standin.script import Player

log = logging.getLogger(__name__)

STATIC = Path(__file__).resolve().parent / "static"
DEMO_KEY = web.AppKey("demo", Demo)
PLAYER_KEY = web.AppKey("player", Player)
# The clock control's steps, in hours.
CLOCK_STEPS = {1, 24, 168}
_NOT_FOUND = {"ok": False, "error_code": 404, "description": "Not Found"}


# The names this machine's own browser and bot use for the server (it listens on 127.0.0.1).
LOCAL_HOSTS = ("127.0.0.1", "localhost")


def is_local(host: str | None) -> bool:
    """Is `host` (a Host header, or an Origin's host[:port]) this machine by name?"""
    if not host:
        return False
    name = host.rsplit(":", 1)[0] if not host.startswith("[") else host
    return name in LOCAL_HOSTS


@web.middleware
async def local_only(request: web.Request, handler: Any) -> web.StreamResponse:
    """Only this machine's pages talk to the demo: a Host other than 127.0.0.1 / localhost (a
    web page elsewhere reaching it by DNS rebinding) or a POST from another site's page
    (its Origin) is refused with 403, before anything runs."""
    origin = request.headers.get("Origin")
    origin_host = origin.split("://", 1)[-1] if origin else None
    if not is_local(request.host) or (
        request.method == "POST" and origin is not None and not is_local(origin_host)
    ):
        return web.json_response(
            {"ok": False, "error_code": 403, "description": "Forbidden: local pages only"},
            status=403,
        )
    return await handler(request)


def make_app(demo: Demo) -> web.Application:
    """The aiohttp application serving `demo` (see the module's docstring)."""
    app = web.Application(client_max_size=20 * 1024 * 1024, middlewares=[local_only])
    app[DEMO_KEY] = demo
    app[PLAYER_KEY] = Player(demo)
    app.router.add_route("*", "/bot{token}/{method}", bot_api)
    app.router.add_get("/", page)
    app.router.add_static("/static/", STATIC)
    app.router.add_get("/demo/state", state)
    app.router.add_get("/demo/events", events)
    app.router.add_post("/demo/say", say)
    app.router.add_post("/demo/press", press)
    app.router.add_post("/demo/clock", clock)
    app.router.add_post("/demo/reset", reset)
    app.router.add_post("/demo/play", play)
    app.router.add_get("/demo/records", get_records)
    app.router.add_get("/demo/minutes/{number}", get_minutes)
    app.router.add_get("/demo/export.json", get_export)
    app.router.add_get("/demo/file/{chat}/{message}", get_file)
    app.on_shutdown.append(_close_pages)
    return app


# ----- the Bot API ------------------------------------------------------------------------------
async def bot_api(request: web.Request) -> web.Response:
    """One Bot API call, answered by the stand-in model as Telegram would (404 for any token
    but the demo's, as Telegram answers a wrong one)."""
    demo = request.app[DEMO_KEY]
    if request.match_info["token"] != DEMO_TOKEN:
        return web.json_response(_NOT_FOUND, status=404)
    method = request.match_info["method"]
    params: dict[str, Any] = dict(request.query)
    files: dict[str, bytes] = {}
    names: dict[str, str] = {}
    try:
        if request.content_type == "application/json":
            if request.can_read_body:
                body = await request.json()
                if not isinstance(body, dict):
                    raise ValueError("a JSON body must be an object")
                params.update(body)
        elif request.can_read_body:
            form = await request.post()
            for key, value in form.items():
                if isinstance(value, web.FileField):
                    files[key] = value.file.read()
                    names[key] = value.filename
                    params[key] = "<file>"
                else:
                    params[key] = value
    except ValueError as exc:
        description = f"Bad Request: {exc}"
        return web.json_response(
            {"ok": False, "error_code": 400, "description": description}, status=400
        )
    if method == "getUpdates":
        updates = await demo.get_updates(params)
        return web.json_response({"ok": True, "result": updates})
    code, body = demo.api.handle(method, params, files=files, file_names=names)
    return web.json_response(body, status=code)


# ----- the page ---------------------------------------------------------------------------------
async def page(request: web.Request) -> web.FileResponse:
    return web.FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-cache"})


async def state(request: web.Request) -> web.Response:
    demo = request.app[DEMO_KEY]
    return _json({**demo.state(), "playing": request.app[PLAYER_KEY].playing})


async def events(request: web.Request) -> web.StreamResponse:
    """Server-sent events: each change the page must show, one JSON object per event."""
    demo = request.app[DEMO_KEY]
    response = web.StreamResponse(
        headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"}
    )
    await response.prepare(request)
    queue = demo.subscribe()
    try:
        await response.write(b": connected\n\n")
        while True:
            try:
                event = await asyncio.wait_for(queue.get(), 15)
            except TimeoutError:
                await response.write(b": ping\n\n")
                continue
            if event is None:
                break
            data = json.dumps(event, ensure_ascii=False)
            await response.write(f"data: {data}\n\n".encode())
    except (ConnectionResetError, ConnectionError):
        pass
    finally:
        demo.unsubscribe(queue)
    return response


async def _close_pages(app: web.Application) -> None:
    app[DEMO_KEY].close_pages()


async def _body(request: web.Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except ValueError:
        raise web.HTTPBadRequest(text="a JSON object is expected") from None
    if not isinstance(body, dict):
        raise web.HTTPBadRequest(text="a JSON object is expected")
    return body


def _json(value: Any, status: int = 200) -> web.Response:
    return web.json_response(
        value, status=status, dumps=lambda v: json.dumps(v, ensure_ascii=False)
    )


def _refused(exc: DemoError) -> web.Response:
    return _json({"ok": False, "error": str(exc)}, status=400)


async def say(request: web.Request) -> web.Response:
    body = await _body(request)
    try:
        await request.app[DEMO_KEY].say(
            body.get("user_id"),
            body.get("chat_id"),
            body.get("text", ""),
            body.get("reply_to"),
            body.get("thread"),
        )
    except (DemoError, TypeError, ValueError) as exc:
        return _refused(DemoError(str(exc)))
    return _json({"ok": True})


async def press(request: web.Request) -> web.Response:
    body = await _body(request)
    try:
        await request.app[DEMO_KEY].press(
            body.get("user_id"), body.get("chat_id"), body.get("message_id"), body.get("data")
        )
    except (DemoError, TypeError, ValueError) as exc:
        return _refused(DemoError(str(exc)))
    return _json({"ok": True})


async def clock(request: web.Request) -> web.Response:
    body = await _body(request)
    hours = body.get("hours")
    if hours not in CLOCK_STEPS:
        return _refused(DemoError(f"the clock moves by {sorted(CLOCK_STEPS)} hours"))
    now = await request.app[DEMO_KEY].advance(timedelta(hours=hours))
    return _json({"ok": True, "now": now.isoformat()})


async def reset(request: web.Request) -> web.Response:
    await request.app[PLAYER_KEY].cancel()
    await request.app[DEMO_KEY].reset()
    return _json({"ok": True})


async def play(request: web.Request) -> web.Response:
    started = await request.app[PLAYER_KEY].start()
    return _json({"ok": True, "started": started})


# ----- the records ------------------------------------------------------------------------------
async def get_records(request: web.Request) -> web.Response:
    return _json({"topics": await records(request.app[DEMO_KEY])})


async def get_minutes(request: web.Request) -> web.Response:
    try:
        number = int(request.match_info["number"])
        found = await minutes(request.app[DEMO_KEY], number)
    except (ValueError, LookupError):
        raise web.HTTPNotFound(text="no such topic") from None
    return web.Response(
        body=found.data,
        content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        headers={"Content-Disposition": _attachment(found.name)},
    )


async def get_export(request: web.Request) -> web.Response:
    text = await export_json(request.app[DEMO_KEY])
    return web.Response(
        text=text,
        content_type="application/json",
        headers={"Content-Disposition": _attachment("shangliang-demo-export.json")},
    )


async def get_file(request: web.Request) -> web.Response:
    """A document the bot sent (the minutes), as uploaded."""
    demo = request.app[DEMO_KEY]
    try:
        key = (int(request.match_info["chat"]), int(request.match_info["message"]))
    except ValueError:
        raise web.HTTPNotFound() from None
    message = demo.api.messages.get(key) or {}
    data = message.get("upload")
    if not isinstance(data, bytes):
        raise web.HTTPNotFound()
    name = (message.get("document") or {}).get("file_name") or "document"
    return web.Response(
        body=data,
        content_type="application/octet-stream",
        headers={"Content-Disposition": _attachment(name)},
    )


def _attachment(name: str) -> str:
    from urllib.parse import quote

    ascii_name = name.encode("ascii", "replace").decode().replace('"', "")
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"


# ----- running it -------------------------------------------------------------------------------
def bind(port: int) -> socket.socket:
    """A listening socket on 127.0.0.1:`port` (0: a free port). Raises OSError if taken."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(("127.0.0.1", port))
        sock.listen(128)
    except OSError:
        sock.close()
        raise
    sock.setblocking(False)
    return sock


async def serve(
    sock: socket.socket, db_path: Path, language: str, open_browser: bool, forum: bool = False
) -> None:
    """Serve the demo on `sock` until SIGINT or SIGTERM: the stand-in and the page first, then
    the bot started against them; at the end the bot is stopped cleanly. `forum`: the demo
    group is a forum (threads)."""
    port = sock.getsockname()[1]
    demo = Demo(port, db_path, language, forum)
    app = make_app(demo)
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=2)
    await runner.setup()
    site = web.SockSite(runner, sock)
    await site.start()
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stopping.set)
    try:
        await demo.start()
        url = f"http://127.0.0.1:{port}/"
        print(f"shangliang try: the demo village is at {url}", flush=True)
        print(f"shangliang try: its database is {db_path} (Ctrl+C stops)", flush=True)
        if open_browser:
            with contextlib.suppress(Exception):
                await loop.run_in_executor(None, webbrowser.open, url)
        await stopping.wait()
    finally:
        await app[PLAYER_KEY].cancel()
        with contextlib.suppress(Exception):
            await demo.stop()
        await runner.cleanup()
    print("shangliang try: stopped", file=sys.stderr, flush=True)
