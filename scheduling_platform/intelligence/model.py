"""Training the engagement model: candidates, time-ordered holdout, cross-validation, choice.

Every candidate is scored the same way: R² of log1p(engagement) (engagement spans orders of
magnitude; a log scale keeps a few viral posts from dominating) and MAE in counts. The winner
on the holdout is refitted on all rows and kept as a `ModelArtifact`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, RegressorMixin, clone
from sklearn.ensemble import HistGradientBoostingRegressor, RandomForestRegressor
from sklearn.inspection import permutation_importance
from sklearn.metrics import mean_absolute_error, r2_score
from sklearn.model_selection import KFold
from threadpoolctl import ThreadpoolController

from scheduling_platform.intelligence.artifact import CV_FOLDS, ModelArtifact
from scheduling_platform.intelligence.features import (
    FEATURE_NAMES,
    FEATURES,
    GROUPS,
    PLATFORM_CODES,
    engagement_total,
    feature_frame,
)
from scheduling_platform.intelligence.time_curve import (
    MIN_NOISE_SD,
    CurvePosterior,
    cell_of,
    fit_curves,
    noise_sd,
    prior_means,
)
from scheduling_platform.timeutil import utcnow

HOLDOUT_SHARE = 0.2
MIN_TRAINING_ROWS = 50
# The model in use is compared on the holdout rows it never learned from; fewer than this
# many such rows say too little, and the comparison is skipped (and says so).
MIN_COMPARISON_ROWS = 30
CURVE_PRIOR_POSTS = 5.0  # a platform's hour effect is shrunk by n / (n + this)
# An hour of the week departs from its hour of day by the mean of its own posts' residuals,
# shrunk by n / (n + this): a weekend whose peak moves is learned once its hours have posts.
WEEK_PRIOR_POSTS = 5.0
_PLATFORM = FEATURE_NAMES.index("platform_code")
_HOUR = FEATURE_NAMES.index("hour_of_day")
# The columns of models pickled before their columns were named (the feature came later).
_UNNAMED_COLUMNS = tuple(n for n in FEATURE_NAMES if n != "adjustments_known")
# HistGradientBoosting's OpenMP threads spin while they wait for work. On the shared 2-core
# machine they fought the other processes and made one fit on 8,000 rows take 9 s instead of
# 0.8 s single-threaded (and a 724-row retrain 25 s instead of 8 s). Every fit and predict
# runs with one OpenMP thread; RandomForest keeps its joblib threads.
_THREADPOOLS = ThreadpoolController()
# The time features inside a week: with `additive`, the curve alone says what they do.
WITHIN_WEEK = (
    "tod_sin",
    "tod_cos",
    "hour_of_day",
    "minute_of_hour",
    "weekday",
    "week_sin",
    "week_cos",
)


class TrainingError(ValueError):
    """Too little or unusable data to train on; nothing was changed."""


class PlatformCurve(BaseEstimator, RegressorMixin):
    """Adds each row's platform-wide hour-of-week effect as a feature, then fits `base`.

    The effect is hierarchical: the platform's hour-of-day effect (shrunk towards the platform
    mean), plus the hour of the week's own departure from it (shrunk towards zero), so a
    platform whose weekend peak moves to 10:00 keeps its weekday peak and learns the weekend's.

    Trees share splits across platforms, so five platforms' different peaks blur into one;
    the platform's own curve (learned from the training rows only, shrunk towards the
    platform mean) lets them keep their own. It is also the curve a new account falls back to.

    `separate_time` keeps the time features (with the platform and its curve) and the
    account/content features in separate trees' branches (`interaction_cst` of gradient
    boosting): engagement is modelled as a time effect times an account/content effect.
    Without it the trees learned one account's noisy hours through its follower count (an
    account identifier when a platform has five accounts) and put WeChat's best hour at 21:00
    instead of 07:00 for some simulated histories.
    """

    def __init__(
        self,
        base: RegressorMixin,
        log_target: bool = True,
        feature_names: tuple[str, ...] = FEATURE_NAMES,
        separate_time: bool = False,
        additive: bool = False,
    ) -> None:
        self.base = base
        self.log_target = log_target
        self.feature_names = feature_names
        self.separate_time = separate_time
        self.additive = additive

    def __setstate__(self, state: dict[str, Any]) -> None:
        # Models pickled before the columns were named were trained on all of FEATURE_NAMES.
        state.setdefault("feature_names", _UNNAMED_COLUMNS)
        state.setdefault("separate_time", False)
        state.setdefault("platform_col_", _PLATFORM)
        state.setdefault("hour_col_", _HOUR)
        # Models trained before the week was learned have hour-of-day effects only.
        state.setdefault("weekday_col_", None)
        # Models trained before the curve was a Gaussian process give it to the trees.
        state.setdefault("additive", False)
        state.setdefault("curved_", False)
        super().__setstate__(state)

    def _keys(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, np.ndarray]:
        """(platform code, local hour, local hour of week or None, day off 0/1) per row."""
        if self.platform_col_ is None:
            platform = np.zeros(len(x), dtype=int)
        else:
            platform = x[:, self.platform_col_].astype(int).clip(0, len(PLATFORM_CODES) - 1)
        hour = x[:, self.hour_col_].astype(int)
        if self.weekday_col_ is None:
            return platform, hour, None, np.zeros(len(x), dtype=int)
        weekday = x[:, self.weekday_col_].astype(int).clip(0, 6)
        names = list(self.feature_names)
        day_off = (
            x[:, names.index("is_day_off")].astype(int).clip(0, 1)
            if "is_day_off" in names
            else (weekday >= 5).astype(int)
        )
        return platform, hour, weekday * 24 + hour, day_off

    @staticmethod
    def _shrunk(
        keys: tuple[np.ndarray, ...], values: np.ndarray, shape: tuple[int, ...], prior: float
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per cell of `shape`: post counts, sums of `values`, and sums / (counts + prior)."""
        counts = np.zeros(shape)
        sums = np.zeros(shape)
        np.add.at(counts, keys, 1)
        np.add.at(sums, keys, values)
        return counts, sums, sums / (counts + prior)

    def _size_adjusted(self, x: np.ndarray, level: np.ndarray, platform: np.ndarray) -> np.ndarray:
        """`level` less a per-platform straight line in log followers: account sizes span three
        orders of magnitude and would otherwise drown the time effects of sparse cells."""
        names = list(self.feature_names)
        if "log_followers" not in names:
            return level
        size = x[:, names.index("log_followers")]
        adjusted = level.astype(float).copy()
        for code in np.unique(platform):
            rows = platform == code
            if rows.sum() > 2 and np.ptp(size[rows]) > 0:
                slope, intercept = np.polyfit(size[rows], level[rows], 1)
                adjusted[rows] = level[rows] - (slope * size[rows] + intercept)
        return adjusted

    def _effects(self, x: np.ndarray, level: np.ndarray) -> np.ndarray:
        """(platforms, 2, 168) effects by day type (0 working day, 1 day off) and hour of week.

        Three levels, each shrunk towards the one above: the hour of day (towards the
        platform mean), the hour on working days or days off (weekends and holidays share
        one weekend-like curve), the hour of the week.
        """
        platform, hour, week_hour, day_off = self._keys(x)
        level = self._size_adjusted(x, level, platform)
        size = len(PLATFORM_CODES)
        counts, sums, _ = self._shrunk((platform, hour), level, (size, 24), CURVE_PRIOR_POSTS)
        totals = counts.sum(axis=1, keepdims=True)
        means = np.divide(
            sums.sum(axis=1, keepdims=True), totals, where=totals > 0, out=np.zeros_like(totals)
        )
        by_hour = (sums - counts * means) / (counts + CURVE_PRIOR_POSTS)
        week = np.repeat(np.tile(by_hour, 7)[:, None, :], 2, axis=1)
        if week_hour is None:
            return week
        residual = level - means[platform, 0] - by_hour[platform, hour]
        by_type = self._shrunk((platform, day_off, hour), residual, (size, 2, 24), WEEK_PRIOR_POSTS)
        week += np.tile(by_type[2], 7)
        residual = residual - by_type[2][platform, day_off, hour]
        by_week = self._shrunk((platform, week_hour), residual, (size, 168), WEEK_PRIOR_POSTS)
        return week + by_week[2][:, None, :]

    def _lookup(self, effects: np.ndarray, x: np.ndarray) -> np.ndarray:
        platform, hour, week_hour, day_off = self._keys(x)
        if effects.ndim == 2:  # a model trained before the week was learned
            return effects[platform, hour]
        return effects[platform, day_off, hour if week_hour is None else week_hour]

    def _base(self) -> RegressorMixin:
        base = clone(self.base)
        if self.separate_time:
            names = list(self.feature_names)
            if self.curved_:
                names = [names[i] for i in self.kept_]
            time = [i for i, n in enumerate(names) if FEATURES.get(n, ("",))[0] == "time"]
            platform = [names.index("platform_code")] if "platform_code" in names else []
            # The platform is in both groups: content effects differ by platform too.
            other = [i for i in range(len(names)) if i not in time]
            # The platform (and the curve column, appended last) belong with the time features.
            curve = [] if self.curved_ else [len(names)]
            base.set_params(interaction_cst=[[*time, *platform, *curve], other])
        return base

    def curve_posterior(self, code: int) -> CurvePosterior | None:
        """The platform's curve posterior (Thompson draws), None for a curve of cell means."""
        return self.curves_[code] if self.curved_ else None

    @property
    def centred_on_prior(self) -> bool:
        """Whether the curve already leans on the shipped prior where it saw few posts."""
        return bool(getattr(self, "curved_", False))

    def _content_adjusted(
        self,
        x: np.ndarray,
        level: np.ndarray,
        platform: np.ndarray,
        cells: np.ndarray,
        prior: np.ndarray,
    ) -> np.ndarray:
        """`level` less a per-platform log-linear content effect (`CONTENT_TERMS`), fitted
        jointly with the curve by backfitting: a video's factor of four over a text post is
        otherwise noise to the curve, and it learns the hours from fewer posts without it."""
        names = list(self.feature_names)
        present = [n for n in CONTENT_TERMS if n in names]
        if not present:
            return level
        columns = [x[:, names.index(n)] for n in present]
        if "content_type_code" in present:  # a category, not a number: one column a type
            kind = columns.pop(present.index("content_type_code")).astype(int)
            columns += [(kind == k).astype(float) for k in range(1, 4)]
        if "log_text_length" in present:  # an optimum length: quadratic in log length
            columns.append(x[:, names.index("log_text_length")] ** 2)
        design = np.column_stack([np.ones(len(x)), *columns])
        content = np.zeros(len(x))
        noise = max(float(np.std(level)), MIN_NOISE_SD)  # rough: the passes only need a curve
        for _ in range(CONTENT_PASSES):
            curves = fit_curves(prior, platform, cells, level - content, noise)
            means = np.stack([c.mean for c in curves])
            time = means[platform, cells]
            for code in np.unique(platform):
                rows = platform == code
                d = design[rows]
                penalty = CONTENT_RIDGE * np.eye(d.shape[1])
                penalty[0, 0] = 0.0  # the intercept is not shrunk
                beta = np.linalg.solve(d.T @ d + penalty, d.T @ (level[rows] - time[rows]))
                content[rows] = d @ beta - beta[0]
        return level - content

    def _fit_additive(self, x: np.ndarray, y: np.ndarray, level: np.ndarray) -> PlatformCurve:
        """log engagement = the platform's curve (a Gaussian process over the week's cells,
        on the size-adjusted log residuals) + the base model of everything else.

        The base model sees no time of the week (`WITHIN_WEEK`): on a few hundred posts trees
        split on the hours' noise; the curve pools neighbouring hours and the prior instead.
        """
        platform, _, week_hour, day_off = self._keys(x)
        assert week_hour is not None  # curved_ needs the weekday column
        cells = cell_of(day_off, week_hour)
        # Without the platform column (an imported data set's features) no platform's prior
        # applies: the curve starts flat.
        prior = prior_means() if self.platform_col_ is not None else np.zeros_like(prior_means())
        residual = self._content_adjusted(
            x, self._size_adjusted(x, level, platform), platform, cells, prior
        )
        noise = noise_sd(prior, platform, cells, residual)
        # Cross-fitted: a post alone in its cell would otherwise give the curve its own
        # noise, and the base model would learn nothing of its content.
        own = np.zeros(len(x))
        for fit_idx, other_idx in KFold(5, shuffle=True, random_state=0).split(x):
            fold = fit_curves(prior, platform[fit_idx], cells[fit_idx], residual[fit_idx], noise)
            means = np.stack([c.mean for c in fold])
            own[other_idx] = means[platform[other_idx], cells[other_idx]]
        self.curves_ = fit_curves(prior, platform, cells, residual, noise)
        self.effects_ = np.stack([c.mean.reshape(2, 168) for c in self.curves_])
        names = list(self.feature_names)
        self.kept_ = [i for i, n in enumerate(names) if n not in WITHIN_WEEK]
        base = self._base()
        with _THREADPOOLS.limit(limits=1, user_api="openmp"):
            if self.log_target:
                self.model_ = base.fit(x[:, self.kept_], y - own)
            else:  # Poisson with the curve as offset: counts / e^curve, weighted by e^curve
                scale = np.exp(own)
                self.model_ = base.fit(x[:, self.kept_], y / scale, sample_weight=scale)
        return self

    def fit(self, x: np.ndarray, y: np.ndarray) -> PlatformCurve:
        names = list(self.feature_names)
        if x.shape[1] != len(names) or "hour_of_day" not in names:
            raise ValueError(f"PlatformCurve needs columns {names} including hour_of_day")
        self.platform_col_ = names.index("platform_code") if "platform_code" in names else None
        self.hour_col_ = names.index("hour_of_day")
        self.weekday_col_ = names.index("weekday") if "weekday" in names else None
        level = y if self.log_target else np.log1p(np.clip(y, 0, None))
        # Without the weekday (a data set that lacks it) the week has no cells: cell means.
        self.curved_ = bool(self.additive and self.weekday_col_ is not None)
        if self.curved_:
            # The curve's solves are small (336 cells): BLAS threads only fight the machine's
            # other processes over them (40 ms a Cholesky instead of 4 on the shared machine).
            with _THREADPOOLS.limit(limits=1, user_api="blas"):
                return self._fit_additive(x, y, level)
        # Cross-fitted: each training row sees a curve learned without it, or the base model
        # would learn to trust a feature that contains its own target.
        own = np.zeros(len(x))
        for fit_idx, other_idx in KFold(5, shuffle=True, random_state=0).split(x):
            own[other_idx] = self._lookup(self._effects(x[fit_idx], level[fit_idx]), x[other_idx])
        self.effects_ = self._effects(x, level)
        with _THREADPOOLS.limit(limits=1, user_api="openmp"):
            self.model_ = self._base().fit(np.column_stack([x, own]), y)
        return self

    def predict(self, x: np.ndarray) -> np.ndarray:
        curve = self._lookup(self.effects_, x)
        with _THREADPOOLS.limit(limits=1, user_api="openmp"):
            if not self.curved_:
                return self.model_.predict(np.column_stack([x, curve]))
            base = self.model_.predict(x[:, self.kept_])
        return base + curve if self.log_target else base * np.exp(curve)


