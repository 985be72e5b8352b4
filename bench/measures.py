"""The measurements: mixed workload against bare PTB, growth, message economy, restore, profile."""

from __future__ import annotations

import cProfile
import io
import json
import os
import pstats
import random
import resource
import subprocess
import sys
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

from bench.baseline import run_bare
from bench.counting import counting
from bench.filler import prefill_history, prefill_schedule
from bench.workload import CHOICES, db_census, interleave_changes, run_mix, with_button
from bench.world import BenchWorld, ScheduleDriver

ROOT = Path(__file__).resolve().parent.parent


def ms(seconds: float) -> float:
    return round(seconds * 1000, 3)


def percentile(sorted_values: list[float], q: float) -> float:
    """Nearest-rank percentile of an already sorted list."""
    if not sorted_values:
        return 0.0
    rank = max(1, int(round(q / 100 * len(sorted_values) + 0.5)))
    return sorted_values[min(rank, len(sorted_values)) - 1]


def latency_summary(latencies: list[float]) -> dict[str, float]:
    ordered = sorted(latencies)
    return {
        "mean_ms": ms(sum(ordered) / len(ordered)) if ordered else 0.0,
        "p50_ms": ms(percentile(ordered, 50)),
        "p90_ms": ms(percentile(ordered, 90)),
        "p99_ms": ms(percentile(ordered, 99)),
        "max_ms": ms(ordered[-1]) if ordered else 0.0,
    }


def maxrss_mb() -> float:
    """Peak resident set size of this process so far (ru_maxrss is in KiB on Linux)."""
    value = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return round(value / (1024 * 1024 if sys.platform == "darwin" else 1024), 1)


def current_rss_mb() -> float | None:
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
    except (OSError, ValueError, IndexError):
        return None
    return round(pages * os.sysconf("SC_PAGE_SIZE") / 2**20, 1)


def by_kind(sequence: list[str], latencies: list[float]) -> dict[str, dict[str, float]]:
    groups: dict[str, list[float]] = {}
    for kind, value in zip(sequence, latencies, strict=True):
        groups.setdefault(kind, []).append(value)
    summary = {k: {"count": len(v), **latency_summary(v)} for k, v in groups.items()}
    return dict(sorted(summary.items(), key=lambda kv: -kv[1]["mean_ms"] * kv[1]["count"]))


# ----- mixed workload, and bare PTB fed the same updates ----------------------------------------


async def warm_up(tmp: Path, seed: int) -> None:
    """Untimed: first-use costs (lazy imports, catalogues, statement caches) land here."""
    world = BenchWorld(tmp / "warmup.db")
    await world.boot()
    await run_mix(world, groups=2, members=10, updates=300, seed=seed + 1)
    await world.stop()


