"""A publisher process for the chaos tests and the benchmark: the due-task sensor's tick, looped.

Each loop is `sensors.ticks.run_one_tick`, what `scheduling-platform tick` runs: the sensor claims
what is due, and each publish run it asks for executes here, on this process's Dagster instance.

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
    print(f"{utcnow():%H:%M:%S.%f} ready {os.getpid()}", flush=True)
    with DagsterInstance.get() as instance:
        while True:
            try:
                runs = run_one_tick(instance, definitions)
            except Exception:  # a tick that fails (database down) is retried, as the daemon does
                traceback.print_exc()
                time.sleep(0.5)
                continue
            for run in runs:
                print(
                    f"{utcnow():%H:%M:%S.%f} run {run['run_id']} {run['platform']} "
                    f"success={run['success']} "
                    f"published={len(run['published_task_ids'])}",
                    flush=True,
                )
            if runs:
                continue
            try:
                if until_done and unfinished(store) == 0:
                    return 0
            except Exception:
                traceback.print_exc()
            time.sleep(0.2)


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