# Content terms of the curve's own log-linear content effect (`_content_adjusted`).
CONTENT_TERMS = (
    "content_type_code",
    "log_text_length",
    "media_items",
    "hashtags",
    "links",
    "is_paid",
)
CONTENT_PASSES = 2
CONTENT_RIDGE = 1.0


@dataclass(frozen=True)
class Candidate:
    """A model family: how it is built, and whether it learns counts or log1p(counts)."""

    name: str
    build: Callable[[], RegressorMixin]
    target: str  # "log1p": fit log1p(y), predict expm1; "counts": fit y (Poisson loss)

    def fit(self, features: pd.DataFrame, y: np.ndarray) -> RegressorMixin:
        model = self.build()
        if isinstance(model, PlatformCurve):
            model.set_params(feature_names=tuple(features.columns))
        model.fit(features.to_numpy(), np.log1p(y) if self.target == "log1p" else y)
        return model

    def predict_counts(self, model: RegressorMixin, features: pd.DataFrame) -> np.ndarray:
        raw = np.asarray(model.predict(features.to_numpy()), dtype=float)
        return np.expm1(raw).clip(min=0) if self.target == "log1p" else raw.clip(min=0)


def _boosting(seed: int, **loss: Any) -> HistGradientBoostingRegressor:
    return HistGradientBoostingRegressor(
        **loss,
        # 100 rounds at 0.15 rather than 150 at 0.1: holdout R² 0.971 either way on 10,000
        # simulated rows, and a third less time, which matters most on small data sets where
        # each round's cost is Python overhead (31 leaves a tree whatever the rows).
        max_iter=100,
        learning_rate=0.15,
        min_samples_leaf=10,
        l2_regularization=1.0,
        early_stopping=False,
        random_state=seed,
    )


