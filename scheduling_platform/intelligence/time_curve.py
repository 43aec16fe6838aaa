"""Each platform's hour-of-week curve, learned from few posts: a Gaussian process over the
week's cells, centred on the shipped prior's curve.

A cell is (day type, hour of the week): day type 0 a working day, 1 a day off (weekends,
holidays), so an adjusted working Saturday is a working day. The curve is log engagement
relative to the platform's level. Its prior (before any post) is the shipped prior's shape
plus a smooth departure from it, the sum of

- a constant (the level, unknown) and a constant of the day type,
- an hour-of-day curve every day shares,
- a curve of the day type (a weekend peak that moves),
- a small curve of the single weekday,

each a squared-exponential over the circular hour of day. The posterior given the posts'
log residuals (mean per cell, noise sigma² / n) is exact; its mean is the model's curve and
its covariance is what Thompson sampling draws from (`exploration.py`): one draw is a whole
smooth curve, so an hour near a promising one is tried, and the hours the model has seen
posts at are drawn narrowly. With many posts the curve follows the data; with few it keeps
the prior's shape.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np

CELLS = 2 * 168  # (day type, hour of the week)
LENGTH_HOURS = 1.5  # how far along the day a departure from the prior carries
# The platform's level is all but unknown: posts at one hour only say nothing of the shape
# (with a narrower level, posts at the prior's peak pulled the peak down, off the prior).
LEVEL_SD = 5.0
TYPE_LEVEL_SD = 0.3  # of days off's level against working days'
DAY_SD = 0.8  # of the shared hour-of-day departure: a wrong prior peak is a factor of ~5
DAY_TYPE_SD = 0.5  # of the working-day / day-off difference beyond the prior's
WEEKDAY_SD = 0.15  # of one weekday's own departure
MIN_NOISE_SD = 0.1


def _solve(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """a^-1 b for a symmetric positive definite `a`, by Cholesky."""
    # scipy on first use: loading the definitions (every run the daemon starts) never pays
    # for it (tests/test_dagster_publishing.py).
    from scipy.linalg import cho_factor, cho_solve

    return np.asarray(cho_solve(cho_factor(a), b))


@lru_cache(maxsize=1)
def prior_covariance() -> np.ndarray:
    """The (336, 336) prior covariance of the departure from the shipped curve."""
    cell = np.arange(CELLS)
    day_type, week_hour = cell // 168, cell % 168
    hour, weekday = week_hour % 24, week_hour // 24
    gap = np.abs(hour[:, None] - hour[None, :])
    gap = np.minimum(gap, 24 - gap)
    smooth = np.exp(-0.5 * (gap / LENGTH_HOURS) ** 2)
    same_type = day_type[:, None] == day_type[None, :]
    same_day = same_type & (weekday[:, None] == weekday[None, :])
    return (
        LEVEL_SD**2
        + TYPE_LEVEL_SD**2 * same_type
        + smooth * (DAY_SD**2 + DAY_TYPE_SD**2 * same_type + WEEKDAY_SD**2 * same_day)
        + 1e-6 * np.eye(CELLS)
    )


@lru_cache(maxsize=1)
def prior_means() -> np.ndarray:
    """(platform codes, 336) the shipped prior's log curve per cell, less its mean: where a
    platform's curve starts before it has posts."""
    from scheduling_platform.intelligence.priors import prior_artifact

    table = prior_artifact().estimator.table  # (platform, day off, hour) log1p engagement
    cells = np.arange(CELLS)
    means = table[:, cells // 168, (cells % 168) % 24]
    return means - means.mean(axis=1, keepdims=True)


def cell_of(day_off: np.ndarray, week_hour: np.ndarray) -> np.ndarray:
    return np.asarray(day_off, dtype=int) * 168 + np.asarray(week_hour, dtype=int)


class CurvePosterior:
    """The posterior of one platform's curve: mean per cell, draws on demand."""

    def __init__(
        self, prior_mean: np.ndarray, cells: np.ndarray, residuals: np.ndarray, noise_sd: float
    ) -> None:
        """`prior_mean` (336,) the shipped curve; `cells`/`residuals` one per post."""
        counts = np.bincount(cells, minlength=CELLS).astype(float)
        sums = np.bincount(cells, weights=residuals, minlength=CELLS)
        self.prior_mean = np.asarray(prior_mean, dtype=float)
        self.seen = np.flatnonzero(counts)
        self.noise = noise_sd**2 / counts[self.seen]  # variance of each seen cell's mean
        self.posts = int(counts.sum())
        k = prior_covariance()
        if len(self.seen):
            a = k[np.ix_(self.seen, self.seen)] + np.diag(self.noise)
            gap = sums[self.seen] / counts[self.seen] - self.prior_mean[self.seen]
            self.mean = self.prior_mean + k[:, self.seen] @ _solve(a, gap)
        else:
            self.mean = self.prior_mean.copy()
        self._factor: np.ndarray | None = None

    def degrees_of_freedom(self) -> float:
        """Trace of the hat matrix from the posts' values to the fitted curve at their cells."""
        if not len(self.seen):
            return 0.0
        k = prior_covariance()[np.ix_(self.seen, self.seen)]
        # trace(K (K + N)^-1) = n - trace(N (K + N)^-1), N diagonal
        inverse = _solve(k + np.diag(self.noise), np.eye(len(self.seen)))
        return float(len(self.seen) - np.sum(self.noise * np.diag(inverse)))

    def __getstate__(self) -> dict[str, Any]:
        # The draw factor is recomputed on first use: 0.9 MB a platform not worth storing.
        return {**self.__dict__, "_factor": None}

    def factor(self) -> np.ndarray:
        """F with F Fᵀ the posterior covariance (cached)."""
        if self._factor is None:
            k = prior_covariance()
            cov = k
            if len(self.seen):
                a = k[np.ix_(self.seen, self.seen)] + np.diag(self.noise)
                cross = k[:, self.seen]
                cov = k - cross @ np.linalg.solve(a, cross.T)
            cov = (cov + cov.T) / 2
            try:  # Cholesky: a few ms; the eigendecomposition when rounding made it indefinite
                self._factor = np.linalg.cholesky(cov + 1e-6 * np.eye(CELLS))
            except np.linalg.LinAlgError:
                values, vectors = np.linalg.eigh(cov)
                self._factor = vectors * np.sqrt(values.clip(min=0))
        return self._factor

    def draw(self, rng: np.random.Generator) -> np.ndarray:
        """One posterior draw of the whole curve (336,), less its mean: a departure."""
        return self.factor() @ rng.standard_normal(CELLS)

    def sd(self) -> np.ndarray:
        """The posterior standard deviation per cell."""
        return np.sqrt((self.factor() ** 2).sum(axis=1))


def noise_sd(
    prior_means: np.ndarray, platform: np.ndarray, cells: np.ndarray, residuals: np.ndarray
) -> float:
    """The residual noise about the curve: the spread of the residuals about a first fit's
    curve (fit at their raw spread), per degree of freedom left, floored at MIN_NOISE_SD."""
    rough = fit_curves(prior_means, platform, cells, residuals, max(float(np.std(residuals)), 0.1))
    means = np.stack([r.mean for r in rough])
    # The curve's degrees of freedom (trace of its hat matrix) are spent on the fit, so
    # the in-sample spread alone would say the noise is smaller than it is.
    spent = sum(r.degrees_of_freedom() for r in rough)
    free = max(len(residuals) - spent, 1.0)
    squares = np.sum((residuals - means[platform, cells]) ** 2)
    return max(float(np.sqrt(squares / free)), MIN_NOISE_SD)


def fit_curves(
    prior_means: np.ndarray,
    platform: np.ndarray,
    cells: np.ndarray,
    residuals: np.ndarray,
    noise: float,
) -> list[CurvePosterior]:
    """One posterior per platform code (rows of `prior_means`, each (336,)), at residual
    noise `noise` (standard deviation, `noise_sd`)."""
    return [
        CurvePosterior(
            prior_means[code], cells[platform == code], residuals[platform == code], noise
        )
        for code in range(len(prior_means))
    ]
