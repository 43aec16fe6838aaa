"""Scoring many drafts in one model call: a batch's windows (`score_windows`) and its posts
each at its chosen slot (`score_posts`), as `scoring.score_slots` scores one draft's slots
(tests/strategies checks they agree row for row)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from scheduling_platform.intelligence.artifact import ModelArtifact
from scheduling_platform.intelligence.features import HOUR_OF_DAY, feature_matrix, text_counts
from scheduling_platform.intelligence.priors import prior_artifact
from scheduling_platform.intelligence.scoring import (
    POOLING_PRIOR_POSTS,
    PostDraft,
    blend_with_prior,
    leans_on_prior,
    score_slots,
)


def score_posts(
    artifact: ModelArtifact, drafts: list[PostDraft], times: pd.DatetimeIndex
) -> tuple[np.ndarray, np.ndarray]:
    """`score_slots`' pooled prediction (and account weight) of each draft at its own time,
    in one model call: a batch's posts each at its chosen slot (`score_windows` for windows).

    As `score_slots` does, the model is asked at the local half hours around each time
    (`hour_anchors`) and the time interpolates between the two in log space (a smooth
    5-minute curve); rows of one draft that share an anchor score it once.
    tests/strategies checks it agrees with `score_slots` row for row."""
    n = len(drafts)
    if n == 0:
        return np.zeros(0), np.zeros(0)
    # Each row's draft as a group number (a draft object may repeat), so the per-draft work
    # (its zone, its model row per anchor) is done once per group.
    ids = np.fromiter(map(id, drafts), dtype=np.uint64, count=n)
    _, first_row, keys = np.unique(ids, return_index=True, return_inverse=True)
    if len(first_row) == 1:  # one window: score_slots itself
        alone = score_slots(artifact, drafts[0], times)
        return (
            alone["predicted"].to_numpy(dtype=float),
            alone["account_weight"].to_numpy(dtype=float),
        )
    at = times.as_unit("ns").asi8
    keys = keys.reshape(-1).astype(np.int64)
    row_zones = np.array([drafts[int(i)].timezone for i in first_row], dtype=object)[keys]
    into_hour = np.zeros(n, dtype=np.int64)
    for zone in set(row_zones):
        rows = np.flatnonzero(row_zones == zone)
        local = times[rows].tz_convert(zone)
        seconds = local.minute.to_numpy(np.int64) * 60 + local.second.to_numpy(np.int64)
        into_hour[rows] = seconds * 10**9
    hour = 3600 * 10**9
    centre = at - into_hour + hour // 2  # the h:30 of the time's own local hour
    lower = np.where(at >= centre, centre, centre - hour)
    fraction = (at - lower) / hour
    # One model row per (draft, anchor).
    instants, when = np.unique(np.concatenate([lower, lower + hour]), return_inverse=True)
    pairs = np.concatenate([keys, keys]) * len(instants) + when.reshape(-1)
    unique, first, inverse = np.unique(pairs, return_index=True, return_inverse=True)
    inverse = inverse.reshape(-1)
    low, high = inverse[:n], inverse[n:]
    anchor_drafts = [drafts[int(i) % n] for i in first]
    anchor_times = instants[unique % len(instants)]
    own = np.where(lower == centre, low, high)
    anchored = pd.DatetimeIndex(pd.to_datetime(anchor_times, unit="ns", utc=True))
    pooled, weight = _anchor_scores(artifact, anchor_drafts, anchored)
    levels = np.log1p(pooled)
    interpolated = np.expm1((1 - fraction) * levels[low] + fraction * levels[high])
    return interpolated, weight[own]


def score_windows(
    artifact: ModelArtifact,
    drafts: list[PostDraft],
    windows: list[pd.DatetimeIndex],
    anchors: list[pd.DatetimeIndex],
) -> list[tuple[np.ndarray, np.ndarray]]:
    """`score_slots`' predicted and account weight over each draft's window, in one model
    call: each window's anchors (`hour_anchors(window, draft.timezone)`, given: a batch's
    windows mostly share a grid and a zone, so they share them) scored for its draft, and
    the slots interpolated between them in log space."""
    if not drafts:
        return []
    anchor_drafts = [d for d, at in zip(drafts, anchors, strict=True) for _ in range(len(at))]
    anchored = anchors[0].append(anchors[1:]) if len(anchors) > 1 else anchors[0]
    pooled, weight = _anchor_scores(artifact, anchor_drafts, pd.DatetimeIndex(anchored))
    scored = []
    first = 0
    half_hour = pd.Timedelta(minutes=30)
    for window, at in zip(windows, anchors, strict=True):
        levels = np.log1p(pooled[first : first + len(at)])
        at_ns, slots_ns = at.as_unit("ns").asi8, window.as_unit("ns").asi8
        predicted = np.expm1(np.interp(slots_ns, at_ns, levels))
        # A slot's own anchor: the h:30 of its local hour, the last anchor by its time + 30'.
        own = at.searchsorted(window + half_hour, side="right") - 1
        scored.append((predicted, weight[first : first + len(at)][own]))
        first += len(at)
    return scored


def _anchor_scores(
    artifact: ModelArtifact, drafts: list[PostDraft], anchored: pd.DatetimeIndex
) -> tuple[np.ndarray, np.ndarray]:
    """The pooled prediction and account weight of each draft at its anchor, leaning on the
    shipped prior as `score_slots` does."""
    curve, pooled, weight = _pooled_at(artifact, drafts, anchored)
    # score_slots leans on the shipped prior where the model saw few posts of an hour: so
    # here, with the prior's curve at every anchor in one call.
    platforms = np.array([d.platform for d in drafts], dtype=object)
    leaning = [p for p in set(platforms) if leans_on_prior(artifact, p)]
    if leaning:
        prior, _, _ = _pooled_at(prior_artifact(), drafts, anchored)
        local_hours = np.zeros(len(drafts), dtype=int)
        anchor_zones = np.array([d.timezone for d in drafts], dtype=object)
        for zone in set(anchor_zones):
            rows = np.flatnonzero(anchor_zones == zone)
            local_hours[rows] = anchored[rows].tz_convert(zone).hour.to_numpy()
        for platform in leaning:
            rows = np.flatnonzero(platforms == platform)
            _, pooled[rows] = blend_with_prior(
                artifact, platform, local_hours[rows], curve[rows], pooled[rows], prior[rows]
            )
    return pooled, weight


def _pooled_at(
    artifact: ModelArtifact, drafts: list[PostDraft], times: pd.DatetimeIndex
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The platform curve, pooled prediction and account weight of each draft at exactly its
    time."""
    seen: dict[int, tuple[int, int, int]] = {}  # a window repeats one draft object
    for d in drafts:
        if id(d) not in seen:
            seen[id(d)] = text_counts(d.text)
    counts = [seen[id(d)] for d in drafts]
    stats = [artifact.account_stats.get(d.account_key) for d in drafts]  # shared dicts
    columns = {
        "posted_at": times,
        "timezone": [d.timezone for d in drafts],
        "platform": [d.platform for d in drafts],
        "content_type": [d.content_type for d in drafts],
        "text_length": [c[0] for c in counts],
        "media_count": [d.media_count for d in drafts],
        "hashtag_count": [c[1] for c in counts],
        "link_count": [c[2] for c in counts],
        "followers": [float(d.followers) for d in drafts],
        "paid": [d.paid for d in drafts],
        "category": [d.category for d in drafts],
    }
    history = {
        "account_recent_median": [
            s["recent_median_log"] if s else artifact.platform_medians.get(d.platform, -1.0)
            for d, s in zip(drafts, stats, strict=True)
        ],
        "account_history_posts": [min(s["posts"], 50) if s else 0 for s in stats],
    }
    matrix = feature_matrix(columns, history)
    curve = artifact.predict_matrix(matrix)
    hours = matrix[:, HOUR_OF_DAY].astype(int)
    pooled = curve.astype(float).copy()
    weight = np.zeros(len(drafts))
    # Rows of one account are pooled together (a window is 2,016 rows of one draft).
    by_key: dict[str, list[int]] = {}
    for n, d in enumerate(drafts):
        by_key.setdefault(d.account_key, []).append(n)
    for key, rows in by_key.items():
        found = artifact.account_stats.get(key)
        if not found:
            continue
        at = np.asarray(rows)
        counts_h = np.asarray(found["hour_count"], dtype=float)
        sums = np.asarray(found["hour_residual_sum"], dtype=float)
        shrunk = sums / (counts_h + POOLING_PRIOR_POSTS)
        pooled[at] = np.expm1(np.log1p(curve[at]) + shrunk[hours[at]])
        weight[at] = (counts_h / (counts_h + POOLING_PRIOR_POSTS))[hours[at]]
    return curve.astype(float), pooled, weight
