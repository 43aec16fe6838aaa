"""The strategies' scoring: one model call for a batch's posts agrees with `score_slots`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd
import pytest

from scheduling_platform.intelligence.artifact import ModelArtifact
from scheduling_platform.intelligence.batch_scoring import score_posts, score_windows
from scheduling_platform.intelligence.exploration import Exploration
from scheduling_platform.intelligence.priors import prior_artifact
from scheduling_platform.intelligence.scoring import (
    PostDraft,
    draft_for,
    hour_anchors,
    score_slots,
    week_slots,
)
from scheduling_platform.scheduling.strategies.scores import (
    Predictor,
    WindowScores,
    parse_window,
    window_text,
)
from scheduling_platform.scheduling.tasks import SchedulingError
from scheduling_platform.timeutil import utcnow


def test_score_posts_agrees_with_score_slots_row_for_row(artifact: ModelArtifact) -> None:
    slots = week_slots(utcnow(), 300)
    drafts = [
        PostDraft("weibo", "account:1", "Asia/Shanghai", "新品 #新品# http://x.cn", "image", 2),
        PostDraft("weibo", "sim:weibo:1", "Asia/Shanghai", "短", "text"),
        PostDraft("douyin", "new-account", "Asia/Shanghai", "开箱" * 30, "video", 1),
    ]
    picks = [7, 150, 299]
    together, _ = score_posts(artifact, drafts, pd.DatetimeIndex([slots[i] for i in picks]))
    for draft, pick, value in zip(drafts, picks, together, strict=True):
        alone = score_slots(artifact, draft, slots)["predicted"].to_numpy()
        assert value == pytest.approx(alone[pick], rel=1e-9)
    assert np.all(together > 0)
    # Windows scored together are score_slots' windows: in another zone too, over a change
    # of its clocks (New York's, on 1 November 2026), and in a zone half an hour off.
    autumn = week_slots(datetime(2026, 10, 31, 12, tzinfo=UTC), 2016)
    windows = [
        (drafts[0], slots),
        (drafts[1], slots),
        (PostDraft("weibo", "account:1", "America/New_York", "新品", "text"), autumn),
        (PostDraft("weibo", "sim:weibo:1", "Asia/Kolkata", "新品", "image", 1), slots),
    ]
    together = score_windows(
        artifact,
        [d for d, _ in windows],
        [w for _, w in windows],
        [hour_anchors(w, d.timezone) for d, w in windows],
    )
    for (draft, window), (predicted, weight) in zip(windows, together, strict=True):
        alone = score_slots(artifact, draft, window)
        assert np.allclose(predicted, alone["predicted"].to_numpy(), rtol=1e-9)
        assert np.allclose(weight, alone["account_weight"].to_numpy())
    assert not np.allclose(together[0][1], 0)  # account:1's own hours moved its window


def test_windows_are_read_and_written_alike() -> None:
    assert parse_window(None) == timedelta(days=7)
    assert [window_text(parse_window(t)) for t in ("36h", "2d", "90m")] == ["36h", "2d", "90m"]
    for bad in ("29d", "1m", "week"):
        with pytest.raises(SchedulingError):
            parse_window(bad)


def test_a_regular_window_computes_each_slot_as_its_index_reads_it() -> None:
    slots = week_slots(utcnow(), 2016)
    zeros = np.zeros(len(slots))
    scores = WindowScores(slots, zeros, zeros, zeros, zeros, "v", (0, 0, 0))
    irregular = WindowScores(
        slots[[0, 5, 9]], zeros[:3], zeros[:3], zeros[:3], zeros[:3], "v", (0, 0, 0)
    )
    assert [scores.at(i) for i in (0, 1, 287, 2015)] == [
        scores.starts[i] for i in (0, 1, 287, 2015)
    ]
    assert [irregular.at(i) for i in range(3)] == [slots[0], slots[5], slots[9]]
    assert scores.micros[1] - scores.micros[0] == 5 * 60 * 10**6


@pytest.mark.parametrize("model", ["trained", "prior"])
def test_an_explored_draw_is_score_slots_draw_without_scoring_again(
    model: str, artifact: ModelArtifact, modelled, weibo
) -> None:
    chosen = artifact if model == "trained" else prior_artifact()
    predictor = Predictor(modelled.store, chosen)
    text = "新品上市 #新品# 欢迎"
    scores = predictor.window(weibo, text, (), None, utcnow(), timedelta(days=7))
    draft = draft_for(weibo, text, "text", 0)
    for seed in (1, 2):
        explore = Exploration(np.random.default_rng(seed), width=0.5)
        drawn = predictor.sampled(scores, weibo, text, (), None, explore)
        again = Exploration(np.random.default_rng(seed), width=0.5)
        slots = score_slots(chosen, draft, scores.slots, explore=again)
        assert np.allclose(drawn, slots["sampled"].to_numpy(), rtol=1e-9)
        assert not np.allclose(drawn, scores.predicted)  # a draw, not the prediction


@pytest.mark.parametrize("model", ["trained", "prior"])
def test_a_posts_own_prediction_is_the_models_for_its_text_at_its_slot(
    model: str, artifact: ModelArtifact, modelled, weibo
) -> None:
    """The prior reads no text, so its window's prediction is each post's own; a trained
    model is asked again for a text unlike the window's."""
    chosen = artifact if model == "trained" else prior_artifact()
    predictor = Predictor(modelled.store, chosen)
    window_text_ = "短"
    scores = predictor.window(weibo, window_text_, (), None, utcnow(), timedelta(days=7))
    other = "新品上市 #新品# #上新# 欢迎来看 http://x.cn " * 3
    (own, _), (same, _) = predictor.predict_many(
        [(scores, 100, weibo, other, (), None), (scores, 100, weibo, window_text_, (), None)]
    )
    alone, _ = score_posts(chosen, [draft_for(weibo, other, "text", 0)], scores.slots[[100]])
    assert own == pytest.approx(float(alone[0]), rel=1e-9)
    assert same == pytest.approx(float(scores.predicted[100]), rel=1e-9)
    if model == "trained":
        assert own != pytest.approx(same)  # the text moved the trained model's prediction
