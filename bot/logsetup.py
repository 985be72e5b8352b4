"""Logging: one line per event, and a bot token never reaches a log line."""

from __future__ import annotations

import logging
import re

_TOKEN_SHAPE = re.compile(r"\b\d{5,}:[A-Za-z0-9_-]{20,}\b")


class RedactTokens(logging.Filter):
    """The token is part of every Bot API URL; scrub it (and anything shaped like one)."""

    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self._secrets = [s for s in secrets if s]

    def _clean(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "<token>")
        return _TOKEN_SHAPE.sub("<token>", text)

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = self._clean(message)
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self._clean(record.exc_text)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


def configure_logging(level: str, secrets: list[str]) -> None:
    root = logging.getLogger()
    root.setLevel(level)
    if not root.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        root.addHandler(handler)
    install_redaction(secrets)
    quiet_chatty_libraries()


def quiet_chatty_libraries() -> None:
    """Whatever level the operator picks, these never log below it: httpx logs every request
    URL (the token is in it) at INFO; PTB logs every API call with its parameters and every
    update at DEBUG, and aiosqlite every statement with its parameters: ballots, names, text."""
    for name, level in (
        ("httpx", logging.WARNING),
        ("httpcore", logging.WARNING),
        ("apscheduler", logging.WARNING),
        ("aiosqlite", logging.WARNING),
        ("telegram", logging.INFO),
    ):
        logger = logging.getLogger(name)
        logger.setLevel(max(level, logger.level))


def install_redaction(secrets: list[str]) -> None:
    redact = RedactTokens(secrets)
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, RedactTokens) for f in handler.filters):
            handler.addFilter(redact)