async def mixed(tmp: Path, groups: int, members: int, updates: int, seed: int) -> dict[str, Any]:
    world = BenchWorld(tmp / "mixed.db")
    await world.boot()
    with counting() as counts:
        result = await run_mix(
            world,
            groups=groups,
            members=members,
            updates=updates,
            seed=seed,
            batch=groups,
            record=True,
        )
    census = await db_census(world)
    api = world.api
    answers = api.total("answerCallbackQuery")
    presses = sum(n for k, n in result.kinds.items() if k.startswith("press"))
    rss_after_ours = maxrss_mb()
    chats = dict(api.chats)
    errors = [repr(e) for e in world.errors[:5]]
    error_count = len(world.errors)
    failures = {f"{m}: {d}": n for (m, d), n in api.failures.most_common()}
    bot_calls = {m: api.total(m) for m in sorted({m for m, _c in api.counts})}
    await world.stop()

    # The same mix on a quiet bot, each update alone in its getUpdates result: how long a
    # member waits for the answer, and what an update costs when nothing shares its commit.
    quiet_world = BenchWorld(tmp / "quiet.db")
    await quiet_world.boot()
    with counting() as quiet_counts:
        quiet = await run_mix(
            quiet_world,
            groups=groups,
            members=members,
            updates=max(300, updates // 4),
            seed=seed,
        )
    await quiet_world.stop()

    bare_latencies = await run_bare(result.recorded, chats)
    floor_latencies = await run_bare(
        result.recorded, chats, durable_db=tmp / "durable-floor.db", synchronous="FULL"
    )
    ours_tp = result.updates / result.busy_seconds
    bare_busy = sum(bare_latencies)
    bare_tp = len(bare_latencies) / bare_busy
    floor_busy = sum(floor_latencies)
    floor_tp = len(floor_latencies) / floor_busy
    return {
        "groups": groups,
        "members_per_group": members,
        "updates": result.updates,
        "seed": seed,
        "simulated_rate_updates_per_s": 10.0,
        # Updates per getUpdates result: one per group, as a saturated bot receives them.
        "updates_per_batch": round(result.updates / len(result.batch_walls), 2),
        "ours": {
            "updates_per_s": round(ours_tp, 1),
            "busy_s": round(result.busy_seconds, 3),
            "scheduled_work_s": round(result.scheduled_work_seconds, 3),
            "loop_wall_s": round(result.loop_seconds, 3),
            # An update alone (the quiet run): what a member waits for.
            "latency": latency_summary(quiet.latencies),
            "latency_by_kind": by_kind(quiet.sequence, quiet.latencies),
            # Under load: from its batch's arrival to its own end, behind the rest of the batch.
            "latency_in_batch": latency_summary(result.latencies),
            "card_flushes": result.flushes,
            "scheduler_wakes": result.wakes,
            # Over the whole mix (inbox, use cases, marks, scheduled work), per update.
            "hops_per_update": round(counts.hops / result.updates, 2),
            "commits_per_update": round(counts.commits / result.updates, 2),
        },
        "ours_one_at_a_time": {
            "updates": quiet.updates,
            "updates_per_s": round(quiet.updates / quiet.busy_seconds, 1),
            "hops_per_update": round(quiet_counts.hops / quiet.updates, 2),
            "commits_per_update": round(quiet_counts.commits / quiet.updates, 2),
        },
        "durable_floor": {
            "updates_per_s": round(floor_tp, 1),
            "busy_s": round(floor_busy, 3),
            "latency": latency_summary(floor_latencies),
        },
        "bare": {
            "updates_per_s": round(bare_tp, 1),
            "busy_s": round(bare_busy, 3),
            "latency": latency_summary(bare_latencies),
        },
        "ratio_ours_to_bare": round(ours_tp / bare_tp, 3),
        "ratio_ours_to_durable_floor": round(ours_tp / floor_tp, 3),
        "mix": dict(result.kinds.most_common()),
        "bot_api_calls": bot_calls,
        "bot_api_errors": failures,
        "callback_answers": answers,
        "button_presses": presses,
        "handler_errors": error_count,
        "handler_error_samples": errors,
        "database": census,
        "peak_rss_mb_after_ours": rss_after_ours,
    }


async def durability_cost(
    tmp: Path, groups: int, members: int, updates: int, seed: int
) -> dict[str, Any]:
    """For information only: the same mix with synchronous=NORMAL (WAL; not durable on power
    loss), to show how much of the per-update cost is the fsync of synchronous=FULL."""
    world = BenchWorld(tmp / "normal.db", synchronous="NORMAL")
    await world.boot()
    result = await run_mix(world, groups=groups, members=members, updates=updates, seed=seed)
    errors = len(world.errors)
    await world.stop()
    return {
        "synchronous": "NORMAL",
        "updates": result.updates,
        "updates_per_s": round(result.updates / result.busy_seconds, 1),
        "latency": latency_summary(result.latencies),
        "handler_errors": errors,
    }


# ----- growth: the same mix over 1k / 10k / 100k stored views and ballots ------------------------


async def growth(
    tmp: Path, sizes: list[int], groups: int, members: int, updates: int, seed: int, repeats: int
) -> dict[str, Any]:
    rows = []
    for size in sizes:
        best: dict[str, Any] | None = None
        for attempt in range(repeats):
            path = tmp / f"growth-{size}-{attempt}.db"
            world = BenchWorld(path)
            await world.boot()  # schema
            await world.stop()
            start = time.perf_counter()
            filled = prefill_history(path, size)
            fill_s = time.perf_counter() - start
            await world.boot()  # as after a restart: a fresh connection on the big file
            result = await run_mix(
                world, groups=groups, members=members, updates=updates, seed=seed
            )
            errors = len(world.errors)
            await world.stop()
            row = {
                "stored_views": filled["views"],
                "stored_ballots": filled["ballots"],
                "filler": filled,
                "fill_s": round(fill_s, 2),
                "updates": result.updates,
                "per_update_ms": ms(result.busy_seconds / result.updates),
                "latency": latency_summary(result.latencies),
                "db_mb": round(path.stat().st_size / 2**20, 1),
                "handler_errors": errors,
            }
            if best is None or row["per_update_ms"] < best["per_update_ms"]:
                best = row
            path.unlink(missing_ok=True)
        assert best is not None
        best["repeats"] = repeats
        rows.append(best)
    smallest, largest = rows[0], rows[-1]
    return {
        "sizes": rows,
        "ratio_largest_to_smallest": round(largest["per_update_ms"] / smallest["per_update_ms"], 3),
        "p50_ratio_largest_to_smallest": round(
            largest["latency"]["p50_ms"] / smallest["latency"]["p50_ms"], 3
        ),
    }


# ----- message economy: one vote, 100+ members pressing ballot buttons ----------------------------


async def economy(
    tmp: Path, members: int, seed: int, per_second: float = 5.0, every_second: bool = False
) -> dict[str, Any]:
    world = BenchWorld(tmp / f"economy-{int(every_second)}.db")
    await world.boot()
    rng = random.Random(seed)
    g = world.group(members)
    driver = ScheduleDriver(world, every_second=every_second)

    async def feed(payload: dict[str, Any] | None) -> list[dict[str, Any]]:
        assert payload is not None
        _data, update = world.update(payload)
        await world.process(update)
        driver.observe()
        return list(world.api.sent)

    await feed(g.says(g.members[0], "/propose 修缮村口水井\n水井年久失修"))
    await feed(g.says(g.convenor, "/accept 1"))
    await feed(g.says(g.members[1], "/draft 1 村委会年内修缮水井，费用由村集体承担。"))
    ballot = with_button(await feed(g.says(g.convenor, "/vote 1 1")), "bal:")
    assert ballot is not None, "the vote posted no ballot card"
    interval = world.rt.settings.limits.tally_refresh
    world.clock.advance(interval)  # the set-up's own card edits go out before we count
    await driver.check()

    chat = g.chat_id
    before = world.api.group_messages(chat)
    sends_before = world.api.counts[("sendMessage", chat)]
    answers_before = world.api.total("answerCallbackQuery")
    events = interleave_changes(rng, g.everyone, 0.2)
    gap = timedelta(seconds=1 / per_second)
    next_second = world.clock.now() + timedelta(seconds=1)
    start_time = world.clock.now()
    for person, _change in events:
        code = rng.choices(list(CHOICES.values()), weights=(70, 15, 15))[0]
        payload = g.presses(
            person,
            ballot["message_id"],
            lambda d, c=code: d.startswith("bal:") and d.endswith(f":{c}"),
        )
        await feed(payload)
        world.clock.advance(gap)
        while world.clock.now() >= next_second:
            next_second += timedelta(seconds=1)
            await driver.check()
    world.clock.advance(interval)  # the last coalesced edit goes out, as the job would
    await driver.check()
    seconds = (world.clock.now() - start_time).total_seconds()

    api = world.api
    group_messages = api.group_messages(chat) - before
    sends = api.counts[("sendMessage", chat)] - sends_before
    answers = api.total("answerCallbackQuery") - answers_before
    async with world.rt.db.read() as tx:
        stored = await tx.scalar("SELECT COUNT(*) FROM ballots")
        changed = await tx.scalar("SELECT COUNT(*) FROM ballots WHERE changed > 0")
    errors = len(world.errors)
    await world.stop()
    return {
        "members": len(g.everyone),
        "ballot_presses": len(events),
        "ballots_stored": stored,
        "ballots_changed": changed,
        "callback_answers": answers,
        "simulated_seconds": round(seconds, 1),
        "presses_per_simulated_s": per_second,
        "flush": "every second" if every_second else f"{interval.total_seconds():g}s after dirty",
        "group_messages_and_edits": group_messages,
        "new_group_messages": sends,
        "edits": group_messages - sends,
        "per_100_ballots": round(group_messages * 100 / len(events), 2),
        "handler_errors": errors,
    }


# ----- restore: a fresh process with 50,000 pending scheduled rows ---------------------------------


async def restore(tmp: Path, rows: int, chats: int) -> dict[str, Any]:
    path = tmp / "restore.db"
    world = BenchWorld(path)
    await world.boot()  # the schema
    await world.stop()
    start = time.perf_counter()
    prefill_schedule(path, rows, chats)
    fill_s = time.perf_counter() - start
    return {"pending_rows": rows, "chats": chats, "fill_s": round(fill_s, 2), **restore_child(path)}


def restore_child(path: Path) -> dict[str, Any]:
    """Spawn a fresh interpreter on the database and time it until it reports ready."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    # Through /bin/sh, which forks the child: spawned straight from this big process, the
    # child's ru_maxrss would start at our RSS (Linux keeps it across execve).
    command = ["/bin/sh", "-c", '"$0" -m bench.restore_child "$1"; exit $?']
    spawned = time.perf_counter()
    proc = subprocess.Popen(
        [*command, sys.executable, str(path)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    line = proc.stdout.readline() if proc.stdout else ""
    ready_wall = time.perf_counter() - spawned
    rest_out, err = proc.communicate(timeout=120)
    if not line.strip() or proc.returncode != 0:
        raise RuntimeError(f"restore child failed ({proc.returncode}): {err[-2000:]}{rest_out}")
    child = json.loads(line)
    # The line after shutdown has once been missing on a loaded machine (exit 0, nothing on
    # stdout): the ready-time figures still stand, so the run reports the gap, not a crash.
    tail = rest_out.strip().splitlines()
    final = json.loads(tail[-1]) if tail else {"maxrss_kb": None}
    return {
        "spawn_to_ready_s": round(ready_wall, 3),
        "in_child_ready_s": round(child["ready_s"], 3),
        "in_child": {k: (round(v, 3) if isinstance(v, float) else v) for k, v in child.items()},
        "child_maxrss_mb_at_ready": round(child["maxrss_kb"] / 1024, 1),
        "child_vm_hwm_mb_at_ready": round((child["vm_hwm_kb"] or 0) / 1024, 1),
        "child_maxrss_mb_after_shutdown": (
            round(final["maxrss_kb"] / 1024, 1) if final["maxrss_kb"] is not None else None
        ),
        "shutdown_line_missing": not tail,
        "child_stderr_tail": err[-500:] if not tail else "",
        "exit_code": proc.returncode,
    }


async def round_trip_cost(n: int = 3000) -> dict[str, float]:
    """What one aiosqlite statement costs here, against the same statement on stdlib sqlite3."""
    import sqlite3

    import aiosqlite

    conn = await aiosqlite.connect(":memory:", isolation_level=None)
    try:
        start = time.perf_counter()
        for _ in range(n):
            async with conn.execute("SELECT 1") as cursor:
                await cursor.fetchone()
        three_hops = (time.perf_counter() - start) / n
        start = time.perf_counter()
        for _ in range(n):
            await conn.execute_fetchall("SELECT 1")
        one_hop = (time.perf_counter() - start) / n
    finally:
        await conn.close()
    plain = sqlite3.connect(":memory:")
    start = time.perf_counter()
    for _ in range(n):
        plain.execute("SELECT 1").fetchone()
    sync = (time.perf_counter() - start) / n
    plain.close()
    return {
        "aiosqlite_execute_fetchone_close_us": round(three_hops * 1e6, 1),
        "aiosqlite_execute_fetchall_us": round(one_hop * 1e6, 1),
        "stdlib_sqlite3_us": round(sync * 1e6, 1),
    }


# ----- profile of the mixed workload ----------------------------------------------------------------


async def profile(
    tmp: Path, groups: int, members: int, updates: int, seed: int, top: int = 15
) -> dict[str, Any]:
    """cProfile enabled around process_update and the scheduled work only.

    A coroutine counts as called again each time it resumes, so ncalls of async functions are
    inflated; cumulative times are right. The event loop's own frames appear because it runs
    (waiting on aiosqlite's worker thread) while the profiler is on.
    """
    world = BenchWorld(tmp / "profile.db")
    await world.boot()
    statements: Counter[str] = Counter()

    def trace(sql: str) -> None:  # runs on aiosqlite's worker thread
        statements[sql.lstrip().split(None, 1)[0].upper() if sql.strip() else "?"] += 1

    # Diagnostic only: count the SQL statements the product runs (includes the bench's few
    # untimed probes, about 3 statements for every 30 updates).
    await world.rt.db._conn.set_trace_callback(trace)
    profiler = cProfile.Profile()
    result = await run_mix(
        world, groups=groups, members=members, updates=updates, seed=seed, profiler=profiler
    )
    await world.rt.db._conn.set_trace_callback(None)
    await world.stop()
    stream = io.StringIO()
    stats = pstats.Stats(profiler, stream=stream)
    stats.sort_stats("cumulative").print_stats(top)
    raw = stream.getvalue()
    stream = io.StringIO()
    pstats.Stats(profiler, stream=stream).sort_stats("tottime").print_stats(top)
    by_tottime = stream.getvalue()

    table: dict[Any, Any] = stats.stats  # type: ignore[attr-defined]
    project = str(ROOT)
    bench_dir = str(ROOT / "bench")

    def row(func: Any) -> dict[str, Any]:
        _cc, nc, tt, ct, _callers = table[func]
        name = func[0].removeprefix(project + "/") if func[0].startswith(project) else func[0]
        return {
            "function": f"{name}:{func[1]}({func[2]})",
            "ncalls": nc,
            "tottime_s": round(tt, 3),
            "cumtime_s": round(ct, 3),
            "cum_per_update_ms": ms(ct / result.updates),
        }

    ordered = sorted(table, key=lambda f: table[f][3], reverse=True)
    top_rows = [row(f) for f in ordered[:top]]
    ours = [row(f) for f in ordered if f[0].startswith(project) and not f[0].startswith(bench_dir)][
        :top
    ]
    hops = sum(
        table[f][1]
        for f in table
        if f[2] == "<method 'put_nowait' of '_queue.SimpleQueue' objects>"
    )
    poll = sum(table[f][2] for f in table if "poll' of 'select.epoll" in f[2])
    total = sum(table[f][2] for f in table)
    return {
        "updates": result.updates,
        "round_trip_cost": await round_trip_cost(),
        "top_cumulative": top_rows,
        "project_top_cumulative": ours,
        "aiosqlite_round_trips_per_update": round(hops / result.updates, 1),
        "sql_statements_per_update": {
            k: round(v / result.updates, 2) for k, v in statements.most_common()
        },
        "share_waiting_in_epoll": round(poll / total, 3) if total else 0.0,
        "text": {"cumulative": raw, "tottime": by_tottime},
    }


async def durable_floor(tmp: Path, rounds: int = 1500) -> dict[str, Any]:
    """The least any handler can cost that writes durably through aiosqlite: one transaction
    with one INSERT, and one bare round trip to aiosqlite's thread. It bounds the throughput
    ratio to the bare baseline, whatever the handler does besides."""
    import aiosqlite

    floor: dict[str, Any] = {}
    for mode in ("FULL", "NORMAL"):
        conn = await aiosqlite.connect(tmp / f"floor-{mode}.db", isolation_level=None)
        try:
            await conn.execute("PRAGMA journal_mode=WAL")
            await conn.execute(f"PRAGMA synchronous={mode}")
            await conn.execute("CREATE TABLE IF NOT EXISTS t(id INTEGER PRIMARY KEY, v TEXT)")
            began = time.perf_counter()
            for _ in range(rounds):
                await conn.execute("BEGIN IMMEDIATE")
                await conn.execute("INSERT INTO t(v) VALUES (?)", ("x",))
                await conn.execute("COMMIT")
            floor[f"one_insert_transaction_{mode.lower()}_us"] = round(
                (time.perf_counter() - began) / rounds * 1e6, 1
            )
            began = time.perf_counter()
            for _ in range(rounds):
                await conn.execute_fetchall("SELECT 1")
            floor["round_trip_us"] = round((time.perf_counter() - began) / rounds * 1e6, 1)
        finally:
            await conn.close()
    return floor
