"""The naive design as a baseline: one Dagster run, in its own process, for each post.

This is what a sensor yielding one RunRequest per due post costs: the daemon's run launcher
starts a process per run, which loads the code location and executes `publish_job`. Each run
here is `dagster job execute` of `publish_job` for a batch holding one claimed task, timed from
process start to exit, one after another.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from datetime import timedelta
from typing import TYPE_CHECKING

from scheduling_platform.lifecycle import TaskStatus
from scheduling_platform.publishing.claiming import claim_due_batches
from scheduling_platform.timeutil import utcnow

if TYPE_CHECKING:
    from benchmarks.publish_setup import BenchPlatform

RUN_CONFIG = """\
ops:
  publish_claimed_batch:
    config:
      claim_batch: "{claim_batch}"
      platform: toutiao
"""


def naive_runs_per_minute(platform: BenchPlatform, runs: int) -> dict[str, float]:
    """Publish `runs` posts one run each; the runs a minute that makes, and how many went out."""
    seconds: list[float] = []
    published = 0
    for n in range(runs):
        task = platform.store.create_task(
            platform.accounts[n % len(platform.accounts)], f"naive {n:04d}", utcnow()
        )
        (batch,) = claim_due_batches(
            platform.store, now=utcnow(), lookahead_seconds=1, lease_seconds=300
        )
        config = platform.folder / f"naive-{n}.yaml"
        config.write_text(RUN_CONFIG.format(claim_batch=batch.claim_batch), encoding="utf-8")
        started = time.perf_counter()
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "dagster",
                "job",
                "execute",
                "-m",
                "scheduling_platform.definitions",
                "-j",
                "publish_job",
                "-c",
                str(config),
            ],
            env=platform.env,
            capture_output=True,
            timeout=300,
        )
        seconds.append(time.perf_counter() - started)
        if result.returncode != 0:
            raise RuntimeError(f"naive run failed: {result.stderr.decode()[-2000:]}")
        published += platform.store.get_task(task.id).status is TaskStatus.PUBLISHED
    mean = statistics.mean(seconds)
    return {
        "runs": runs,
        "published": published,
        "seconds_per_run": mean,
        "runs_per_minute": 60 / mean,
        "lookahead": timedelta(seconds=1).total_seconds(),
    }
