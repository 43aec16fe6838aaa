"""Day one: platform-wide prior curves shipped with the product, used until a model is trained.

`prior_curves.json` gives per platform a median engagement and its peaks on working days and
days off (local hour, relative height). The prior is a `ModelArtifact` like a trained model,
so scoring, suggestions and `optimal_time` use it unchanged; its `basis` is "prior" and its
version starts with "prior-", so reasons and `model explain` say the time came from it.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import numpy as np

from scheduling_platform.intelligence.artifact import ModelArtifact
from scheduling_platform.intelligence.features import FEATURE_NAMES, PLATFORM_CODES
from scheduling_platform.intelligence.time_curve import CurvePosterior

PRIOR_PATH = Path(__file__).parent / "prior_curves.json"
PRIOR_FLOOR = 0.15  # the quietest hour's share of the peak
PEAK_WIDTH_HOURS = 1.5
PRIOR_SIGMA = 1.0  # log residual spread claimed for the prior: wide, it knows no account
PRIOR_REASON = "no trained model yet: the platform-wide prior curve shipped with the product"


def _curve(peaks: list[list[float]]) -> np.ndarray:
    """24 hourly values (at h:30) from (hour, height) peaks, peak height 1."""
    hours = np.arange(24) + 0.5
    curve = np.full(24, PRIOR_FLOOR)
    for centre, height in peaks:
        distance = np.minimum(np.abs(hours - centre), 24 - np.abs(hours - centre))
        curve += height * np.exp(-0.5 * (distance / PEAK_WIDTH_HOURS) ** 2)
    return curve / curve.max()


@lru_cache(maxsize=16)
def _empty_posterior(code: int) -> CurvePosterior:
    # Cached: its draw factor (an eigendecomposition) is computed once a platform.
    from scheduling_platform.intelligence.time_curve import prior_means

    return CurvePosterior(prior_means()[code], np.zeros(0, int), np.zeros(0), 1.0)


class PriorCurve:
    """Predicts log1p(engagement) from the platform, day type and local hour only."""

    # Two posts of an account at one time get the same prediction whatever their texts: a
    # post's own prediction is its window's (`Predictor.predict_many`).
    time_only = True

    def __init__(self, platforms: dict[str, dict]) -> None:
        # (platform code, day off 0/1, hour) -> log1p engagement; unknown platforms: the mean.
        table = np.zeros((len(PLATFORM_CODES), 2, 24))
        for code, name in enumerate(PLATFORM_CODES):
            entry = platforms.get(name)
            if entry is None:
                continue
            level = float(entry["median_engagement"]) / np.median(_curve(entry["working_day"]))
            table[code, 0] = np.log1p(level * _curve(entry["working_day"]))
            table[code, 1] = np.log1p(level * _curve(entry["day_off"]))
        known = [PLATFORM_CODES.index(p) for p in platforms if p in PLATFORM_CODES]
        table[PLATFORM_CODES.index("other")] = table[known].mean(axis=0)
        self.table = table

    def curve_posterior(self, code: int) -> CurvePosterior:
        """The curve before any post (`time_curve`), for day one's Thompson draws."""
        return _empty_posterior(code)

    def predict(self, x: np.ndarray) -> np.ndarray:
        names = list(FEATURE_NAMES)
        platform = x[:, names.index("platform_code")].astype(int).clip(0, len(PLATFORM_CODES) - 1)
        day_off = x[:, names.index("is_day_off")].astype(int).clip(0, 1)
        hour = x[:, names.index("hour_of_day")].astype(int) % 24
        return self.table[platform, day_off, hour]


@lru_cache(maxsize=1)
def prior_artifact() -> ModelArtifact:
    """The shipped prior as a model artifact (scored like a trained model)."""
    from datetime import UTC, datetime

    data = json.loads(PRIOR_PATH.read_text(encoding="utf-8"))
    return ModelArtifact(
        version=str(data["version"]),
        trained_at=datetime(2026, 12, 1, tzinfo=UTC),
        candidate="platform_prior",
        target="log1p",
        estimator=PriorCurve(data["platforms"]),
        feature_names=FEATURE_NAMES,
        metrics={},
        candidates={},
        importances={},
        importance_groups={"time": 1.0, "content": 0.0, "account": 0.0, "platform": 0.0},
        rows=0,
        partitions=[],
        residual_sigma=PRIOR_SIGMA,
        basis="prior",
    )


def is_prior_version(version: str | None) -> bool:
    return bool(version) and str(version).startswith("prior-")
