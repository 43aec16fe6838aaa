"""Scoring every 5-minute slot of the coming week for one post, in one vectorised call.

Partial pooling: the model gives the platform-wide expectation for the slot (it knows the
account only through its size and recent median); the account's own residuals at that local
hour (out-of-fold, from training) move it by their mean shrunk by n / (n + prior). A new
account follows the platform curve; one with long history follows its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from scheduling_platform.intelligence.artifact import ModelArtifact
from scheduling_platform.intelligence.features import (
    DEFAULT_FOLLOWERS,
    HOUR_OF_DAY,
    PLATFORM_CODES,
    feature_matrix,
    text_counts,
)
from scheduling_platform.store.records import Account
from scheduling_platform.timeutil import as_utc

if TYPE_CHECKING:
    from scheduling_platform.intelligence.exploration import Exploration

SLOT_MINUTES = 5
WEEK_SLOTS = 7 * 24 * 60 // SLOT_MINUTES  # 2,016

POOLING_PRIOR_POSTS = 20.0  # an account's own hour effect gets weight n / (n + this)
PRIOR_CELL_POSTS = 2.0  # the model's curve at a local hour weighs n / (n + this)


@dataclass(frozen=True)
class PostDraft:
    """What the model needs to know of a post that is not out yet."""

    platform: str
    account_key: str
    timezone: str
    text: str
    content_type: str = "text"
    media_count: int = 0
    followers: float = DEFAULT_FOLLOWERS
    paid: int = 0
    category: int = -1


@dataclass(frozen=True)
class SlotChoice:
    """The winning slot and why: the scores around it and how much the account's own
    history weighed against the platform-wide curve."""

    slot: datetime
    predicted: float
    uncertainty: float
    platform_curve: float  # the model's prediction before the account's own hour effect
    account_weight: float  # n / (n + prior) of the account's posts at that local hour
    median_slot: float  # median predicted engagement over all slots, for comparison
    model_version: str
    basis: str = "trained"  # "prior": no model trained yet, the shipped prior curves chose
    explored: bool = False  # a Thompson draw chose the slot, not the best prediction


def week_slots(start: datetime, count: int = WEEK_SLOTS) -> pd.DatetimeIndex:
    """`count` slot starts from the first 5-minute boundary after `start` (UTC)."""
    start = as_utc(start)
    first = pd.Timestamp(start).ceil(f"{SLOT_MINUTES}min")
    if first <= pd.Timestamp(start):
        first += pd.Timedelta(minutes=SLOT_MINUTES)
    return pd.date_range(first, periods=count, freq=f"{SLOT_MINUTES}min", tz="UTC")


def hour_anchors(slots: pd.DatetimeIndex, timezone: str) -> pd.DatetimeIndex:
    """The local half hours (h:30) around `slots`, one hour before the first to one after.

    The model is asked at these only; the slots in between interpolate, so 5-minute slots
    follow a smooth curve instead of the trees' splits on the minute (noise, not signal).
    """
    local = slots.tz_convert(timezone)
    into_hour = pd.to_timedelta(local.minute * 60 + local.second, unit="s")
    centres = (slots - into_hour + pd.Timedelta(minutes=30)).unique().sort_values()
    hour = pd.Timedelta(hours=1)
    ends = pd.DatetimeIndex([centres[0] - hour, centres[-1] + hour])
    return pd.DatetimeIndex(centres.append(ends)).sort_values()


def _interpolate(
    anchors: pd.DatetimeIndex, values: np.ndarray, slots: pd.DatetimeIndex
) -> np.ndarray:
    seconds = anchors.asi8 / 1e9
    return np.interp(slots.asi8 / 1e9, seconds, values)


def score_slots(
    artifact: ModelArtifact,
    draft: PostDraft,
    slots: pd.DatetimeIndex,
    *,
    explore: Exploration | None = None,
) -> pd.DataFrame:
    """One row per slot: slot, platform_curve, account_weight, predicted (pooled).

    Predictions are made at the local half hours (`hour_anchors`) and interpolated in log
    space between them, in time order. With `explore`, a column `sampled` holds one Thompson
    draw of the prediction (`exploration.sample_levels`), interpolated the same way.
    """
    if len(slots) == 0:
        return pd.DataFrame(columns=["slot", "platform_curve", "account_weight", "predicted"])
    anchors = hour_anchors(slots, draft.timezone)
    curve, weight, pooled = _score_at(artifact, draft, anchors)
    curve, pooled = towards_prior(artifact, draft, anchors, curve, pooled)
    sampled = None
    if explore is not None:
        from scheduling_platform.intelligence.exploration import sample_levels

        sampled = sample_levels(artifact, draft, anchors, np.log1p(pooled), explore)
    slot_hours = slots.tz_convert(draft.timezone).hour.to_numpy()
    anchor_hours = anchors.tz_convert(draft.timezone).hour.to_numpy()
    by_hour = dict(zip(anchor_hours, weight, strict=True))
    scores = pd.DataFrame(
        {
            "slot": slots,
            "platform_curve": np.expm1(_interpolate(anchors, np.log1p(curve), slots)),
            "account_weight": np.array([by_hour[h] for h in slot_hours], dtype=float),
            "predicted": np.expm1(_interpolate(anchors, np.log1p(pooled), slots)),
        }
    )
    if sampled is not None:
        scores["sampled"] = np.expm1(_interpolate(anchors, sampled, slots))
    return scores


def towards_prior(
    artifact: ModelArtifact,
    draft: PostDraft,
    anchors: pd.DatetimeIndex,
    curve: np.ndarray,
    pooled: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Where the model saw few posts of the platform at a local hour (any day), lean on the
    shipped prior's shape (at the model's level) rather than on the trees' extrapolation:
    weight n / (n + PRIOR_CELL_POSTS) on the model. A model trained on a few hours only
    otherwise finds its best hour among those it never saw (03:00, in the closed loop)."""
    if not leans_on_prior(artifact, draft.platform):
        return curve, pooled
    from scheduling_platform.intelligence.priors import prior_artifact

    prior, _, _ = _score_at(prior_artifact(), draft, anchors)
    local_hours = anchors.tz_convert(draft.timezone).hour.to_numpy()
    return blend_with_prior(artifact, draft.platform, local_hours, curve, pooled, prior)


