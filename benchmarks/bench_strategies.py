"""Scheduling decisions: suggestions for one post (target < 50 ms, 20 ms), a batch of 50
`optimal_time` posts with their conflict checks and inserts (target < 100 ms, 50 ms), and a
batch of 50 `load_balance` posts as one assignment. Ten Weibo accounts, each with a post every
51 minutes over the coming week already stored; the model is loaded once per process and the
store's connections are kept open, as the API does."""

from __future__ import annotations

import random
import statistics
import time
from datetime import timedelta

from benchmarks.bench_conflicts import text
from benchmarks.stores import temporary_store
from scheduling_platform.intelligence.model import default_candidates, train_model
from scheduling_platform.intelligence.registry import ModelRegistry
from scheduling_platform.intelligence.scoring import draft_for, score_slots, week_slots
from scheduling_platform.sandbox.engagement_profile import load_profile
from scheduling_platform.sandbox.history import simulate_history
from scheduling_platform.scheduling.batches import BatchItem, place_batch
from scheduling_platform.scheduling.conflicts.checker import ConflictChecker
from scheduling_platform.scheduling.conflicts.model import Post
from scheduling_platform.scheduling.conflicts.rules import ConflictRules
from scheduling_platform.scheduling.strategies.scores import Predictor, parse_window
from scheduling_platform.scheduling.strategies.suggest import suggest
from scheduling_platform.settings import Settings
from scheduling_platform.store.tasks import NewTask
from scheduling_platform.timeutil import utcnow

RULES = ConflictRules()
ACCOUNTS = 10


def _store_with_week(store, rng):
    now = utcnow()
    accounts = [store.add_account("weibo", f"b{i}", "Asia/Shanghai", {}) for i in range(ACCOUNTS)]
    rows = [
        NewTask(a.id, "weibo", text(rng), now + timedelta(minutes=51 * k + 7 * i + 3))
        for i, a in enumerate(accounts)
        for k in range(7 * 24 * 60 // 51)
    ]
    store.create_tasks(rows, actor="bench")
    return accounts


def _summary(name: str, times: list[float], target: str) -> dict[str, object]:
    times = sorted(times)
    return {
        "benchmark": name,
        "runs": len(times),
        "median_ms": round(statistics.median(times), 1),
        "p95_ms": round(times[int(0.95 * (len(times) - 1))], 1),
        "max_ms": round(times[-1], 1),
        "target": target,
    }


def run(quick: bool) -> list[dict]:
    history = simulate_history(
        load_profile(), end=utcnow(), weeks=6, accounts_per_platform=4, platforms=("weibo",)
    )
    boosting = [c for c in default_candidates() if c.name == "hist_gb_log"]
    artifact = train_model(history, candidates=boosting)
    rng = random.Random(5)
    repeats = 5 if quick else 30
    rows = []
    with temporary_store("sqlite", pool_sqlite=True) as store:
        registry = ModelRegistry(store)
        registry.register(artifact)
        registry.promote(artifact.version)
        accounts = _store_with_week(store, rng)
        window = parse_window("7d")
        Predictor(store)  # the first load unpickles the model; requests after it do not
        suggestion_ms = []
        for r in range(repeats + 1):
            account = accounts[r % ACCOUNTS]
            started = time.perf_counter()
            now = utcnow()
            post = Post(account.id, "weibo", text(rng), now + timedelta(seconds=1))
            found = suggest(
                ConflictChecker(store, RULES),
                Predictor(store),
                account,
                post,
                title=None,
                window=window,
                top=5,
                now=now,
            )
            elapsed = (time.perf_counter() - started) * 1000
            assert len(found) == 5
            if r:  # the first is the warm-up
                suggestion_ms.append(elapsed)
        rows.append(_summary("suggestions, one post, top 5 of 2,016 slots", suggestion_ms,
                             "< 50 ms (20 ms)"))  # fmt: skip
        # The model's share: score_slots of the same 2,016 slots, alone (load shows here).
        draft = draft_for(accounts[0], text(rng), "text", 0)
        slots = week_slots(utcnow())
        scoring_ms = []
        for _ in range(repeats):
            started = time.perf_counter()
            score_slots(artifact, draft, slots)
            scoring_ms.append((time.perf_counter() - started) * 1000)
        rows.append(_summary("of which: score_slots, 2,016 slots", scoring_ms, "-"))
        # The product's exploration, whatever the environment says.
        fields = Settings.model_fields
        share, width = fields["exploration_share"].default, fields["exploration_width"].default
        defaults = Settings(_env_file=None, exploration_share=share, exploration_width=width)
        no_draws = defaults.model_copy(update={"exploration_share": 0.0})
        for name, strategy, settings, target in (
            (f"optimal_time, {share:.0%} Thompson draws (the default)", "optimal_time", defaults,
             "< 100 ms (50 ms)"),
            ("optimal_time, no exploration", "optimal_time", no_draws, "< 100 ms (50 ms)"),
            ("load_balance", "load_balance", defaults, "-"),
        ):  # fmt: skip
            batch_ms = []
            for r in range(max(repeats // 3, 3)):
                items = [
                    BatchItem(accounts[(i + r) % ACCOUNTS].id, text(rng), None, strategy=strategy)
                    for i in range(50)
                ]
                started = time.perf_counter()
                results = place_batch(store, RULES, items, all_or_nothing=False, now=utcnow(),
                                      actor="bench", settings=settings)  # fmt: skip
                batch_ms.append((time.perf_counter() - started) * 1000)
                refused = [x.reasons for x in results if x.task is None]
                assert not refused, refused[:2]
            rows.append(_summary(f"batch of 50 {name}, checks and inserts", batch_ms, target))
    return rows
