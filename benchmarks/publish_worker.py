"""A publisher process for the chaos tests and the benchmark: the due-task sensor's tick, looped.

Each tick is `sensors.ticks.run_one_tick`, what `scheduling-platform tick` runs: the sensor claims
what is due, and each publish run it asks for executes here, on this process's Dagster instance.
As under the daemon, the sensor ticks again while a run is still sending: a run lasts until the
last post of its window is due, and ticking only after it ended left the next window's first
posts waiting for a sensor evaluation and a run start (1 to 1.7 s late at 10,000 a minute).
So a second tick starts half a claim window after the first began (two at most at a time).

    python benchmarks/publish_worker.py [--until-done]
        tick until killed; with --until-done, stop once no task is left to publish.
    python benchmarks/publish_worker.py --zygote
        import everything once, then fork one publisher per stdin line ("run LOG" or
        "finish LOG") and print "pid N" for each, so a test can kill -9 publishers and start
        new ones without paying Dagster's 4 s of imports every time. Children are reaped here.
"""

from __future__ import annotations

import argparse
import os
import select
import sys
import time
import traceback
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import Any

from dagster import DagsterInstance

from scheduling_platform.definitions import build_definitions
from scheduling_platform.lifecycle import TaskStatus
from scheduling_platform.runtime.dagster_home import ensure_dagster_home
from scheduling_platform.settings import get_settings
from scheduling_platform.store.task_store import TaskStore
from scheduling_platform.timeutil import utcnow
from sensors.ticks import run_one_tick

# Statuses with work still to do; the rest are where a task ends (or waits for a person).
UNFINISHED = frozenset(
    {TaskStatus.SCHEDULED, TaskStatus.CLAIMED, TaskStatus.PUBLISHING, TaskStatus.RETRYING}
)


def unfinished(store: TaskStore) -> int:
    return sum(n for status, n in store.count_by_status().items() if status in UNFINISHED)


def publish_loop(until_done: bool) -> int:
    settings = get_settings()
    definitions = build_definitions(settings)
    ensure_dagster_home(settings)
    store = TaskStore.from_url(settings.resolved_database_url, run_migrations=False)
    # The next window is claimed while the current one is half sent.
    overlap_after = settings.claim_lookahead_seconds / 2
    print(f"{utcnow():%H:%M:%S.%f} ready {os.getpid()}", flush=True)
    with DagsterInstance.get() as instance, ThreadPoolExecutor(2, "tick") as ticks:
        in_flight: dict[Future[list[dict[str, Any]]], float] = {}
        idle_since: float | None = None  # when a tick last found nothing to run
        while True:
            for done in [f for f in in_flight if f.done()]:
                del in_flight[done]
                runs = _report(done)
                idle_since = None if runs else time.monotonic()
            now = time.monotonic()
            if not in_flight and idle_since is not None and now - idle_since < 0.2:
                time.sleep(0.2 - (now - idle_since))
                continue
            if not in_flight and idle_since is not None and until_done:
                try:
                    if unfinished(store) == 0:
                        return 0
                except Exception:
                    traceback.print_exc()
            if not in_flight or (
                len(in_flight) == 1 and now - max(in_flight.values()) >= overlap_after
            ):
                in_flight[ticks.submit(run_one_tick, instance, definitions)] = now
            wait(in_flight, timeout=0.1, return_when=FIRST_COMPLETED)


def _report(tick: Future[list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """Print each run a finished tick executed; a tick that failed (database down) is printed,
    and is tried again, as the daemon does."""
    try:
        runs = tick.result()
    except Exception:
        traceback.print_exc()
        time.sleep(0.5)
        return []
    for run in runs:
        print(
            f"{utcnow():%H:%M:%S.%f} run {run['run_id']} {run['platform']} "
            f"success={run['success']} "
            f"published={len(run['published_task_ids'])}",
            flush=True,
        )
    return runs


def _child(mode: str, log_path: str) -> None:
    log = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    os.dup2(log, 1)
    os.dup2(log, 2)
    os.close(log)
    sys.stdin.close()
    code = 1
    try:
        code = publish_loop(until_done=mode == "finish")
    except BaseException:
        traceback.print_exc()
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def zygote() -> int:
    print("zygote ready", flush=True)
    while True:
        while True:  # reap children killed by the test
            try:
                pid, _status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                break
            if pid == 0:
                break
        readable, _, _ = select.select([sys.stdin], [], [], 0.1)
        if not readable:
            continue
        line = sys.stdin.readline()
        if not line:
            return 0
        mode, log_path = line.split()
        pid = os.fork()
        if pid == 0:
            _child(mode, log_path)
        print(f"pid {pid}", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--until-done", action="store_true")
    parser.add_argument("--zygote", action="store_true")
    args = parser.parse_args()
    if args.zygote:
        return zygote()
    return publish_loop(args.until_done)


if __name__ == "__main__":
    sys.exit(main())