def default_candidates(seed: int = 0) -> list[Candidate]:
    """The RandomForest baseline and two gradient-boosting challengers (hyper-parameters fixed
    in advance, never tuned on the holdout or CV folds).

    Each tree of the forest sees half the rows (`max_samples`): on 10,000 rows that halves its
    cost for 0.003 of holdout R²; the trees also differ more from each other.
    """
    return [
        Candidate(
            "random_forest",
            lambda: PlatformCurve(
                RandomForestRegressor(
                    n_estimators=60,
                    min_samples_leaf=3,
                    max_features=0.5,
                    max_samples=0.5,
                    n_jobs=2,
                    random_state=seed,
                ),
                additive=True,
            ),
            "log1p",
        ),
        Candidate(
            "hist_gb_poisson",
            lambda: PlatformCurve(
                _boosting(seed, loss="poisson"), log_target=False, separate_time=True, additive=True
            ),
            "counts",
        ),
        Candidate(
            "hist_gb_log",
            lambda: PlatformCurve(_boosting(seed), separate_time=True, additive=True),
            "log1p",
        ),
    ]


def log_r2(y: np.ndarray, predicted: np.ndarray) -> float:
    return float(r2_score(np.log1p(y), np.log1p(predicted)))


def _version(trained_at: datetime, frame: pd.DataFrame) -> str:
    digest = hashlib.sha256(
        pd.util.hash_pandas_object(frame[["post_key", "reads"]], index=False).to_numpy().tobytes()
    ).hexdigest()[:6]
    return f"{trained_at:%Y%m%dT%H%M%S}-{digest}"