def leans_on_prior(artifact: ModelArtifact, platform: str) -> bool:
    """Whether `towards_prior` changes this model's predictions for the platform."""
    if getattr(artifact.estimator, "centred_on_prior", False):
        return False  # its curve starts from the prior and leaves it as posts come in
    counts = getattr(artifact, "cell_counts", {}).get(platform)
    return bool(artifact.basis != "prior" and counts and platform in artifact.platform_medians)


def blend_with_prior(
    artifact: ModelArtifact,
    platform: str,
    local_hours: np.ndarray,
    curve: np.ndarray,
    pooled: np.ndarray,
    prior: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """`towards_prior` given the shipped prior's curve at the same rows (`prior`)."""
    if not leans_on_prior(artifact, platform):
        return curve, pooled
    from scheduling_platform.intelligence.priors import prior_artifact

    shipped = prior_artifact()
    model_level, prior_level = np.log1p(curve), np.log1p(prior)
    # The prior's shape at the model's level, by constants of the platform (not of the
    # window), so a slot scores the same whichever window it is scored in.
    code = PLATFORM_CODES.index(platform) if platform in PLATFORM_CODES else -1
    level = artifact.platform_medians[platform]
    prior_level = prior_level - float(shipped.estimator.table[code].mean()) + level
    counts = artifact.cell_counts[platform]
    by_hour = np.asarray(counts, dtype=float).reshape(7, 24).sum(axis=0)
    seen = by_hour[local_hours]
    weight = seen / (seen + PRIOR_CELL_POSTS)
    blended = weight * model_level + (1 - weight) * prior_level
    return np.expm1(blended), np.expm1(np.log1p(pooled) - model_level + blended)


def _score_at(
    artifact: ModelArtifact, draft: PostDraft, slots: pd.DatetimeIndex
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(platform curve, account weight, pooled prediction) at exactly `slots`."""
    length, hashtags, links = text_counts(draft.text)
    n = len(slots)
    columns = {
        "posted_at": slots,
        "timezone": np.repeat(draft.timezone, n),
        "platform": np.repeat(draft.platform, n),
        "content_type": np.repeat(draft.content_type, n),
        "text_length": np.full(n, length),
        "media_count": np.full(n, draft.media_count),
        "hashtag_count": np.full(n, hashtags),
        "link_count": np.full(n, links),
        "followers": np.full(n, float(draft.followers)),
        "paid": np.full(n, draft.paid),
        "category": np.full(n, draft.category),
    }
    stats = artifact.account_stats.get(draft.account_key)
    # An account the model has not seen gets the platform's median level (its cold start).
    level = (
        stats["recent_median_log"] if stats else artifact.platform_medians.get(draft.platform, -1.0)
    )
    history = {
        "account_recent_median": np.full(n, level),
        "account_history_posts": np.full(n, min(stats["posts"], 50) if stats else 0),
    }
    matrix = feature_matrix(columns, history)
    curve = artifact.predict_matrix(matrix)
    hours = matrix[:, HOUR_OF_DAY].astype(int)
    if stats:
        counts = np.asarray(stats["hour_count"], dtype=float)
        sums = np.asarray(stats["hour_residual_sum"], dtype=float)
        shrunk = sums / (counts + POOLING_PRIOR_POSTS)  # mean residual times n / (n + prior)
        weight = (counts / (counts + POOLING_PRIOR_POSTS))[hours]
        pooled = np.expm1(np.log1p(curve) + shrunk[hours])
    else:
        weight = np.zeros(n)
        pooled = curve
    return curve, weight, pooled


def best_slot(
    artifact: ModelArtifact,
    draft: PostDraft,
    start: datetime,
    *,
    within_days: float = 7.0,
    explore: Exploration | None = None,
) -> SlotChoice:
    """The slot with the highest pooled prediction in the next `within_days` days.

    With `explore`, the slot with the highest Thompson draw instead:
    hours the model knows little about are sometimes tried, so they are learned. The choice
    still reports the model's own prediction for the slot.
    """
    if not 0 < within_days <= 7:
        raise ValueError(f"--within-days must be in (0, 7], not {within_days}")
    count = max(int(within_days * 24 * 60 // SLOT_MINUTES), 1)
    scores = score_slots(artifact, draft, week_slots(start, count), explore=explore)
    ranking = scores["sampled"] if explore is not None else scores["predicted"]
    row = scores.iloc[int(np.argmax(ranking.to_numpy()))]
    predicted = float(row["predicted"])
    return SlotChoice(
        slot=row["slot"].to_pydatetime(),
        predicted=predicted,
        # One standard deviation of the log residuals, as engagement above the prediction.
        uncertainty=float((predicted + 1) * (np.exp(artifact.residual_sigma) - 1)),
        platform_curve=float(row["platform_curve"]),
        account_weight=float(row["account_weight"]),
        median_slot=float(scores["predicted"].median()),
        model_version=artifact.version,
        basis=artifact.basis,
        explored=explore is not None,
    )


def best_hour_of_day(artifact: ModelArtifact, draft: PostDraft, start: datetime) -> int:
    """The local hour whose slots score highest on average over the coming week.

    Averaging the hour's 84 slots over the week is steadier than the single best slot, which
    a holiday or one noisy day can pull elsewhere.
    """
    scores = score_slots(artifact, draft, week_slots(start))
    hours = scores["slot"].dt.tz_convert(draft.timezone).dt.hour
    by_hour = scores.groupby(hours)["predicted"].mean()
    return int(by_hour.index.to_numpy()[by_hour.to_numpy().argmax()])


def draft_for(account: Account, content: str, content_type: str, media_count: int) -> PostDraft:
    return PostDraft(
        platform=account.platform,
        account_key=f"account:{account.id}",
        timezone=account.timezone,
        text=content,
        content_type=content_type,
        media_count=media_count,
        followers=float(DEFAULT_FOLLOWERS if account.followers is None else account.followers),
    )
