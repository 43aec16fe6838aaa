"""Thompson sampling over the model's uncertainty, for the share of decisions that explore.

A draw is `width` posterior standard deviations wide (the product's default 0.7, a
tempered posterior as in Chapelle & Li, "An Empirical Evaluation of Thompson Sampling",
2011): a full-width draw over 24 hours of a day, most of them never posted at, lands far
from the best slot so often that exploring every decision costs more than it teaches where
the prior is right (docs/intelligence.md, the closed loop).

A model whose curve is a Gaussian process (`time_curve`; trained models and the shipped
prior) is drawn from its posterior: one whole curve a decision. Models trained before it:
The model's uncertainty about an hour of the week, empirical Bayes: before any post there,
the hour could be any of the hours it predicts for the window (variance tau², the spread
of the predicted log levels, tau at least MIN_TAU); each of the n posts it learned from
there is a noisy observation (variance sigma², the holdout log residual spread). Posterior
variance 1 / (1 / tau² + n / sigma²). One draw per local hour (its 5-minute slots interpolate), and
the best draw wins: hours with few posts are tried as often as they could be the best.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from scheduling_platform.intelligence.artifact import ModelArtifact
from scheduling_platform.intelligence.calendar import calendar_features
from scheduling_platform.intelligence.features import PLATFORM_CODES
from scheduling_platform.intelligence.time_curve import CurvePosterior, cell_of

# A model that knows nothing yet predicts the same everywhere, and would then be certain:
# hours of a platform differ by a factor of several (the shipped prior curves span 0.15 to
# 1), so before any post an hour's log level is uncertain by at least this much.
MIN_TAU = 0.5

if TYPE_CHECKING:
    from scheduling_platform.intelligence.scoring import PostDraft


def sample_levels(
    artifact: ModelArtifact,
    draft: PostDraft,
    anchors: pd.DatetimeIndex,
    levels: np.ndarray,
    explore: Exploration,
) -> np.ndarray:
    """One posterior draw of log1p(engagement) at each anchor (a local half hour)."""
    return explore.sample(LevelDraws.at(artifact, draft, anchors, levels))


@dataclass(frozen=True)
class Exploration:
    """How an exploring decision draws: its generator, and the draws' width as a multiple of
    the posterior's standard deviation."""

    rng: np.random.Generator
    width: float = 1.0

    def sample(self, draws: LevelDraws) -> np.ndarray:
        return draws.sample(self.rng, self.width)


@dataclass(frozen=True)
class LocalAnchors:
    """Anchors read in one zone: their local hour of the week and whether their day is a day
    off. The windows of a batch that share a grid and a zone share these."""

    week_hour: np.ndarray
    day_off: np.ndarray

    @classmethod
    def of(cls, anchors: pd.DatetimeIndex, timezone: str) -> LocalAnchors:
        local = anchors.tz_convert(timezone)
        week_hour = (local.day_of_week * 24 + local.hour).to_numpy()
        dates = pd.Series(local.tz_localize(None).normalize())
        return cls(week_hour, calendar_features(dates)["is_day_off"].to_numpy())


@dataclass(frozen=True)
class LevelDraws:
    """Everything a posterior draw at some anchors needs but the randomness: the posts of a
    batch that share a window draw from one (its calendar and cells are worked out once)."""

    levels: np.ndarray
    curve: CurvePosterior | None  # a Gaussian-process model: one draw of the whole curve
    cells: np.ndarray | None  # each anchor's cell of that curve
    spread: np.ndarray | None  # otherwise: each anchor's own posterior sd

    @classmethod
    def at(
        cls,
        artifact: ModelArtifact,
        draft: PostDraft,
        anchors: pd.DatetimeIndex,
        levels: np.ndarray,
        local: LocalAnchors | None = None,
    ) -> LevelDraws:
        """`local`: the anchors in the draft's zone, when already worked out."""
        local = local if local is not None else LocalAnchors.of(anchors, draft.timezone)
        posterior = getattr(artifact.estimator, "curve_posterior", None)
        curve = posterior(platform_code(draft.platform)) if posterior is not None else None
        if curve is not None:
            # One draw of the platform's whole curve (`time_curve`): smooth over the day,
            # narrow where it has seen posts, as wide as the prior allows where it has not.
            return cls(levels, curve, cell_of(local.day_off, local.week_hour), None)
        counts = np.asarray(
            getattr(artifact, "cell_counts", {}).get(draft.platform, [0] * 168), dtype=float
        )
        tau2 = max(float(np.var(levels)), MIN_TAU**2)
        sigma2 = max(artifact.residual_sigma, 1e-3) ** 2
        spread = 1.0 / np.sqrt(1.0 / tau2 + counts[local.week_hour] / sigma2)
        return cls(levels, None, None, spread)

    def sample(self, rng: np.random.Generator, width: float = 1.0) -> np.ndarray:
        """The levels plus `width` times one posterior draw of their noise."""
        if self.curve is not None and self.cells is not None:
            return self.levels + width * self.curve.draw(rng)[self.cells]
        assert self.spread is not None
        return self.levels + width * rng.normal(0.0, 1.0, size=len(self.levels)) * self.spread


def platform_code(platform: str) -> int:
    return PLATFORM_CODES.index(platform) if platform in PLATFORM_CODES else len(PLATFORM_CODES) - 1


def explores(share: float, rng: np.random.Generator) -> bool:
    """Whether this decision is one of the `share` that explore."""
    return share > 0 and float(rng.random()) < share