def _account_stats(
    frame: pd.DataFrame, hours: np.ndarray, residuals: np.ndarray
) -> dict[str, dict[str, Any]]:
    """Per account: recent median (for scoring) and residuals by local hour (for pooling)."""
    total = engagement_total(frame).to_numpy()
    stats: dict[str, dict[str, Any]] = {}
    ordered = np.argsort(frame["posted_at"].to_numpy(), kind="stable")
    for key in frame["account_key"].unique():
        members = ordered[(frame["account_key"].to_numpy()[ordered] == key)]
        recent = total[members][-20:]
        hour_sum = np.bincount(hours[members], weights=residuals[members], minlength=24)
        hour_count = np.bincount(hours[members], minlength=24)
        stats[str(key)] = {
            "recent_median_log": float(np.log1p(np.median(recent))),
            "posts": int(len(members)),
            "hour_residual_sum": hour_sum.tolist(),
            "hour_count": hour_count.tolist(),
        }
    return stats


def compare_with_incumbent(
    incumbent: ModelArtifact,
    hold: pd.DataFrame,
    hold_x: pd.DataFrame,
    hold_y: np.ndarray,
    predicted: np.ndarray,
) -> dict[str, float]:
    """R² of the candidate and of the model in use on the holdout rows posted after the
    model in use's last training row (rows it learned from would flatter it)."""
    seen_until = incumbent.trained_until or incumbent.trained_at
    fresh = (pd.to_datetime(hold["posted_at"], utc=True) > pd.Timestamp(seen_until)).to_numpy()
    result = {"incumbent_rows": float(fresh.sum())}
    if fresh.sum() < MIN_COMPARISON_ROWS:
        return result
    try:
        theirs = incumbent.predict(hold_x[fresh])
    except (KeyError, ValueError):  # a model of other features than these rows have
        return result
    result["incumbent_r2"] = log_r2(hold_y[fresh], theirs)
    result["candidate_r2_vs_incumbent"] = log_r2(hold_y[fresh], predicted[fresh])
    return result


