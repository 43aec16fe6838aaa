"""Promotion: a new model must beat the mean baseline and the model in use on the same
time-ordered holdout (the rows the model in use never saw), by the configured margin."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pandas as pd

from scheduling_platform.intelligence.model import default_candidates, train_model
from scheduling_platform.intelligence.training import Thresholds, check_model
from scheduling_platform.sandbox.engagement_profile import (
    EngagementProfile,
    generated_profile,
    load_profile,
)
from scheduling_platform.sandbox.history import simulate_history

END = datetime(2025, 6, 2, tzinfo=UTC)
ONE = [default_candidates()[2]]


def _history(profile: EngagementProfile, end: datetime, seed: int) -> pd.DataFrame:
    return simulate_history(
        profile, end=end, weeks=4, accounts_per_platform=2, platforms=("weibo", "wechat"), seed=seed
    )


def test_a_model_is_compared_with_the_one_in_use_on_rows_it_never_saw() -> None:
    truth = load_profile()
    # The model in use learned another world's hours (a different profile), until a week ago.
    wrong = train_model(_history(generated_profile(4), END - timedelta(weeks=1), 1), candidates=ONE)
    frame = _history(truth, END, 2)
    better = train_model(frame, candidates=ONE, incumbent=wrong)
    checks = {c.name: c for c in check_model(better, Thresholds())}
    assert better.compared_with == wrong.version
    assert better.metrics["incumbent_rows"] >= 30
    assert checks["beats_in_use"].passed and checks["beats_in_use"].value > 0.01
    assert checks["beats_baseline"].passed
    assert "holdout rows newer than" in checks["beats_in_use"].description
    # The absolute thresholds are options: off by default, in force when set.
    assert checks["holdout_r2"].passed and "no minimum set" in checks["holdout_r2"].description
    strict = {c.name: c for c in check_model(better, Thresholds(min_holdout_r2=0.9999))}
    assert not strict["holdout_r2"].passed
    unseen = {c.name: c for c in check_model(replace(better, compared_with=None), Thresholds())}
    assert unseen["beats_in_use"].description == "no model in use to beat"

    # The same model, taken as if it had stopped learning two weeks ago: on those rows it
    # is no worse than the new one (it learned them), so the new one gains less than 0.01.
    as_if_older = replace(better, trained_until=END - timedelta(weeks=2))
    equal = train_model(frame, candidates=ONE, incumbent=as_if_older)
    refused = {c.name: c for c in check_model(equal, Thresholds(min_gain=0.01))}
    assert not refused["beats_in_use"].passed
    assert "must be at least +0.01" in refused["beats_in_use"].description
