"""Run in a fresh interpreter: build the application on an existing database and get it ready.

`python -m bench.restore_child DB_PATH` prints one JSON line when initialize + start_runtime
(which opens the database, runs migrations and re-arms the schedule) have returned, then shuts
down cleanly and prints a second line. The parent measures the wall time from spawning this
process to the first line.

Peak RSS is ru_maxrss (RUSAGE_SELF). On Linux that value survives execve: a process spawned
directly by the (large) bench process starts with the parent's RSS as its maximum. The parent
therefore starts this module through /bin/sh, which forks it from a small process; VmHWM (the
high-water mark of this process image) is reported as a cross-check.
"""

from __future__ import annotations

import time

STARTED = time.perf_counter()

import asyncio  # noqa: E402
import json  # noqa: E402
import resource  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402


def vm_hwm_kb() -> int | None:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


async def main(db_path: Path) -> None:
    imported = time.perf_counter()
    from bench.world import bench_settings
    from bot.app import build_application, finish_work, runtime_of, start_runtime, stop_runtime
    from storage import schedule
    from tests.kit.fake_api import FakeBotAPI
    from tests.kit.request import FakeRequest

    modules = time.perf_counter()
    app = build_application(bench_settings(db_path), request=FakeRequest(FakeBotAPI()))
    built = time.perf_counter()
    await app.initialize()
    initialized = time.perf_counter()
    await start_runtime(app)
    rt = runtime_of(app)
    # What the start-up's catch-up does once polling has caught up: run what is due, arm.
    await rt.scheduler.start(app)
    ready = time.perf_counter()
    async with rt.db.read() as tx:
        pending = await schedule.pending_count(tx)
    armed = rt.scheduler.armed_for
    wake_jobs = len(app.job_queue.jobs()) if app.job_queue else 0
    report = {
        "ready_s": ready - STARTED,
        "stdlib_import_s": imported - STARTED,
        "import_s": modules - imported,
        "build_s": built - modules,
        "initialize_s": initialized - built,
        "start_runtime_s": ready - initialized,
        "maxrss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        "vm_hwm_kb": vm_hwm_kb(),
        "pending_rows": pending,
        "armed_for": armed.isoformat() if armed else None,
        "jobs_in_queue": wake_jobs,
    }
    print(json.dumps(report), flush=True)
    await finish_work(app)
    await stop_runtime(app)
    await app.shutdown()
    final = {
        "stopped_s": time.perf_counter() - STARTED,
        "maxrss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        "vm_hwm_kb": vm_hwm_kb(),
    }
    print(json.dumps(final), flush=True)


if __name__ == "__main__":
    asyncio.run(main(Path(sys.argv[1])))
