"""Expanding 1,000 series for a week (target under 1 s): every occurrence made, linked and
conflict-checked; then the same expansion again, with nothing left to make."""

from __future__ import annotations

import gc
import random
import time
from datetime import UTC, datetime, timedelta

from benchmarks.stores import temporary_store
from scheduling_platform.fingerprints import band_keys
from scheduling_platform.scheduling.conflicts.rules import ConflictRules
from scheduling_platform.scheduling.expansion import expand_series
from scheduling_platform.store.task_store import TaskStore

NOW = datetime(2031, 3, 2, 16, 0, tzinfo=UTC)  # Monday 00:00 in Shanghai
RULES = ("FREQ=WEEKLY;BYDAY=MO,TH", "FREQ=WEEKLY;BYDAY=TU", "FREQ=WEEKLY;BYDAY=WE,FR,SU")


def fill(store: TaskStore, series: int, accounts: int) -> None:
    """`series` series over `accounts` WeChat accounts, each at its own minute of the day."""
    made = [store.add_account("wechat", f"oa-{i}", "Asia/Shanghai", {}) for i in range(accounts)]
    rng = random.Random(2)
    words = "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可也你新品"
    for i in range(series):
        account = made[i % accounts]
        slot = 8 * 60 + (i // accounts) * 17  # 17 minutes apart on one account
        store.add_series(
            {
                "account_id": account.id,
                "content": "".join(rng.choice(words) for _ in range(40)),
                "rrule": f"{RULES[i % len(RULES)]};BYHOUR={slot // 60};BYMINUTE={slot % 60}",
                "dtstart": "2031-03-03T00:00:00",
                "timezone": "Asia/Shanghai",
            },
            actor="bench",
        )


def run(quick: bool = False) -> list[dict[str, object]]:
    series = 200 if quick else 1000
    # The first signature of a process loads datasketch (and scipy with it): half a second or
    # more once a process, whatever it expands. Timed on its own, so the expansion's figure is
    # the expansion's on either backend, whichever runs first.
    started = time.perf_counter()
    band_keys("预热：签名所需的模块在此载入")
    loading = time.perf_counter() - started
    rows: list[dict[str, object]] = []
    for backend in ("sqlite", "postgres"):
        with temporary_store(backend) as store:
            fill(store, series, accounts=100)
            # Every expansion starts from the same collector state: what the filling and the
            # other backend's run left pending would otherwise set off a full collection (0.1 s
            # with scipy loaded) inside one run or another by chance; the expansion's own
            # objects still can.
            gc.collect()
            started = time.perf_counter()
            report = expand_series(
                store, ConflictRules(), now=NOW, horizon=timedelta(days=7), max_ahead=50
            )
            first = time.perf_counter() - started
            gc.collect()
            started = time.perf_counter()
            again = expand_series(
                store, ConflictRules(), now=NOW, horizon=timedelta(days=7), max_ahead=50
            )
            second = time.perf_counter() - started
            rows.append(
                {
                    "backend": backend,
                    "series": series,
                    "accounts": 100,
                    "occurrences_made": len(report.created),
                    "refused": len(report.refused),
                    "expansion_s": first,
                    "again_nothing_to_make_s": second,
                    "again_made": len(again.created),
                    "signatures_loaded_once_s": loading,
                    "target_s": 1.0,
                }
            )
    return rows
