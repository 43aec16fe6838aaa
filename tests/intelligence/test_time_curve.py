"""The platform's hour-of-week curve: the shipped prior's shape until posts say otherwise, a
weekend peak learned from a few weeks of posts, and a posterior that Thompson draws from."""

from datetime import UTC, datetime

import numpy as np
import pandas as pd
import pytest

from scheduling_platform.intelligence.artifact import ModelArtifact
from scheduling_platform.intelligence.exploration import Exploration, sample_levels
from scheduling_platform.intelligence.features import PLATFORM_CODES
from scheduling_platform.intelligence.model import default_candidates, train_model
from scheduling_platform.intelligence.priors import prior_artifact
from scheduling_platform.intelligence.scoring import PostDraft, score_slots, week_slots
from scheduling_platform.intelligence.time_curve import CurvePosterior, prior_means
from scheduling_platform.sandbox.engagement_profile import EngagementProfile, generated_profile
from scheduling_platform.sandbox.history import simulate_history

END = datetime(2025, 6, 2, tzinfo=UTC)  # a Monday
ZONE = "Asia/Shanghai"
WEIBO = PLATFORM_CODES.index("weibo")


@pytest.fixture(scope="module")
def few_posts() -> tuple[EngagementProfile, pd.DataFrame, ModelArtifact]:
    """Three weeks of five posts a day per platform (about 105 a platform, 30 of them on
    weekends), at random times, from a profile whose peaks are not the prior's and whose
    weekend peaks 4 hours earlier."""
    profile = generated_profile(1, weekend_shift_hours=4)
    history = simulate_history(
        profile, end=END, weeks=3, accounts_per_platform=2, posts_per_account_day=2.5, seed=5
    )
    return profile, history, train_model(history, candidates=[default_candidates()[2]])


def _distance(a: int, b: int) -> int:
    return min((a - b) % 24, (b - a) % 24)


def test_few_posts_teach_each_platform_its_weekday_and_weekend_peak(few_posts: tuple) -> None:
    profile, history, artifact = few_posts
    assert history.groupby("platform").size().max() < 130
    right = {}
    for platform, truth in profile.platforms.items():
        draft = PostDraft(platform, "new", ZONE, "x" * 100, "image", 1)
        scores = score_slots(artifact, draft, week_slots(END))
        local = scores["slot"].dt.tz_convert(ZONE)
        best = {}
        for weekday in (2, 5):  # Wednesday, Saturday
            day = scores[local.dt.day_of_week == weekday]
            best[weekday] = int(local[day["predicted"].idxmax()].hour)
        true_weekday = int(np.argmax(truth.hour_of_week[48:72]))
        true_saturday = int(np.argmax(truth.hour_of_week[120:144]))
        right[platform] = (
            _distance(best[2], true_weekday) <= 2 and _distance(best[5], true_saturday) <= 2
        )
    assert sum(right.values()) >= 4, right
    # The shipped prior's peaks are elsewhere: the curve moved away from them.
    prior = prior_means().reshape(-1, 2, 168)
    effects = artifact.estimator.effects_
    assert np.argmax(effects[WEIBO, 0, 48:72]) != np.argmax(prior[WEIBO, 0, 48:72])


def test_without_posts_the_curve_is_the_prior_and_posts_narrow_it() -> None:
    prior = prior_means()[WEIBO]
    empty = CurvePosterior(prior, np.zeros(0, int), np.zeros(0), 0.3)
    assert np.allclose(empty.mean, prior)
    # Ten posts at Wednesday 15:00, all a factor e above the prior there.
    cell = 48 + 15
    seen = CurvePosterior(prior, np.full(10, cell), np.full(10, prior[cell] + 1.0), 0.3)
    assert seen.mean[cell] - prior[cell] > 0.8
    # Its neighbours move with it (the curve is smooth), hours far away hardly.
    assert seen.mean[cell + 1] - prior[cell + 1] > 0.5
    far = 48 + 3
    assert abs(seen.mean[far] - prior[far]) < 0.1 + abs(seen.mean[48 + 9] - prior[48 + 9])
    assert seen.sd()[cell] < 0.15 < 0.8 < seen.sd()[far]


def test_thompson_draws_are_whole_curves_narrow_where_posts_were(few_posts: tuple) -> None:
    _, history, _ = few_posts
    # Posts only from 10:00 to 16:00 local: the model knows those hours, not the night.
    hours = history["posted_at"].dt.tz_convert(ZONE).dt.hour
    daytime = history[(hours >= 10) & (hours < 16)]
    assert len(daytime) >= 100
    artifact = train_model(daytime, candidates=[default_candidates()[2]])
    anchors = pd.date_range("2025-06-01T16:30", periods=168, freq="h", tz="UTC")  # Mon 00:30
    draft = PostDraft("weibo", "new", ZONE, "x" * 100)
    draws = np.array(
        [
            sample_levels(
                artifact, draft, anchors, np.zeros(168), Exploration(np.random.default_rng(s))
            )
            for s in range(300)
        ]
    )
    wednesday = draws[:, 48:72].std(axis=0)
    assert wednesday[11:15].max() < 0.3 < 0.7 < wednesday[2:5].min()
    # Neighbouring hours are drawn together (a smooth curve), not one coin per hour.
    assert np.corrcoef(draws[:, 48 + 2], draws[:, 48 + 3])[0, 1] > 0.7
    # Day one: the shipped prior is drawn from the same way, wide everywhere.
    prior = np.array(
        [
            sample_levels(
                prior_artifact(),
                draft,
                anchors,
                np.zeros(168),
                Exploration(np.random.default_rng(s)),
            )
            for s in range(300)
        ]
    )
    assert prior[:, 48:72].std(axis=0).min() > 0.7
