"""The Telegram edge: turns updates into calls with plain values, and results into replies."""

from __future__ import annotations

from telegram.ext import Application

from handlers import basics, errors, middleware


def register_handlers(app: Application) -> None:
    middleware.register(app)
    basics.register(app)
    app.add_error_handler(errors.on_error)
