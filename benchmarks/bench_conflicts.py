"""Conflict checks against an account with a year of history (about 10,000 posts): one task
(target under 10 ms), a batch of 50 with its checks and inserts (target under 100 ms), and
datasketch's in-memory MinHashLSH rebuilt per process, for comparison with the stored bands."""

from __future__ import annotations

import random
import statistics
import time
from datetime import UTC, datetime, timedelta

from benchmarks.stores import temporary_store
from scheduling_platform.fingerprints import minhash, new_lsh, shingles
from scheduling_platform.scheduling.batches import BatchItem, place_batch
from scheduling_platform.scheduling.conflicts.checker import check_post
from scheduling_platform.scheduling.conflicts.model import Post
from scheduling_platform.scheduling.conflicts.rules import ConflictRules
from scheduling_platform.store.tasks import NewTask

ALPHABET = "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可也你新品"
NOW = datetime(2031, 1, 1, tzinfo=UTC)
RULES = ConflictRules()


def text(rng: random.Random, n: int = 60) -> str:
    return "".join(rng.choice(ALPHABET) for _ in range(n))


def history(store, posts: int):
    """A Weibo account with `posts` over the past year and the coming weeks (28 a day)."""
    rng = random.Random(3)
    account = store.add_account("weibo", "year", "Asia/Shanghai", {})
    start = NOW - timedelta(days=340)
    step = timedelta(minutes=51)  # 28 a day: under the daily quota, over the gap
    rows = [NewTask(account.id, "weibo", text(rng), start + i * step) for i in range(posts)]
    for first in range(0, len(rows), 2000):
        store.create_tasks(rows[first : first + 2000], actor="bench")
    if store.dialect == "postgresql":  # as autovacuum would have by then
        with store.engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
    return account, rng


def one_task_ms(store, account, rng, repeats: int) -> list[float]:
    times = []
    for i in range(repeats):
        at = NOW + timedelta(days=20, minutes=17 + 7 * i)  # among scheduled posts
        post = Post(account.id, "weibo", text(rng), at)
        started = time.perf_counter()
        check_post(store, RULES, account, post, NOW)
        times.append((time.perf_counter() - started) * 1000)
    return times


def batch_ms(store, account, rng, repeats: int) -> list[float]:
    times = []
    for r in range(repeats):
        base = NOW + timedelta(days=60 + r)
        items = [
            BatchItem(account.id, text(rng), base + timedelta(minutes=25 * i)) for i in range(50)
        ]
        started = time.perf_counter()
        place_batch(store, RULES, items, all_or_nothing=False, now=NOW, actor="bench")
        times.append((time.perf_counter() - started) * 1000)
    return times


def in_memory_lsh_ms(texts: list[str]) -> float:
    started = time.perf_counter()
    lsh = new_lsh()
    for i, t in enumerate(texts):
        lsh.insert(i, minhash(shingles(t)))
    return (time.perf_counter() - started) * 1000


def run(quick: bool = False) -> list[dict[str, object]]:
    posts = 2_000 if quick else 10_000
    rows = []
    for backend in ("sqlite", "postgres"):
        with temporary_store(backend) as store:
            account, rng = history(store, posts)
            one_task_ms(store, account, rng, 5)  # warm the connections and caches
            single = one_task_ms(store, account, rng, 50)
            batch = batch_ms(store, account, rng, 10)
            rows.append(
                {
                    "backend": backend,
                    "history_posts": posts,
                    "one_task_median_ms": statistics.median(single),
                    "one_task_p95_ms": sorted(single)[int(len(single) * 0.95) - 1],
                    "one_task_target_ms": 10,
                    "batch_50_median_ms": statistics.median(batch),
                    "batch_50_max_ms": max(batch),
                    "batch_target_ms": 100,
                }
            )
    rng = random.Random(4)
    rows.append(
        {
            "backend": "datasketch MinHashLSH in memory, rebuilt for each check",
            "history_posts": posts,
            "one_task_median_ms": in_memory_lsh_ms([text(rng) for _ in range(posts)]),
        }
    )
    return rows
