"""The exploration settings compared in the closed loop: each share of optimal_time decisions
that explore and each width of their draws, over several exploration seeds and four
profiles (the default and three generated ones, other peaks and a weekend peak four hours
earlier), the model `hist_gb_log` alone. Prints each setting's share of the oracle's uplift
over random, mean and range over the seeds, per profile: what the product's defaults
(`exploration_share`, `exploration_width`) were chosen by.

`--quick`: 3 weeks, 2 accounts a platform, one seed."""

from __future__ import annotations

import warnings
from concurrent.futures import ProcessPoolExecutor

import numpy as np

from benchmarks.bench_closed_loop import START
from benchmarks.closed_loop import plan_posts, reference_weeks, run_model_policy, uplift_share
from scheduling_platform.intelligence.model import default_candidates
from scheduling_platform.sandbox.engagement_profile import (
    EngagementProfile,
    generated_profile,
    load_profile,
)
from scheduling_platform.settings import Settings

PROFILES = ("default", "generated 1", "generated 2", "generated 3")
# (share, width): none, the earlier default, wider shares, and widths around the default.
SETTINGS = ((0.0, 1.0), (0.1, 1.0), (0.3, 1.0), (0.5, 0.5), (1.0, 0.5), (1.0, 0.7), (1.0, 1.0))
SEEDS = (3, 4, 5)


def _profile(name: str) -> EngagementProfile:
    return load_profile() if name == "default" else generated_profile(int(name.split()[-1]))


def _run(args: tuple[str, float, float, int, int, int]) -> float:
    name, share, width, seed, weeks, accounts = args
    warnings.filterwarnings("ignore", message=".*sklearn.utils.parallel.delayed.*")
    profile, plan = _profile(name), plan_posts(START, weeks, accounts, seed=7)
    weekly, _ = run_model_policy(
        profile,
        plan,
        exploration_share=share,
        exploration_width=width,
        candidates=[default_candidates()[2]],
        seed=seed,
    )
    random, _, _, oracle = reference_weeks(profile, plan, START)
    return uplift_share(weekly, random, oracle)


def run(quick: bool) -> list[dict]:
    weeks, accounts, seeds = (3, 2, SEEDS[:1]) if quick else (8, 4, SEEDS)
    jobs = [
        (name, share, width, seed, weeks, accounts)
        for share, width in SETTINGS
        for name in PROFILES
        for seed in seeds
    ]
    with ProcessPoolExecutor(max_workers=2) as pool:
        shares = dict(zip(jobs, pool.map(_run, jobs), strict=True))
    fields = Settings.model_fields
    default = (fields["exploration_share"].default, fields["exploration_width"].default)
    rows = []
    for share, width in SETTINGS:
        row: dict[str, object] = {
            "share": f"{share:.0%}",
            "width": "-" if share == 0 else f"{width:g}",
            "": "the default" if (share, width) == default else "",
        }
        means = []
        for name in PROFILES:
            values = [shares[(name, share, width, s, weeks, accounts)] for s in seeds]
            means.append(float(np.mean(values)))
            spread = f" ({min(values):.0%} to {max(values):.0%})" if len(values) > 1 else ""
            row[name] = f"{means[-1]:.1%}{spread}"
        row["mean of the profiles"] = f"{np.mean(means):.1%}"
        rows.append(row)
    return rows