def _cell_counts(frame: pd.DataFrame, features: pd.DataFrame) -> dict[str, list[int]]:
    """Per platform, training posts in each local hour of the week."""
    week_hour = (features["weekday"] * 24 + features["hour_of_day"]).to_numpy().astype(int)
    platforms = frame["platform"].astype(str).to_numpy()
    return {
        str(p): np.bincount(week_hour[platforms == p], minlength=168).tolist()
        for p in np.unique(platforms)
    }


def train_model(
    frame: pd.DataFrame,
    *,
    candidates: list[Candidate] | None = None,
    seed: int = 0,
    now: datetime | None = None,
    incumbent: ModelArtifact | None = None,
) -> ModelArtifact:
    """Train every candidate, compare them on the latest 20% of posts, keep the best.

    With `incumbent` (the model in use), the winner and it are also scored on the same
    holdout rows (those newer than the incumbent's training), for the promotion check.
    """
    frame = frame.sort_values(["posted_at", "post_key"], kind="stable").reset_index(drop=True)
    if len(frame) < MIN_TRAINING_ROWS:
        raise TrainingError(
            f"{len(frame)} engagement rows; at least {MIN_TRAINING_ROWS} are needed to train"
        )
    candidates = candidates or default_candidates(seed)
    # Rows from the training_features asset carry their features; raw engagement rows do not.
    has_features = set(FEATURE_NAMES) <= set(frame.columns)
    features = frame[list(FEATURE_NAMES)].astype(float) if has_features else feature_frame(frame)
    y = engagement_total(frame).to_numpy()
    cut = int(len(frame) * (1 - HOLDOUT_SHARE))
    train_x, hold_x, train_y, hold_y = features[:cut], features[cut:], y[:cut], y[cut:]
    folds = list(KFold(CV_FOLDS, shuffle=True, random_state=seed).split(train_x))

    scores: dict[str, dict[str, float]] = {}
    residuals: dict[str, np.ndarray] = {}
    fitted: dict[str, RegressorMixin] = {}
    held: dict[str, np.ndarray] = {}
    for candidate in candidates:
        cv_r2, out_of_fold = [], np.zeros(cut)
        for fit_idx, test_idx in folds:
            model = candidate.fit(train_x.iloc[fit_idx], train_y[fit_idx])
            out_of_fold[test_idx] = candidate.predict_counts(model, train_x.iloc[test_idx])
            cv_r2.append(log_r2(train_y[test_idx], out_of_fold[test_idx]))
        model = candidate.fit(train_x, train_y)
        predicted = candidate.predict_counts(model, hold_x)
        scores[candidate.name] = {
            "holdout_r2": log_r2(hold_y, predicted),
            "holdout_mae": float(mean_absolute_error(hold_y, predicted)),
            "cv_r2_mean": float(np.mean(cv_r2)),
            "cv_r2_spread": float(np.std(cv_r2)),
        }
        residuals[candidate.name] = np.log1p(y) - np.log1p(np.concatenate([out_of_fold, predicted]))
        fitted[candidate.name] = model
        held[candidate.name] = predicted
    baseline = np.full(len(hold_y), float(np.mean(train_y)))
    scores["mean_baseline"] = {
        "holdout_r2": log_r2(hold_y, baseline),
        "holdout_mae": float(mean_absolute_error(hold_y, baseline)),
    }
    best = max(candidates, key=lambda c: scores[c.name]["holdout_r2"])
    comparison = (
        compare_with_incumbent(incumbent, frame[cut:], hold_x, hold_y, held[best.name])
        if incumbent is not None
        else {}
    )
    importances = permutation_importance(
        fitted[best.name],
        hold_x.to_numpy(),
        np.log1p(hold_y) if best.target == "log1p" else hold_y,
        n_repeats=3,
        random_state=seed,
    ).importances_mean
    per_feature = {n: max(float(v), 0.0) for n, v in zip(FEATURE_NAMES, importances, strict=True)}
    total = sum(per_feature.values()) or 1.0
    groups = {
        g: sum(v for n, v in per_feature.items() if FEATURES[n][0] == g) / total for g in GROUPS
    }
    final = best.fit(features, y)  # the winner learns from every row, holdout included
    trained_at = now or utcnow()
    hours = features["hour_of_day"].to_numpy().astype(int)
    resid = residuals[best.name]
    return ModelArtifact(
        version=_version(trained_at, frame),
        trained_at=trained_at,
        candidate=best.name,
        target=best.target,
        estimator=final,
        feature_names=FEATURE_NAMES,
        metrics={
            **scores[best.name],
            "baseline_holdout_r2": scores["mean_baseline"]["holdout_r2"],
            **comparison,
        },
        candidates={k: {m: round(v, 4) for m, v in s.items()} for k, s in scores.items()},
        importances={n: round(v / total, 4) for n, v in per_feature.items()},
        importance_groups=groups,
        rows=len(frame),
        partitions=sorted(frame["partition"].astype(str).unique().tolist()),
        residual_sigma=float(np.std(resid[cut:])),
        account_stats=_account_stats(frame, hours, resid),
        platform_medians={
            str(p): float(np.log1p(np.median(g)))
            for p, g in pd.Series(y).groupby(frame["platform"].to_numpy())
        },
        trained_until=pd.Timestamp(frame["posted_at"].max()).to_pydatetime(),
        cell_counts=_cell_counts(frame, features),
        compared_with=incumbent.version if incumbent is not None else None,
    )
