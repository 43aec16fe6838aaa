"""The closed loop: weeks of posting by each policy against the sandbox's engagement profile,
the model retrained weekly from what it collected. Prints total engagement per policy, its
uplift over random and over the fixed best hour, and its share of the oracle's uplift over
random (the oracle knows the profile), over all weeks and over the weeks after the first
(the first is posted by the shipped prior whatever the policy learns). Targets: at least 95%
of the oracle's uplift, 15% over random, 5% over the fixed best hour, on the default profile
and on a generated one with other peaks and a weekend peak four hours earlier.

The six model runs (two profiles; no exploration, the product's default and the earlier
default, a tenth of decisions at full width) run in two processes."""

from __future__ import annotations

import warnings
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime

from benchmarks.closed_loop import (
    PlannedPost,
    plan_posts,
    reference_weeks,
    run_model_policy,
    uplift_share,
)
from scheduling_platform.intelligence.model import default_candidates
from scheduling_platform.sandbox.engagement_profile import (
    EngagementProfile,
    generated_profile,
    load_profile,
)
from scheduling_platform.settings import Settings

# Local Monday midnight in Shanghai (2026-01-04T16:00Z is Monday 5 January 00:00 local).
START = datetime(2026, 1, 4, 16, 0, tzinfo=UTC)
# The product's default share of optimal_time decisions that explore, and their draws' width.
EXPLORATION_SHARE = float(Settings.model_fields["exploration_share"].default)
EXPLORATION_WIDTH = float(Settings.model_fields["exploration_width"].default)
PROFILES = ("default", "generated (seed 1, weekend -4 h)")


def _profile(name: str) -> EngagementProfile:
    return load_profile() if name == "default" else generated_profile(1)


def _plan(weeks: int, accounts: int) -> list[list[PlannedPost]]:
    return plan_posts(START, weeks, accounts, seed=7)


def _model_run(args: tuple[str, float, float, int, int, bool]) -> tuple[list[int], int]:
    name, share, width, weeks, accounts, quick = args
    # The forest's joblib threads warn once a fit inside a worker process; nothing is wrong.
    warnings.filterwarnings("ignore", message=".*sklearn.utils.parallel.delayed.*")
    candidates = [default_candidates()[2]] if quick else None
    return run_model_policy(
        _profile(name),
        _plan(weeks, accounts),
        exploration_share=share,
        exploration_width=width,
        candidates=candidates,
        seed=3,
    )


def _rows(
    name: str, weeks: int, accounts: int, model_runs: dict[str, tuple[list[int], int]]
) -> list[dict]:
    profile = _profile(name)
    plan = _plan(weeks, accounts)
    random, fixed, fixed_weeks, oracle = reference_weeks(profile, plan, START)
    prior_first = model_runs["optimal_time"][0][0]  # week one is the prior's whatever follows
    policies: dict[str, tuple[list[int], int | None]] = {
        "random slot": (random, None),
        f"fixed best hour ({fixed * 5 // 60:02d}:{fixed * 5 % 60:02d})": (fixed_weeks, None),
        **model_runs,
        "oracle": (oracle, None),
        "ceiling: prior in week 1, oracle after": ([prior_first, *oracle[1:]], None),
    }
    rows = []
    for policy, (totals, promoted) in policies.items():
        total = sum(totals)
        uplift = uplift_share(totals, random, oracle)
        uplift_later = uplift_share(totals[1:], random[1:], oracle[1:])
        rows.append(
            {
                "profile": name,
                "policy": policy,
                "posts": sum(len(w) for w in plan),
                "total engagement": f"{total:,}",
                "vs random": f"{total / sum(random) - 1:+.1%}",
                "vs fixed": f"{total / sum(fixed_weeks) - 1:+.1%}",
                "share of oracle uplift": f"{uplift:.1%}",
                "the same, weeks 2+": f"{uplift_later:.1%}",
                "models promoted": "" if promoted is None else f"{promoted} of {weeks}",
            }
        )
    return rows


def run(quick: bool) -> list[dict]:
    weeks, accounts = (3, 2) if quick else (8, 4)
    policies = (
        ("optimal_time", 0.0, 1.0),
        (
            f"optimal_time + exploration ({EXPLORATION_SHARE:.0%}, width "
            f"{EXPLORATION_WIDTH:g}: the default)",
            EXPLORATION_SHARE,
            EXPLORATION_WIDTH,
        ),
        ("optimal_time + exploration (10%, width 1)", 0.1, 1.0),
    )
    jobs = [
        (name, share, width, weeks, accounts, quick)
        for name in PROFILES
        for _, share, width in policies
    ]
    with ProcessPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(_model_run, jobs))
    rows = []
    for i, name in enumerate(PROFILES):
        runs = {p[0]: results[len(policies) * i + j] for j, p in enumerate(policies)}
        rows += _rows(name, weeks, accounts, runs)
    return rows
