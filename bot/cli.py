"""The `shangliang` command: try, run, check-config, migrate, backup, export."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from bot import __version__
from bot.settings import ConfigError, Settings, load_settings, require_token

log = logging.getLogger("shangliang")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="shangliang",
        description="商量 Shangliang: group deliberation in Telegram group chats.",
    )
    parser.add_argument("--version", action="version", version=f"shangliang {__version__}")
    # --config is accepted before or after the sub-command.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--config",
        default=argparse.SUPPRESS,
        help="TOML settings file (default: $SHANGLIANG_CONFIG or ./config.toml)",
    )
    parser.add_argument("--config", default=None, help=argparse.SUPPRESS)
    commands = parser.add_subparsers(dest="command", required=True)
    try_it = commands.add_parser(
        "try",
        parents=[common],
        help="a demo village in the browser: the real bot on a local stand-in for Telegram "
        "(no token, no network)",
    )
    try_it.add_argument("--port", type=int, default=8080, help="port on 127.0.0.1 (default 8080)")
    try_it.add_argument("--lang", choices=("zh", "en"), default="zh", help="the village's language")
    try_it.add_argument("--no-browser", action="store_true", help="do not open a browser")
    try_it.add_argument(
        "--forum", action="store_true", help="the demo group is a forum: a thread per topic"
    )
    try_it.add_argument(
        "--db", help="the demo's database file, made anew (default: in a temporary folder)"
    )
    commands.add_parser(
        "run", parents=[common], help="serve with long polling until SIGINT or SIGTERM"
    )
    commands.add_parser(
        "check-config", parents=[common], help="print the effective settings or every error"
    )
    commands.add_parser("migrate", parents=[common], help="create or upgrade the database schema")
    backup = commands.add_parser(
        "backup", parents=[common], help="write a consistent copy of the live database"
    )
    backup.add_argument("path")
    export = commands.add_parser("export", parents=[common], help="write the record of every topic")
    export.add_argument("--chat", type=int, help="only this chat id")
    export.add_argument("--format", choices=("json", "csv", "md", "docx"), default="json")
    export.add_argument("--output", help="file to write (default: standard output)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = load_settings(args.config)
        if args.command == "check-config":
            return check_config(settings)
        if args.command == "try":
            return try_demo(
                settings, args.port, args.lang, not args.no_browser, args.db, args.forum
            )
        if args.command == "run":
            return run(settings)
        if args.command == "migrate":
            return asyncio.run(migrate(settings))
        if args.command == "backup":
            return asyncio.run(backup(settings, args.path))
        if args.command == "export":
            from bot.export import export_command

            return asyncio.run(export_command(settings, args.chat, args.format, args.output))
    except ConfigError as err:
        for line in err.lines:
            print(f"shangliang: {line}", file=sys.stderr)
        return 1
    return 2


def check_config(settings: Settings) -> int:
    require_token(settings)
    for line in _flatten(settings.model_dump(mode="json")):
        print(line)
    return 0


def _flatten(values: dict, prefix: str = "") -> list[str]:
    lines = []
    for key, value in values.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            lines.extend(_flatten(value, f"{name}."))
        else:
            lines.append(f"{name} = {value!r}")
    return lines


def demo_database(settings: Settings, given: str | None, folder: Path) -> Path:
    """Where `shangliang try` keeps its database: `given`, or demo.db in `folder`. Never the
    production database (`database.path` of the settings) nor any existing file the demo did
    not make (standin/mark.py): ConfigError if it would be."""
    from standin.mark import may_replace

    path = Path(given) if given else folder / "demo.db"
    if path.resolve() == settings.database.path.resolve():
        raise ConfigError(
            [
                f"--db {path} is the bot's own database (database.path): "
                "the demo starts its database afresh, so give it another file"
            ]
        )
    if not may_replace(path):
        raise ConfigError(
            [
                f"--db {path} is a file the demo did not make: the demo starts its database "
                "afresh and never replaces anyone's data, so give it a new file"
            ]
        )
    return path


def try_demo(
    settings: Settings,
    port: int,
    language: str,
    open_browser: bool,
    db: str | None,
    forum: bool = False,
) -> int:
    """`shangliang try`: the demo village on http://127.0.0.1:`port` until Ctrl+C (standin/).
    Its database is made anew in a temporary folder (or at `db`) and its token is the demo's:
    nothing of the production set-up is read or written but the check that `db` is not the
    production database."""
    import tempfile

    from bot.logsetup import configure_logging
    from standin.cast import DEMO_TOKEN
    from standin.web import bind, serve

    # A proxy from the environment must not swallow the bot's requests to 127.0.0.1.
    for name in ("NO_PROXY", "no_proxy"):
        kept = [v for v in os.environ.get(name, "").split(",") if v.strip()]
        os.environ[name] = ",".join([*kept, "127.0.0.1", "localhost"])
    with tempfile.TemporaryDirectory(prefix="shangliang-try-") as folder:
        path = demo_database(settings, db, Path(folder))
        try:
            sock = bind(port)
        except OSError as exc:
            raise ConfigError(
                [f"cannot listen on 127.0.0.1:{port} ({exc.strerror}): try --port 8081"]
            ) from None
        configure_logging("WARNING", [DEMO_TOKEN])
        logging.getLogger("telegram").setLevel(logging.WARNING)  # its start and stop lines
        asyncio.run(serve(sock, path, language, open_browser, forum))
    return 0


def run(settings: Settings) -> int:
    from telegram.error import InvalidToken, NetworkError

    from bot.app import build_application
    from bot.logsetup import configure_logging
    from bot.poller import DeliveryStopped

    token = require_token(settings)
    configure_logging(settings.logging.level, [token])
    app = build_application(settings)
    log.info("starting shangliang %s", __version__)
    try:
        asyncio.run(serve(app))
    except InvalidToken:
        # PTB's message quotes the token; Python's own traceback printer would not redact it.
        raise ConfigError(
            ["telegram.token was rejected by the Bot API at " + settings.telegram.base_url]
        ) from None
    except NetworkError as exc:
        # Telegram unreachable at start-up (after a few tries): one clear line, no traceback.
        raise ConfigError(unreachable(settings.telegram.base_url, exc.message)) from None
    except DeliveryStopped as exc:
        # One clear line; the service manager (Restart=on-failure) starts us again, and
        # Telegram still holds every update that was not stored.
        log.critical("stopping: %s; exiting so that the service manager restarts the bot", exc)
        return 75  # EX_TEMPFAIL
    except Exception:
        # Through the logging filter, so that the traceback reaches stderr with the token scrubbed.
        log.exception("shangliang stopped on an unexpected error")
        return 1
    return 0


BOOTSTRAP_TRIES = 4


def unreachable(base_url: str, why: str) -> list[str]:
    """What `shangliang run` says when the Bot API cannot be reached at start-up: the error,
    then the two ways to reach Telegram where it is blocked (README "Reaching Telegram")."""
    return [
        f"cannot reach the Bot API at {base_url}: {why}",
        "where Telegram is blocked, set HTTPS_PROXY to a proxy that reaches it "
        "(e.g. HTTPS_PROXY=http://127.0.0.1:7890 shangliang run), or set telegram.base_url "
        "to a self-hosted Bot API server (e.g. http://bot-api.example.cn:8081/bot)",
        "to see the bot without Telegram: shangliang try",
    ]


async def serve(app) -> None:
    """Run until SIGINT or SIGTERM: start, poll, then stop cleanly (the update in hand is
    finished, pending card edits go out, the database is closed).

    Raises NetworkError when the Bot API cannot be reached at start-up, InvalidToken, and
    DeliveryStopped when received updates could not be stored (bot/poller.py).
    """
    import signal

    from telegram.error import InvalidToken, NetworkError

    from bot.app import (
        finish_work,
        start_delivery,
        start_runtime,
        stop_delivery,
        stop_runtime,
    )

    for attempt in range(BOOTSTRAP_TRIES):
        try:
            await app.initialize()
            break
        except InvalidToken:
            raise
        except NetworkError:
            if attempt == BOOTSTRAP_TRIES - 1:
                raise
            await asyncio.sleep(2**attempt)
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stopping.set)
    failure: BaseException | None = None
    try:
        await start_runtime(app)
        # A webhook left by another program would make getUpdates fail; nothing is dropped.
        await app.bot.delete_webhook(drop_pending_updates=False)
        await app.start()
        poller = await start_delivery(app)
        stop_wait = asyncio.create_task(stopping.wait())
        await asyncio.wait({poller, stop_wait}, return_when=asyncio.FIRST_COMPLETED)
        stop_wait.cancel()
        if poller.done() and not poller.cancelled():
            failure = poller.exception()
        await stop_delivery(app)
        await app.stop()
        await finish_work(app)
    finally:
        await stop_runtime(app)
        await app.shutdown()
    if failure is not None:
        raise failure


async def migrate(settings: Settings) -> int:
    from storage import Database
    from storage.migrate import LATEST_VERSION

    db = Database(settings.database.path, synchronous=settings.database.synchronous)
    try:
        await db.open()
    finally:
        # Also when a migration fails: an unclosed connection's thread would keep the process alive.
        await db.close()
    print(f"database {settings.database.path} is at schema version {LATEST_VERSION}")
    return 0


async def backup(settings: Settings, path: str) -> int:
    from storage import Database

    if not settings.database.path.exists():
        raise ConfigError([f"no database at {settings.database.path}"])
    db = Database(settings.database.path, synchronous=settings.database.synchronous)
    try:
        await db.open()
        await db.backup_to(path)
    finally:
        await db.close()
    print(f"backup of {settings.database.path} written to {path}")
    return 0
