"""An A/B experiment's report: each arm's engagement per post and the uplift, with a CI.

Only posts whose engagement was collected count (a post not yet out or not yet collected
has no outcome). The uplift is arm B's mean engagement over arm A's, minus 1 (A is the
first strategy, B the second); its 95% interval is a percentile bootstrap of the posts of
each arm (2,000 resamples, seeded, so a report repeats).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from scheduling_platform.intelligence.features import engagement_total

BOOTSTRAP_RESAMPLES = 2_000
CONFIDENCE = 0.95


@dataclass(frozen=True)
class ArmResult:
    strategy: str
    tasks: int  # assigned to the arm
    measured: int  # of which engagement has been collected
    mean_engagement: float | None


@dataclass(frozen=True)
class ExperimentReport:
    arms: list[ArmResult]
    uplift: float | None  # second arm over the first, e.g. 0.18 = +18%
    ci_low: float | None
    ci_high: float | None


def experiment_report(
    arms: list[str], assignments: dict[str, str], engagement: pd.DataFrame, *, seed: int = 0
) -> ExperimentReport:
    """`assignments`: post key (platform:post id, or task:<id> when not out) -> arm."""
    totals = (
        pd.Series(engagement_total(engagement).to_numpy(), index=engagement["post_key"])
        if len(engagement)
        else pd.Series(dtype=float)
    )
    values: dict[str, np.ndarray] = {}
    results = []
    for arm in arms:
        keys = [k for k, a in assignments.items() if a == arm]
        found = totals.reindex(keys).dropna().to_numpy(dtype=float)
        values[arm] = found
        results.append(
            ArmResult(arm, len(keys), len(found), float(found.mean()) if len(found) else None)
        )
    a, b = (values[arms[0]], values[arms[1]]) if len(arms) == 2 else (np.array([]), np.array([]))
    if len(a) < 2 or len(b) < 2 or a.mean() <= 0:
        return ExperimentReport(results, None, None, None)
    rng = np.random.default_rng(seed)
    a_means = rng.choice(a, size=(BOOTSTRAP_RESAMPLES, len(a))).mean(axis=1)
    b_means = rng.choice(b, size=(BOOTSTRAP_RESAMPLES, len(b))).mean(axis=1)
    ratios = b_means / np.maximum(a_means, 1e-9) - 1
    tail = (1 - CONFIDENCE) / 2 * 100
    low, high = np.percentile(ratios, [tail, 100 - tail])
    return ExperimentReport(results, float(b.mean() / a.mean() - 1), float(low), float(high))
