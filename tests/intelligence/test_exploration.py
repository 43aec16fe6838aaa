"""Thompson-sampling exploration: a share of optimal_time decisions try hours the model knows
little about, and each task records whether its slot was explored."""

from dataclasses import replace
from datetime import UTC, datetime

import numpy as np
import pandas as pd
import pytest

from scheduling_platform.accounts.registration import add_account
from scheduling_platform.intelligence.exploration import MIN_TAU, Exploration, sample_levels
from scheduling_platform.intelligence.priors import prior_artifact
from scheduling_platform.intelligence.scoring import PostDraft, best_slot
from scheduling_platform.scheduling.conflicts.rules import ConflictRules
from scheduling_platform.scheduling.placement import Strategy
from scheduling_platform.scheduling.strategies.create import create_by_strategy, exploring
from scheduling_platform.scheduling.strategies.scores import DEFAULT_WINDOW
from scheduling_platform.settings import Settings
from scheduling_platform.store.task_store import TaskStore
from scheduling_platform.timeutil import utcnow

START = datetime(2026, 12, 7, tzinfo=UTC)  # a Monday
DRAFT = PostDraft("weibo", "new", "Asia/Shanghai", "x" * 100)


class _CellMeans:
    """A model of hour cells without a curve posterior (models trained before it had one)."""

    def __init__(self, estimator: object) -> None:
        self.predict = estimator.predict  # type: ignore[attr-defined]


def test_draws_of_an_older_model_are_wide_where_it_saw_few_posts() -> None:
    # Weibo's first half of the week seen 0 times, the second half 10,000 times an hour.
    artifact = replace(
        prior_artifact(),
        estimator=_CellMeans(prior_artifact().estimator),
        cell_counts={"weibo": [0] * 84 + [10_000] * 84},
    )
    anchors = pd.date_range("2026-12-06T16:30", periods=168, freq="h", tz="UTC")  # Mon 00:30
    # Predicted log levels spread with standard deviation 0.8 over the week (tau).
    levels = np.tile([0.8, -0.8], 84)
    draws = np.array(
        [
            sample_levels(artifact, DRAFT, anchors, levels, Exploration(np.random.default_rng(s)))
            - levels
            for s in range(300)
        ]
    )
    unseen, seen = draws[:, :84].std(), draws[:, 84:].std()
    assert abs(unseen - 0.8) < 0.05  # never seen: as uncertain as the hours differ
    assert seen < artifact.residual_sigma / 50  # seen 10,000 times: the residual / 100
    # A flat prediction (a model that knows nothing) still explores: at least MIN_TAU.
    flat = np.array(
        [
            sample_levels(
                artifact, DRAFT, anchors, np.zeros(168), Exploration(np.random.default_rng(s))
            )
            for s in range(300)
        ]
    )
    assert abs(flat[:, :84].std() - MIN_TAU) < 0.05


def test_exploring_choices_spread_over_hours_the_best_slot_does_not() -> None:
    artifact = prior_artifact()
    best = best_slot(artifact, DRAFT, START)
    assert not best.explored
    rng = np.random.default_rng(0)
    explored = [best_slot(artifact, DRAFT, START, explore=Exploration(rng)) for _ in range(40)]
    assert all(c.explored for c in explored)
    hours = {c.slot.astimezone(best.slot.tzinfo).replace(minute=0) for c in explored}
    assert len(hours) >= 5
    # The prediction reported is the model's, not the draw: never above the best slot's.
    assert max(c.predicted for c in explored) <= best.predicted + 1e-9


def test_narrower_draws_stay_nearer_the_best_slot() -> None:
    artifact = prior_artifact()
    anchors = pd.date_range("2026-12-06T16:30", periods=168, freq="h", tz="UTC")
    levels = np.zeros(168)
    for seed in range(5):
        full = sample_levels(
            artifact, DRAFT, anchors, levels, Exploration(np.random.default_rng(seed))
        )
        half = sample_levels(
            artifact, DRAFT, anchors, levels, Exploration(np.random.default_rng(seed), 0.5)
        )
        assert np.allclose(half, full / 2)  # the same draw, half as far from the prediction
    best = best_slot(artifact, DRAFT, START).predicted

    def lost(width: float) -> float:
        """Mean share of the best slot's prediction an exploring choice gives up."""
        rng = np.random.default_rng(1)
        chosen = [
            best_slot(artifact, DRAFT, START, explore=Exploration(rng, width)) for _ in range(60)
        ]
        return float(np.mean([1 - c.predicted / best for c in chosen]))

    assert 0 < lost(0.5) < 0.75 * lost(1.0)  # 0.18 against 0.31 here


def test_by_default_every_optimal_time_decision_explores_with_narrowed_draws(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("SCHEDULING_EXPLORATION_SHARE", "SCHEDULING_EXPLORATION_WIDTH"):
        monkeypatch.delenv(name, raising=False)
    defaults = Settings()  # the product's defaults, not the suite's (conftest turns it off)
    chosen = exploring(Strategy.OPTIMAL_TIME, defaults, np.random.default_rng(0))
    assert chosen is not None and chosen.width == 0.7
    assert exploring(Strategy.CONFLICT_AVOIDANCE, defaults, np.random.default_rng(0)) is None
    off = defaults.model_copy(update={"exploration_share": 0.0})
    assert exploring(Strategy.OPTIMAL_TIME, off, np.random.default_rng(0)) is None


def test_each_task_records_whether_its_slot_was_explored(platform_env: Settings) -> None:
    store = TaskStore.from_settings(platform_env)
    account = add_account(store, platform_env, platform="weibo", name="w")
    rng = np.random.default_rng(1)

    def create(content: str, share: float):  # type: ignore[no-untyped-def]
        settings = platform_env.model_copy(update={"exploration_share": share})
        return create_by_strategy(
            store,
            ConflictRules.from_settings(settings),
            account.id,
            content,
            None,
            strategy=Strategy.OPTIMAL_TIME,
            window=DEFAULT_WINDOW,
            now=utcnow(),
            settings=settings,
            rng=rng,
        )

    kept, best = create("a", 0.0)
    tried, choice = create("b", 1.0)
    assert store.decision_of(kept.id) is False and not best.explored
    assert store.decision_of(tried.id) is True and choice.explored
    assert "explored" in choice.detail and any("Thompson" in r for r in choice.reasons)
    # Day one: the shipped prior chose, and the reasons say so.
    assert tried.model_version == prior_artifact().version
    assert "no trained model yet" in best.reasons[0]
    # The prediction kept is the model's for the slot, not the draw.
    assert tried.predicted_engagement == choice.predicted
