"""The yardstick: bare python-telegram-bot answering every update, over the same fake Bot API."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import aiosqlite
from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, ContextTypes, MessageHandler, filters

from bench.world import BenchAPI
from tests.kit.request import FakeRequest
from tests.kit.story import TEST_TOKEN


async def run_bare(
    recorded: list[dict[str, Any]],
    chats: dict[int, dict[str, Any]],
    durable_db: Path | None = None,
    synchronous: str = "FULL",
) -> list[float]:
    """Replay the very updates the mix fed to us; one handler replies to each of them.

    With `durable_db`, the durable floor: the same handler first commits one row per update
    through aiosqlite (WAL, the given `synchronous`), the least any durable bot must do.
    """
    conn = None
    if durable_db is not None:
        conn = await aiosqlite.connect(durable_db, isolation_level=None)
        await conn.execute("PRAGMA journal_mode=WAL")
        await conn.execute(f"PRAGMA synchronous={synchronous}")
        await conn.execute("CREATE TABLE IF NOT EXISTS seen(update_id INTEGER PRIMARY KEY)")

    async def write(update: Update) -> None:
        if conn is not None:
            await conn.execute("BEGIN IMMEDIATE")
            await conn.execute("INSERT INTO seen(update_id) VALUES (?)", (update.update_id,))
            await conn.execute("COMMIT")

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
        await write(update)
        await context.bot.send_message(update.effective_chat.id, "ok")

    async def answer(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await write(update)
        await update.callback_query.answer("ok")

    app.add_handler(MessageHandler(filters.ALL, reply))
    app.add_handler(CallbackQueryHandler(answer))
    await app.initialize()
    latencies: list[float] = []
    try:
        for data in recorded:
            if "callback_query" in data:
                # Telegram delivers it now: it may be answered once (the strict fake checks).
                api.register_callback_query(data["callback_query"]["id"])
            update = Update.de_json(data, app.bot)
            start = time.perf_counter()
            await app.process_update(update)
            latencies.append(time.perf_counter() - start)
    finally:
        await app.shutdown()
        if conn is not None:
            await conn.close()
    sent = api.total("sendMessage") + api.total("answerCallbackQuery")
    if sent != len(recorded):
        raise RuntimeError(f"bare bot answered {sent} of {len(recorded)} updates")
    return latencies
