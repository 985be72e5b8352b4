"""The bot token is part of every Bot API URL: it must never reach a log line."""

from __future__ import annotations

import io
import logging

import httpx
import pytest

from bot.logsetup import RedactTokens, configure_logging, install_redaction

TOKEN = "123456789:LOG_SECRET_TOKEN_abcdefghijklmnop"
URL = f"https://api.telegram.org/bot{TOKEN}/getMe"


@pytest.fixture
def root_logging():
    """A root logger with only our own handler; everything put back afterwards."""
    root = logging.getLogger()
    saved_handlers, saved_level = root.handlers[:], root.level
    saved_levels = {
        name: logging.getLogger(name).level for name in ("httpx", "apscheduler", "shangliang")
    }
    root.handlers = []
    try:
        yield root
    finally:
        for handler in root.handlers:
            if handler not in saved_handlers:
                handler.close()
        root.handlers = saved_handlers
        root.setLevel(saved_level)
        for name, level in saved_levels.items():
            logging.getLogger(name).setLevel(level)


@pytest.fixture
def output(root_logging) -> io.StringIO:
    """What the program's own handler (the one configure_logging creates) writes."""
    configure_logging("DEBUG", [TOKEN])
    assert len(root_logging.handlers) == 1
    handler = root_logging.handlers[0]
    assert isinstance(handler, logging.StreamHandler)
    buffer = io.StringIO()
    handler.setStream(buffer)
    return buffer


def test_the_token_in_a_message_is_replaced(output):
    logging.getLogger("telegram.ext").info(f"calling {URL}")
    text = output.getvalue()
    assert TOKEN not in text
    assert "calling https://api.telegram.org/bot<token>/getMe" in text


def test_the_token_in_arguments_is_replaced(output):
    logging.getLogger("telegram.ext").warning("request to %s failed after %d tries", URL, 3)
    text = output.getvalue()
    assert TOKEN not in text
    assert "request to https://api.telegram.org/bot<token>/getMe failed after 3 tries" in text


def test_the_token_in_a_traceback_is_replaced(output):
    request = httpx.Request("POST", URL)
    response = httpx.Response(404, request=request)
    try:
        try:
            response.raise_for_status()
        except httpx.HTTPStatusError as exc:
            raise RuntimeError(f"the Bot API refused {exc.request.url}") from exc
    except RuntimeError:
        logging.getLogger("shangliang").exception("the update could not be handled")
    text = output.getvalue()
    assert "Traceback (most recent call last)" in text
    assert "HTTPStatusError" in text and "RuntimeError" in text
    assert TOKEN not in text
    assert TOKEN.split(":")[1] not in text
    assert "https://api.telegram.org/bot<token>/getMe" in text


def test_anything_shaped_like_a_token_is_replaced_and_nothing_else(output):
    other = "987654321:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
    logging.getLogger("x").info(
        "token %s in chat -1001234567890 at 12:30 for user 5001:alice", other
    )
    text = output.getvalue()
    assert other not in text
    assert "token <token> in chat -1001234567890 at 12:30 for user 5001:alice" in text


def test_a_record_seen_by_two_handlers_is_redacted_by_both(root_logging):
    first, second = io.StringIO(), io.StringIO()
    for stream in (first, second):
        root_logging.addHandler(logging.StreamHandler(stream))
    root_logging.setLevel(logging.INFO)
    install_redaction([TOKEN])
    install_redaction([TOKEN])  # idempotent: one filter per handler
    for handler in root_logging.handlers:
        assert sum(isinstance(f, RedactTokens) for f in handler.filters) == 1
    logging.getLogger("y").error("GET %s", URL)
    for stream in (first, second):
        assert TOKEN not in stream.getvalue()
        assert "bot<token>/getMe" in stream.getvalue()


def test_httpx_request_lines_are_kept_quiet_and_redacted_anyway(output):
    assert logging.getLogger("httpx").getEffectiveLevel() == logging.WARNING
    assert logging.getLogger("apscheduler").getEffectiveLevel() == logging.WARNING

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"ok": True, "result": {}})

    with httpx.Client(transport=httpx.MockTransport(answer)) as client:
        client.post(URL)
    assert "HTTP Request" not in output.getvalue()  # INFO is below the httpx logger's level

    # Even if someone turns httpx up for debugging, the URL arrives without the token.
    logging.getLogger("httpx").setLevel(logging.INFO)
    with httpx.Client(transport=httpx.MockTransport(answer)) as client:
        client.post(URL)
    text = output.getvalue()
    assert "HTTP Request: POST https://api.telegram.org/bot<token>/getMe" in text
    assert TOKEN not in text


def test_the_level_is_applied(output):
    logging.getLogger().setLevel(logging.WARNING)
    logging.getLogger("z").info("quiet")
    logging.getLogger("z").warning("loud")
    assert "quiet" not in output.getvalue() and "loud" in output.getvalue()
