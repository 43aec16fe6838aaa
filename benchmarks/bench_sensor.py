"""The due-task sensor's evaluation time against a store of 1,000,000 tasks (target < 1 s)."""

from __future__ import annotations

import random
import statistics
import time
from datetime import timedelta

from dagster import build_sensor_context, instance_for_test
from sqlalchemy import update

from benchmarks.stores import bulk_load_tasks, temporary_store
from resources.policies import PublishPolicyResource
from resources.store import TaskStoreResource
from scheduling_platform.store.schema import tasks
from scheduling_platform.timeutil import utcnow
from sensors.publishing import build_due_tasks_sensor

REPEATS = 5

DUE_TASKS_SENSOR = build_due_tasks_sensor(60)
POLICY = PublishPolicyResource()


def _fill(store, total: int, due_now: int) -> None:
    """Mostly history (published), a future backlog, and `due_now` tasks due within a minute."""
    accounts = [store.add_account("weibo", f"bench-{i}", "Asia/Shanghai", {}) for i in range(50)]
    now = utcnow()
    rng = random.Random(7)
    rows = []
    for i in range(total - due_now):
        published = i % 10 < 7
        offset = -rng.uniform(60, 86400 * 90) if published else rng.uniform(600, 86400 * 30)
        rows.append(
            (
                accounts[i % 50].id,
                f"post {i}",
                "published" if published else "scheduled",
                now + timedelta(seconds=offset),
            )
        )
    rows += [
        (accounts[i % 50].id, f"due {i}", "scheduled", now + timedelta(seconds=rng.uniform(5, 60)))
        for i in range(due_now)
    ]
    for start in range(0, len(rows), 200_000):
        bulk_load_tasks(store, rows[start : start + 200_000])


def _tick_seconds(store, url: str, instance) -> float:
    resources = {"task_store": TaskStoreResource(database_url=url), "publish_policy": POLICY}
    with build_sensor_context(instance=instance, resources=resources) as context:
        started = time.perf_counter()
        DUE_TASKS_SENSOR.evaluate_tick(context)
        return time.perf_counter() - started


def _unclaim(store) -> None:
    with store.engine.begin() as conn:
        conn.execute(
            update(tasks)
            .where(tasks.c.status == "claimed")
            .values(status="scheduled", claim_batch=None, lease_expires_at=None)
        )


def run(quick: bool = False) -> list[dict[str, object]]:
    total = 100_000 if quick else 1_000_000
    rows = []
    for backend in ("sqlite", "postgres"):
        with temporary_store(backend) as store, instance_for_test() as instance:
            load_started = time.perf_counter()
            _fill(store, total, due_now=1000)
            load_seconds = time.perf_counter() - load_started
            url = store.engine.url.render_as_string(hide_password=False)
            _tick_seconds(store, url, instance)  # warm the connection pool and caches
            _unclaim(store)
            claiming, idle = [], []
            for _ in range(REPEATS):
                claiming.append(_tick_seconds(store, url, instance))
                idle.append(_tick_seconds(store, url, instance))
                _unclaim(store)
            rows.append(
                {
                    "backend": backend,
                    "tasks": total,
                    "load_s": round(load_seconds, 1),
                    "tick_claiming_1000_median_s": statistics.median(claiming),
                    "tick_claiming_1000_max_s": max(claiming),
                    "tick_nothing_due_median_s": statistics.median(idle),
                    "target_s": 1.0,
                }
            )
    return rows
