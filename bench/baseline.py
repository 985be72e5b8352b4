"""The yardstick: bare python-telegram-bot answering every update, over the same fake Bot API."""

from __future__ import annotations

import time
from typing import Any

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, ContextTypes, MessageHandler, filters

from bench.world import BenchAPI
from tests.kit.request import FakeRequest
from tests.kit.story import TEST_TOKEN


async def run_bare(recorded: list[dict[str, Any]], chats: dict[int, dict[str, Any]]) -> list[float]:
    """Replay the very updates the mix fed to us; one handler replies to each of them."""
    api = BenchAPI()
    for chat in chats.values():
        api.chats[chat["id"]] = chat
    request = FakeRequest(api)
    app = (
        Application.builder()
        .token(TEST_TOKEN)
        .base_url("http://fake.invalid/bot")
        .request(request)
        .get_updates_request(request)
        .build()
    )

    async def reply(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await context.bot.send_message(update.effective_chat.id, "ok")

    async def answer(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await update.callback_query.answer("ok")

    app.add_handler(MessageHandler(filters.ALL, reply))
    app.add_handler(CallbackQueryHandler(answer))
    await app.initialize()
    latencies: list[float] = []
    try:
        for data in recorded:
            update = Update.de_json(data, app.bot)
            start = time.perf_counter()
            await app.process_update(update)
            latencies.append(time.perf_counter() - start)
    finally:
        await app.shutdown()
    sent = api.total("sendMessage") + api.total("answerCallbackQuery")
    if sent != len(recorded):
        raise RuntimeError(f"bare bot answered {sent} of {len(recorded)} updates")
    return latencies
