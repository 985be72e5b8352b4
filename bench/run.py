"""Benchmark: speed, memory and message economy, measured against bare python-telegram-bot.

    python -m bench.run --output bench.json            # full (a few minutes)
    python -m bench.run --quick --output bench.json    # CI: under 30 s, only checks that it works
    python -m bench.run --profile                      # add a cProfile of the mixed workload

Everything runs in-process through the real Application (bot.app.build_application) over the
fake Bot API (tests.kit: FakeRequest, the BaseRequest seam): no network, no sleeps, no rate
limiter, a frozen clock the bench advances. Every write is durable: SQLite in WAL mode with
synchronous=FULL. The flood guard is raised (limits.flood_burst) so that the bench measures
work, not refusals. Targets are printed next to the figures with PASS/MISS; nothing asserts on
timing (the exit code is non-zero only when something did not work: handler errors, an
unanswered button, a failed restore).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import platform
import shutil
import sqlite3
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import telegram

from bench import measures
from bench.world import FLOOD_BURST


@dataclass(frozen=True)
class Plan:
    groups: int
    members: int
    updates: int
    growth_sizes: tuple[int, ...]
    growth_groups: int
    growth_members: int
    growth_updates: int
    growth_repeats: int
    economy_members: int
    restore_rows: int
    restore_chats: int
    profile_updates: int


FULL = Plan(
    groups=20,
    members=30,
    updates=20_000,
    growth_sizes=(1_000, 10_000, 100_000),
    growth_groups=5,
    growth_members=20,
    growth_updates=1_000,
    growth_repeats=2,
    economy_members=120,
    restore_rows=50_000,
    restore_chats=500,
    profile_updates=5_000,
)
QUICK = Plan(
    groups=4,
    members=12,
    updates=1_500,
    growth_sizes=(1_000, 10_000),
    growth_groups=3,
    growth_members=12,
    growth_updates=300,
    growth_repeats=1,
    economy_members=110,
    restore_rows=50_000,
    restore_chats=500,
    profile_updates=1_000,
)

TARGETS = {
    "throughput": ">= 0.3 x bare",
    "vs_durable_floor": ">= 0.5 x durable floor",
    "hops": "<= 3 per update",
    "commits": "<= 1 per update",
    "p99": "< 10 ms",
    "growth": "<= 1.5",
    "economy": "<= 5 per 100 ballots",
    "restore_time": "< 5 s",
    "restore_rss": "< 100 MB",
}


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def targets(report: dict[str, Any]) -> list[dict[str, Any]]:
    mix, growth, econ, rest = (
        report["mixed"],
        report["growth"],
        report["economy"],
        report["restore"],
    )
    rows = [
        ("throughput", mix["ratio_ours_to_bare"], mix["ratio_ours_to_bare"] >= 0.3, "x bare"),
        (
            "vs_durable_floor",
            mix["ratio_ours_to_durable_floor"],
            mix["ratio_ours_to_durable_floor"] >= 0.5,
            "x floor",
        ),
        (
            "hops",
            mix["ours"]["hops_per_update"],
            mix["ours"]["hops_per_update"] <= 3,
            "per update",
        ),
        (
            "commits",
            mix["ours"]["commits_per_update"],
            mix["ours"]["commits_per_update"] <= 1,
            "per update",
        ),
        (
            "p99",
            mix["ours"]["latency"]["p99_ms"],
            mix["ours"]["latency"]["p99_ms"] < 10,
            "ms",
        ),
        (
            "growth",
            growth["ratio_largest_to_smallest"],
            growth["ratio_largest_to_smallest"] <= 1.5,
            "x",
        ),
        ("economy", econ["per_100_ballots"], econ["per_100_ballots"] <= 5, "per 100 ballots"),
        ("restore_time", rest["spawn_to_ready_s"], rest["spawn_to_ready_s"] < 5, "s"),
        (
            "restore_rss",
            rest["child_maxrss_mb_at_ready"],
            rest["child_maxrss_mb_at_ready"] < 100,
            "MB",
        ),
    ]
    return [
        {
            "target": name,
            "value": value,
            "unit": unit,
            "wanted": TARGETS[name],
            "status": verdict(ok),
        }
        for name, value, ok, unit in rows
    ]


def show(report: dict[str, Any]) -> str:
    mix, growth, rest = report["mixed"], report["growth"], report["restore"]
    econ, naive = report["economy"], report["economy_flush_every_second"]
    ours, bare, quiet = mix["ours"], mix["bare"], mix["ours_one_at_a_time"]
    normal = report["mixed_synchronous_normal"]
    lines = [
        f"Shangliang benchmark ({report['mode']}); python {report['python']}, "
        f"python-telegram-bot {report['ptb']}, SQLite {report['sqlite']}",
        "Durability: SQLite journal_mode="
        f"{mix['database']['journal_mode'].upper()}, synchronous=FULL "
        f"(PRAGMA synchronous={mix['database']['synchronous']}) - every write is durable.",
        f"Flood guard raised to limits.flood_burst={FLOOD_BURST} so the bench measures work, "
        "not refusals; no rate limiter; fake Bot API in-process; frozen clock.",
        "",
        f"Mixed workload: {mix['groups']} groups x {mix['members_per_group']} members, "
        f"{mix['updates']} updates, seed {mix['seed']}, 10 updates per simulated second",
        "  mix: " + ", ".join(f"{k} {v}" for k, v in mix["mix"].items()),
        f"  bare PTB, same {mix['updates']} updates: {bare['updates_per_s']} updates/s",
        f"  durable floor (bare PTB + one aiosqlite commit per update, FULL): "
        f"{mix['durable_floor']['updates_per_s']} updates/s",
        f"  ours, saturated ({mix['updates_per_batch']} updates per getUpdates result; inbox, "
        f"lanes, handlers, marks): {ours['updates_per_s']} updates/s "
        f"(updates {ours['busy_s'] - ours['scheduled_work_s']:.2f} s"
        f" + scheduled card edits/wakes {ours['scheduled_work_s']:.2f} s); "
        f"{ours['hops_per_update']} hops and {ours['commits_per_update']} commits per update",
        f"  ours, quiet (each update alone, {quiet['updates']} updates): "
        f"{quiet['updates_per_s']} updates/s; {quiet['hops_per_update']} hops and "
        f"{quiet['commits_per_update']} commits per update",
        f"  ratio ours / bare: {mix['ratio_ours_to_bare']}; "
        f"ours / durable floor: {mix['ratio_ours_to_durable_floor']}",
        "  latency of an update alone (production path): "
        + ", ".join(f"{k.removesuffix('_ms')} {v} ms" for k, v in ours["latency"].items()),
        "  latency in a saturated batch (behind the rest of its batch): "
        + ", ".join(f"{k.removesuffix('_ms')} {v} ms" for k, v in ours["latency_in_batch"].items()),
        "  bare latency: "
        + ", ".join(f"{k.removesuffix('_ms')} {v} ms" for k, v in bare["latency"].items()),
        "  floor for any durable handler on aiosqlite: one transaction with one INSERT "
        f"{report['durable_floor']['one_insert_transaction_full_us']} us (FULL), "
        f"{report['durable_floor']['one_insert_transaction_normal_us']} us (NORMAL); "
        f"one round trip to its thread {report['durable_floor']['round_trip_us']} us; "
        "so at best "
        f"{round(1e6 / report['durable_floor']['one_insert_transaction_full_us'] / bare['updates_per_s'], 3)}"
        " x bare with FULL, "
        f"{round(1e6 / report['durable_floor']['one_insert_transaction_normal_us'] / bare['updates_per_s'], 3)}"
        " x bare with NORMAL",
        f"  for information, synchronous=NORMAL (not durable on power loss): "
        f"{normal['updates_per_s']} updates/s = {round(normal['updates_per_s'] / bare['updates_per_s'], 3)} x bare, "
        f"p99 {normal['latency']['p99_ms']} ms",
        "  slowest kinds (count, mean, p99 ms): "
        + ", ".join(
            f"{k} {v['count']}/{v['mean_ms']}/{v['p99_ms']}"
            for k, v in list(ours["latency_by_kind"].items())[:8]
        ),
        f"  handler errors {mix['handler_errors']}; button presses {mix['button_presses']}, "
        f"callback answers {mix['callback_answers']}",
        f"  bot API calls: {mix['bot_api_calls']}",
        f"  bot API errors: {mix['bot_api_errors'] or 'none'}",
        "  database after: "
        + ", ".join(
            f"{k} {v}"
            for k, v in mix["database"].items()
            if k not in ("synchronous", "journal_mode")
        ),
        "",
        "Memory (ru_maxrss, whole bench process incl. the fake API's stored messages): "
        + ", ".join(f"{k} {v} MB" for k, v in report["memory"].items()),
        "",
        "Growth: per-update cost (process_update + scheduled work) with stored views and ballots "
        "of other chats",
    ]
    for row in growth["sizes"]:
        lines.append(
            f"  {row['stored_views']:>7} views + {row['stored_ballots']:>7} ballots "
            f"(db {row['db_mb']} MB, filled in {row['fill_s']} s): {row['per_update_ms']} ms/update "
            f"over {row['updates']} updates; p50 {row['latency']['p50_ms']} ms, "
            f"p99 {row['latency']['p99_ms']} ms (best of {row['repeats']})"
        )
    lines += [
        f"  ratio largest / smallest: {growth['ratio_largest_to_smallest']} "
        f"(p50: {growth['p50_ratio_largest_to_smallest']})",
        "",
        f"Message economy: one vote, {econ['members']} members, {econ['ballot_presses']} ballot "
        f"presses ({econ['ballots_changed']} changed) at {econ['presses_per_simulated_s']}/s over "
        f"{econ['simulated_seconds']} simulated s; card edits flushed {econ['flush']}",
        f"  group messages + edits: {econ['group_messages_and_edits']} "
        f"({econ['new_group_messages']} new, {econ['edits']} edits) = {econ['per_100_ballots']} "
        f"per 100 ballots; {econ['callback_answers']} callback answers",
        f"  (for comparison, flushing every simulated second: {naive['per_100_ballots']} per 100 "
        "ballots)",
        "",
        f"Restore: fresh process, {rest['pending_rows']} pending scheduled rows in "
        f"{rest['chats']} chats, due over the next year",
        f"  spawn to ready {rest['spawn_to_ready_s']} s (in the child: imports "
        f"{rest['in_child']['import_s']} s, initialize {rest['in_child']['initialize_s']} s, "
        f"start_runtime {rest['in_child']['start_runtime_s']} s); child peak RSS "
        f"{rest['child_maxrss_mb_at_ready']} MB at ready (ru_maxrss; VmHWM "
        f"{rest['child_vm_hwm_mb_at_ready']} MB), {rest['child_maxrss_mb_after_shutdown']} MB "
        "after shutdown",
        "",
        "Targets:",
    ]
    for row in report["targets"]:
        lines.append(
            f"  {row['status']}  {row['target']:<13} {row['value']} {row['unit']:<16} "
            f"(target {row['wanted']})"
        )
    if "profile" in report:
        prof = report["profile"]
        lines += [
            "",
            f"Profile of the mixed workload ({prof['updates']} updates; cProfile enabled around "
            "process_update and the scheduled work only; async functions count each resumption "
            "as a call):",
            prof["text"]["cumulative"].rstrip(),
            "",
            "  project code, by cumulative time:",
        ]
        for row in prof["project_top_cumulative"]:
            lines.append(
                f"  {row['cumtime_s']:>8.3f} s  {row['cum_per_update_ms']:>7.3f} ms/update  "
                f"{row['function']}"
            )
        lines += [
            f"  aiosqlite worker-thread round trips per update: "
            f"{prof['aiosqlite_round_trips_per_update']}; share of profiled time the loop sat in "
            f"epoll waiting (for the SQLite thread and its fsync): {prof['share_waiting_in_epoll']}",
            "  SQL statements per update (incl. scheduled work): "
            + ", ".join(f"{k} {v}" for k, v in prof["sql_statements_per_update"].items()),
            "  one SELECT 1 here: "
            + ", ".join(f"{k} {v}" for k, v in prof["round_trip_cost"].items()),
            "",
        ]
    lines.append(f"Bench wall time: {report['bench_wall_s']} s")
    return "\n".join(lines)


async def bench(plan: Plan, mode: str, seed: int, tmp: Path, want_profile: bool) -> dict[str, Any]:
    began = time.perf_counter()
    report: dict[str, Any] = {
        "mode": mode,
        "python": platform.python_version(),
        "ptb": telegram.__version__,
        "sqlite": sqlite3.sqlite_version,
        "durability": "WAL, synchronous=FULL",
        "flood_burst": FLOOD_BURST,
        "rate_limiter": False,
    }
    memory: dict[str, Any] = {"at_start": measures.maxrss_mb()}
    await measures.warm_up(tmp, seed)
    memory["after_warm_up"] = measures.maxrss_mb()
    report["mixed"] = await measures.mixed(tmp, plan.groups, plan.members, plan.updates, seed)
    memory["after_mixed_workload"] = report["mixed"]["peak_rss_mb_after_ours"]
    memory["after_bare_replay"] = measures.maxrss_mb()
    report["mixed_synchronous_normal"] = await measures.durability_cost(
        tmp, plan.groups, plan.members, plan.updates, seed
    )
    report["durable_floor"] = await measures.durable_floor(tmp)
    report["economy"] = await measures.economy(tmp, plan.economy_members, seed)
    report["economy_flush_every_second"] = await measures.economy(
        tmp, plan.economy_members, seed, every_second=True
    )
    report["growth"] = await measures.growth(
        tmp,
        list(plan.growth_sizes),
        plan.growth_groups,
        plan.growth_members,
        plan.growth_updates,
        seed,
        plan.growth_repeats,
    )
    memory["after_growth"] = measures.maxrss_mb()
    report["restore"] = await measures.restore(tmp, plan.restore_rows, plan.restore_chats)
    if want_profile:
        report["profile"] = await measures.profile(
            tmp, plan.groups, plan.members, plan.profile_updates, seed
        )
    memory["peak"] = measures.maxrss_mb()
    memory["current"] = measures.current_rss_mb()
    report["memory"] = memory
    report["targets"] = targets(report)
    report["bench_wall_s"] = round(time.perf_counter() - began, 1)
    return report


def problems(report: dict[str, Any]) -> list[str]:
    found = []
    mix = report["mixed"]
    if mix["handler_errors"]:
        found.append(f"mixed workload: {mix['handler_errors']} handler errors")
    if mix["callback_answers"] < mix["button_presses"]:
        found.append("mixed workload: some button presses were never answered")
    for name in ("economy", "economy_flush_every_second"):
        econ = report[name]
        if econ["handler_errors"] or econ["callback_answers"] != econ["ballot_presses"]:
            found.append(f"{name}: errors or unanswered ballot presses")
        if econ["ballots_stored"] != econ["members"]:
            found.append(f"{name}: {econ['ballots_stored']} ballots stored for {econ['members']}")
    if report["mixed_synchronous_normal"]["handler_errors"]:
        found.append("synchronous=NORMAL run: handler errors")
    if any(row["handler_errors"] for row in report["growth"]["sizes"]):
        found.append("growth: handler errors")
    if report["restore"]["exit_code"] != 0:
        found.append("restore: the child process failed")
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n")[0])
    parser.add_argument("--output", type=Path, help="write the figures as JSON to this path")
    parser.add_argument("--quick", action="store_true", help="small and fast (CI: under 30 s)")
    parser.add_argument("--profile", action="store_true", help="cProfile the mixed workload")
    parser.add_argument("--seed", type=int, default=20260302)
    parser.add_argument("--updates", type=int, help="override the mixed workload's update count")
    parser.add_argument("--keep", type=Path, help="keep the databases in this directory")
    args = parser.parse_args(argv)

    logging.basicConfig(level=logging.WARNING)
    plan = QUICK if args.quick else FULL
    if args.updates:
        plan = Plan(**{**plan.__dict__, "updates": args.updates})
    mode = "quick" if args.quick else "full"
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
        tmp = args.keep
    else:
        tmp = Path(tempfile.mkdtemp(prefix="shangliang-bench-"))
    try:
        report = asyncio.run(bench(plan, mode, args.seed, tmp, args.profile))
    finally:
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)
    report["problems"] = problems(report)
    print(show(report))
    if args.output:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
        print(f"JSON written to {args.output}")
    if report["problems"]:
        print("PROBLEMS: " + "; ".join(report["problems"]), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
