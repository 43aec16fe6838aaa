"""The model learns the week (a weekend whose peak moves) and a smooth curve inside the hour."""

from datetime import UTC, datetime

import numpy as np
import pandas as pd
import pytest

from scheduling_platform.intelligence.artifact import ModelArtifact
from scheduling_platform.intelligence.features import PLATFORM_CODES
from scheduling_platform.intelligence.model import default_candidates, train_model
from scheduling_platform.intelligence.scoring import PostDraft, score_slots, week_slots
from scheduling_platform.sandbox.engagement_profile import EngagementProfile, generated_profile
from scheduling_platform.sandbox.history import simulate_history

END = datetime(2025, 6, 2, tzinfo=UTC)  # a Monday
ZONE = "Asia/Shanghai"


@pytest.fixture(scope="module")
def shifted() -> tuple[EngagementProfile, ModelArtifact]:
    profile = generated_profile(1, weekend_shift_hours=4)
    history = simulate_history(profile, end=END, weeks=5, accounts_per_platform=3, seed=3)
    # One candidate keeps the test quick; the week is learned by the curve all of them share.
    return profile, train_model(history, candidates=[default_candidates()[2]])


def _distance(a: int, b: int) -> int:
    return min((a - b) % 24, (b - a) % 24)


def _best_local_hour(scores: pd.DataFrame, weekday: int) -> int:
    local = scores["slot"].dt.tz_convert(ZONE)
    day = scores[local.dt.day_of_week == weekday]
    return int(local[day["predicted"].idxmax()].hour)


def test_a_weekend_peak_four_hours_earlier_is_learned(shifted: tuple) -> None:
    profile, artifact = shifted
    right = curve_right = 0
    effects = artifact.estimator.effects_  # the curve: (platform, day type, hour of week)
    for platform, truth in profile.platforms.items():
        draft = PostDraft(platform, "new", ZONE, "x" * 100, "image", 1)
        scores = score_slots(artifact, draft, week_slots(END))
        weekday, saturday = _best_local_hour(scores, 2), _best_local_hour(scores, 5)
        true_weekday = int(np.argmax(truth.hour_of_week[48:72]))
        true_saturday = int(np.argmax(truth.hour_of_week[120:144]))
        if _distance(weekday, true_weekday) <= 2 and _distance(saturday, true_saturday) <= 2:
            right += 1
        code = PLATFORM_CODES.index(platform)
        curve_weekday = int(np.argmax(effects[code, 0, 48:72]))
        curve_saturday = int(np.argmax(effects[code, 1, 120:144]))
        if (
            _distance(curve_weekday, true_weekday) <= 1
            and _distance(curve_saturday, true_saturday) <= 1
        ):
            curve_right += 1
    assert right >= 4
    assert curve_right >= 4  # the curve itself knows the weekend, not only the trees


def test_five_minute_slots_interpolate_between_hours(shifted: tuple) -> None:
    _, artifact = shifted
    draft = PostDraft("weibo", "new", ZONE, "x" * 100, "image", 1)
    scores = score_slots(artifact, draft, week_slots(END))
    level = np.log1p(scores["predicted"].to_numpy())
    # Slots from h:30 to h+1:25 lie on one segment between two half hours (Shanghai's offset
    # is whole hours): on it the log prediction is a straight line, equal steps.
    minutes = scores["slot"].to_numpy().astype("datetime64[m]").astype(np.int64)
    segment = (minutes - 30) // 60
    second = np.diff(level, 2)
    one_segment = (segment[2:] == segment[:-2]) & (segment[1:-1] == segment[:-2])
    assert one_segment.sum() > 1000
    assert np.abs(second[one_segment]).max() < 1e-9
    assert scores["predicted"].nunique() > 168 * 5  # not one value an hour either
