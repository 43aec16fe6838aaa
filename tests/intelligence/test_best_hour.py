"""Done-when: from eight weeks of simulated history the model finds each platform's best hour."""

from datetime import UTC, datetime

import numpy as np
import pandas as pd
import pytest

from scheduling_platform.intelligence.model import ModelArtifact, train_model
from scheduling_platform.intelligence.scoring import (
    WEEK_SLOTS,
    PostDraft,
    best_hour_of_day,
    best_slot,
    score_slots,
    week_slots,
)
from scheduling_platform.platforms.base import PLATFORMS
from scheduling_platform.sandbox.engagement_profile import EngagementProfile, load_profile
from scheduling_platform.sandbox.history import simulate_history

END = datetime(2025, 6, 2, tzinfo=UTC)


Trained = tuple[EngagementProfile, pd.DataFrame, ModelArtifact]


@pytest.fixture(scope="module")
def trained() -> Trained:
    profile = load_profile()
    # Seed 2 is a history the model once got wrong (3 of 5: WeChat's best hour came out as
    # 21:00) before time and account features were kept apart; seeds 1, 3, 4, 11 give 5 of 5.
    history = simulate_history(profile, end=END, weeks=8, accounts_per_platform=5, seed=2)
    return profile, history, train_model(history, seed=0)


def _circular_distance(a: int, b: int) -> int:
    return min((a - b) % 24, (b - a) % 24)


def test_model_best_hour_is_within_one_hour_for_four_of_five_platforms(trained: Trained) -> None:
    profile, _, artifact = trained
    hits = {}
    for platform in PLATFORMS:
        draft = PostDraft(platform, "new-account", "Asia/Shanghai", "x" * 100, "image", 1)
        model_hour = best_hour_of_day(artifact, draft, END)
        hits[platform] = (profile.best_hour(platform), model_hour)
    close = [p for p, (truth, got) in hits.items() if _circular_distance(truth, got) <= 1]
    assert len(close) >= 4, hits


def test_scoring_covers_the_week_and_pools_account_history(trained: Trained) -> None:
    _, history, artifact = trained
    account = history["account_key"].iloc[0]
    platform = history["platform"].iloc[0]
    draft = PostDraft(platform, account, "Asia/Shanghai", "hello #topic# http://x.cn", "text")
    scores = score_slots(artifact, draft, week_slots(END))
    assert len(scores) == WEEK_SLOTS == 2016
    assert scores["slot"].is_monotonic_increasing and scores["slot"].iloc[0] > END
    # An account with history leans on its own hours; a new one follows the platform curve.
    assert scores["account_weight"].between(0.01, 0.99).all()
    cold = score_slots(artifact, PostDraft(platform, "new", "Asia/Shanghai", "hi"), week_slots(END))
    assert (cold["account_weight"] == 0).all()
    assert np.allclose(cold["predicted"], cold["platform_curve"])
    choice = best_slot(artifact, draft, END, within_days=2)
    assert END < choice.slot <= END.replace(day=4)
    assert choice.predicted >= choice.median_slot and choice.uncertainty > 0
    assert choice.model_version == artifact.version
    with pytest.raises(ValueError, match="within-days"):
        best_slot(artifact, draft, END, within_days=30)


def test_artifact_records_candidates_and_grouped_importances(trained: Trained) -> None:
    _, history, artifact = trained
    assert {"random_forest", "hist_gb_poisson", "mean_baseline"} <= set(artifact.candidates)
    winner = artifact.candidates[artifact.candidate]
    assert all(winner["holdout_r2"] >= s["holdout_r2"] for s in artifact.candidates.values())
    assert artifact.rows == len(history) and len(artifact.partitions) >= 55
    assert set(artifact.importance_groups) == {"time", "content", "account", "platform"}
    assert abs(sum(artifact.importance_groups.values()) - 1) < 1e-6
