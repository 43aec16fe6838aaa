"""What every daemon-launched run pays before it publishes: loading the Dagster definitions in
a new process (wall time, median of several), and whether scikit-learn or matplotlib came
with them (each is imported where it is used: training and scoring, the analytics pictures)."""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PROBE = (
    "import sys, scheduling_platform.definitions; "
    "print(','.join(sorted({'sklearn', 'scipy', 'matplotlib'} & set(sys.modules))) or 'none')"
)


def run(quick: bool) -> list[dict]:
    timings, loaded = [], ""
    for _ in range(3 if quick else 7):
        started = time.perf_counter()
        result = subprocess.run(
            [sys.executable, "-c", PROBE], cwd=REPO, capture_output=True, text=True, check=True
        )
        timings.append(time.perf_counter() - started)
        loaded = result.stdout.strip()
    return [
        {
            "benchmark": "new process: import scheduling_platform.definitions",
            "median_s": round(statistics.median(timings), 2),
            "max_s": round(max(timings), 2),
            "deferred_libraries_loaded": loaded,
        }
    ]
