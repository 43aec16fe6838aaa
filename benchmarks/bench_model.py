"""The engagement model: training on 10,000 rows with CV (target < 30 s), scoring 2,016
slots for one post (target < 50 ms), and the same scoring with the small-data ensemble of
`model evaluate` (why it is not a retraining candidate)."""

from __future__ import annotations

import statistics
import time
from datetime import UTC, datetime

from scheduling_platform.intelligence.evaluation import evaluation_candidates
from scheduling_platform.intelligence.model import ModelArtifact, train_model
from scheduling_platform.intelligence.scoring import PostDraft, score_slots, week_slots
from scheduling_platform.sandbox.engagement_profile import load_profile
from scheduling_platform.sandbox.history import simulate_history

END = datetime(2025, 6, 2, tzinfo=UTC)
DRAFT = PostDraft("weibo", "sim:weibo:0", "Asia/Shanghai", "新品 #新品# http://x.cn", "image", 2)


def _scoring_seconds(artifact: ModelArtifact, repeats: int) -> list[float]:
    """Wall time of scoring every 5-minute slot of a week for one post, per call."""
    slots = week_slots(END)
    score_slots(artifact, DRAFT, slots)  # warm-up: first call loads code paths
    timings = []
    for _ in range(repeats):
        started = time.perf_counter()
        scores = score_slots(artifact, DRAFT, slots)
        timings.append(time.perf_counter() - started)
    assert len(scores) == len(slots) == 2016
    return timings


def run(quick: bool) -> list[dict]:
    # About 10,000 posts: 5 platforms x 8 accounts x 8 weeks x 4.5 posts a day.
    history = simulate_history(
        load_profile(), end=END, accounts_per_platform=8, posts_per_account_day=4.5, seed=1
    )
    started = time.perf_counter()
    artifact = train_model(history)
    training = time.perf_counter() - started
    timings = _scoring_seconds(artifact, 5 if quick else 30)
    ensemble = [c for c in evaluation_candidates() if c.name == "ensemble"]
    ensemble_timings = _scoring_seconds(
        train_model(history, candidates=ensemble), 5 if quick else 10
    )
    return [
        {
            "benchmark": "model training incl. 5-fold CV, 3 candidates",
            "rows": artifact.rows,
            "seconds": round(training, 2),
            "target": "< 30 s",
            "winner": artifact.candidate,
            "holdout_r2": round(artifact.metrics["holdout_r2"], 3),
            "cv_spread": round(artifact.metrics["cv_r2_spread"], 4),
        },
        {
            "benchmark": "scoring 2,016 five-minute slots, one call",
            "rows": 2016,
            "median_ms": round(statistics.median(timings) * 1000, 1),
            "max_ms": round(max(timings) * 1000, 1),
            "target": "< 50 ms",
        },
        {
            "benchmark": "the same with model evaluate's small-data ensemble",
            "rows": 2016,
            "median_ms": round(statistics.median(ensemble_timings) * 1000, 1),
            "max_ms": round(max(ensemble_timings) * 1000, 1),
            "target": "< 50 ms",
        },
    ]
