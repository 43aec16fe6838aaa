"""Publishing throughput and lateness through the sensor-and-run path, against the naive design.

For each store (SQLite, Postgres) and each offered load (1,000 and 10,000 due posts a minute)
a publisher process runs the due-task sensor's tick in a loop (`publish_worker.py`: what
`scheduling-platform tick` does, a real Dagster run on a real instance), against a sandbox in
its own process. Lateness is the sandbox's receipt time minus the task's scheduled time, for
every post. Throughput is the posts received per minute from the first due time to the last
receipt. The naive design, one Dagster run per post, is measured as what the daemon's run
launcher does for each run: a new process executing `publish_job` for a one-post batch.
The store holds a year of published history beside the load (1,000,000 tasks; 100,000 with
--quick), as a store in use does.
"""

from __future__ import annotations

import statistics
import time
from datetime import datetime, timedelta

from benchmarks.publish_naive import naive_runs_per_minute
from benchmarks.publish_setup import BenchPlatform, bench_platform, load_history

# (posts a minute, seconds of load); quick runs are shorter, at the same rates.
LOADS = ((1_000, 60), (10_000, 30))
QUICK_LOADS = ((1_000, 20), (10_000, 10))
ACCOUNTS = 100
NAIVE_RUNS, QUICK_NAIVE_RUNS = 5, 3
HISTORY, QUICK_HISTORY = 1_000_000, 100_000
LATENESS_TARGET_P99_S = 5.0
SPEEDUP_TARGET = 100


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def measure_load(platform: BenchPlatform, per_minute: int, seconds: int) -> dict[str, object]:
    """Offer `per_minute` posts a minute for `seconds`; wait for them; lateness and throughput."""
    count = per_minute * seconds // 60
    start = platform.now() + timedelta(seconds=3)
    due = {platform.name(n): start + timedelta(seconds=seconds * n / count) for n in range(count)}
    platform.load(due)
    platform.wait_published(count, timeout=seconds + 60 + count / 50)
    received, duplicates = platform.received_at()
    lateness = [(received[n] - at).total_seconds() for n, at in due.items() if n in received]
    last: datetime = max(received[name] for name in due if name in received)
    span_minutes = max((last - start).total_seconds(), 1e-9) / 60
    return {
        "offered_per_min": per_minute,
        "posts": count,
        "published": len(lateness),
        "throughput_per_min": round(len(lateness) / span_minutes),
        "lateness_p50_s": round(statistics.median(lateness), 3),
        "lateness_p99_s": round(percentile(lateness, 0.99), 3),
        "lateness_max_s": round(max(lateness), 3),
        "duplicates": duplicates,
    }


def run(quick: bool = False) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    naive = None
    for backend in ("sqlite", "postgres"):
        with bench_platform(backend, accounts=ACCOUNTS) as platform:
            load_history(platform, QUICK_HISTORY if quick else HISTORY)
            if naive is None:
                naive = naive_runs_per_minute(platform, QUICK_NAIVE_RUNS if quick else NAIVE_RUNS)
                rows.append(
                    {
                        "backend": backend,
                        "design": "naive: one run per post",
                        "offered_per_min": "-",
                        "posts": naive["runs"],
                        "published": naive["published"],
                        "throughput_per_min": round(naive["runs_per_minute"], 1),
                        "lateness_p50_s": "-",
                        "lateness_p99_s": "-",
                        "lateness_max_s": "-",
                        "duplicates": "-",
                    }
                )
            platform.start_publisher()
            for per_minute, seconds in QUICK_LOADS if quick else LOADS:
                started = time.perf_counter()
                row = measure_load(platform, per_minute, seconds)
                row["x_naive"] = round(row["throughput_per_min"] / naive["runs_per_minute"], 1)
                row["wall_s"] = round(time.perf_counter() - started, 1)
                rows.append({"backend": backend, "design": "batched sensor + run", **row})
    rows.append(
        {
            "backend": "targets",
            "design": f">= {SPEEDUP_TARGET}x naive; p99 <= {LATENESS_TARGET_P99_S} s at 1,000/min"
            "; p99 < 1 s at 10,000/min; 0 duplicates",
        }
    )
    return rows
