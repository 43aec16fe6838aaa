"""The closed loop: weeks of posting by each policy against the sandbox's engagement profile,
the model retrained weekly from what it collected. Prints total engagement per policy, its
uplift over random and over the fixed best hour, and its share of the oracle's uplift over
random (the oracle knows the profile). Targets: at least 95% of the oracle's uplift, 15% over
random, 5% over the fixed best hour, on the default profile and on a generated one with
other peaks and a weekend peak four hours earlier."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np

from benchmarks.closed_loop import (
    DAY_SLOTS,
    day_slots,
    engagement,
    fixed_slot_of_day,
    oracle_slot,
    plan_posts,
    run_model_policy,
)
from scheduling_platform.intelligence.model import default_candidates
from scheduling_platform.sandbox.engagement_profile import generated_profile, load_profile

# Local Monday midnight in Shanghai (2026-01-04T16:00Z is Monday 5 January 00:00 local).
START = datetime(2026, 1, 4, 16, 0, tzinfo=UTC)
EXPLORATION_SHARE = 0.1


def _profile_rows(name: str, profile, weeks: int, accounts: int, quick: bool) -> list[dict]:
    plan = plan_posts(START, weeks, accounts, seed=7)
    posts = [p for week in plan for p in week]
    rng = np.random.default_rng(11)
    random_total = sum(
        engagement(profile, p, day_slots(p)[int(rng.integers(0, DAY_SLOTS))].to_pydatetime())
        for p in posts
    )
    fixed = fixed_slot_of_day(profile, START)
    fixed_total = sum(
        engagement(profile, p, p.day_start + timedelta(minutes=5 * fixed)) for p in posts
    )
    oracle_total = sum(engagement(profile, p, oracle_slot(profile, p)) for p in posts)
    candidates = [default_candidates()[2]] if quick else None
    model_totals = {}
    for policy, share in (("optimal_time", 0.0), ("optimal_time + exploration", EXPLORATION_SHARE)):
        model_totals[policy] = run_model_policy(
            profile, plan, exploration_share=share, candidates=candidates, seed=3
        )
    totals = {
        "random slot": (random_total, None),
        f"fixed best hour ({fixed * 5 // 60:02d}:{fixed * 5 % 60:02d})": (fixed_total, None),
        **model_totals,
        "oracle": (oracle_total, None),
    }
    rows = []
    oracle_uplift = oracle_total - random_total
    for policy, (total, promoted) in totals.items():
        rows.append(
            {
                "profile": name,
                "policy": policy,
                "posts": len(posts),
                "total engagement": f"{total:,}",
                "vs random": f"{total / random_total - 1:+.1%}",
                "vs fixed": f"{total / fixed_total - 1:+.1%}",
                "share of oracle uplift": f"{(total - random_total) / oracle_uplift:.1%}",
                "models promoted": "" if promoted is None else f"{promoted} of {weeks}",
            }
        )
    return rows


def run(quick: bool) -> list[dict]:
    weeks, accounts = (3, 2) if quick else (8, 4)
    return [
        *_profile_rows("default", load_profile(), weeks, accounts, quick),
        *_profile_rows(
            "generated (seed 1, weekend -4 h)", generated_profile(1), weeks, accounts, quick
        ),
    ]
