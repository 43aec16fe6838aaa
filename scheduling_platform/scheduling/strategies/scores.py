"""The model's predictions for every 5-minute slot of a window, through the prediction
interface of `intelligence.scoring` (the model in use, loaded once per request or batch; on
day one, before any model is trained, the shipped prior curves)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cached_property

import numpy as np
import pandas as pd

from scheduling_platform.intelligence.artifact import ModelArtifact
from scheduling_platform.intelligence.exploration import LevelDraws, LocalAnchors
from scheduling_platform.intelligence.features import HOUR_OF_DAY, feature_matrix, text_counts
from scheduling_platform.intelligence.priors import prior_artifact
from scheduling_platform.intelligence.registry import ModelRegistry
from scheduling_platform.intelligence.scoring import (
    POOLING_PRIOR_POSTS,
    SLOT_MINUTES,
    PostDraft,
    blend_with_prior,
    draft_for,
    hour_anchors,
    leans_on_prior,
    score_slots,
    week_slots,
)
from scheduling_platform.scheduling.tasks import SchedulingError
from scheduling_platform.store.records import Account
from scheduling_platform.store.task_store import TaskStore

DEFAULT_WINDOW = timedelta(days=7)
MAX_WINDOW = timedelta(days=28)
_WINDOW = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([dhm])\s*$")
_UNITS = {"d": "days", "h": "hours", "m": "minutes"}
VIDEO_SUFFIXES = (".mp4", ".webm", ".mov")


def parse_window(text: str | None) -> timedelta:
    """`7d`, `36h`, `90m` (default 7 days, at most 28)."""
    if text is None or text == "":
        return DEFAULT_WINDOW
    match = _WINDOW.match(text)
    if not match:
        raise SchedulingError(f"window {text!r} is not like 7d, 36h or 90m")
    window = timedelta(**{_UNITS[match[2]]: float(match[1])})
    if not timedelta(minutes=SLOT_MINUTES) <= window <= MAX_WINDOW:
        raise SchedulingError(f"window {text!r} must be between 5 minutes and 28 days")
    return window


def window_text(window: timedelta) -> str:
    """`7d`, `36h` or `90m`, as the window was given."""
    minutes = int(window.total_seconds() // 60)
    if minutes % (24 * 60) == 0:
        return f"{minutes // (24 * 60)}d"
    return f"{minutes // 60}h" if minutes % 60 == 0 else f"{minutes}m"


def content_type_of(platform: str, media: tuple[str, ...], title: str | None) -> str:
    """The model's content type of a post, from what it carries."""
    if platform == "douyin" or any(m.lower().endswith(VIDEO_SUFFIXES) for m in media):
        return "video"
    if media:
        return "image"
    return "article" if platform == "wechat" or title else "text"


@dataclass(frozen=True)
class WindowScores:
    """Predicted engagement of each slot start of a window (UTC), with a one-sigma band."""

    slots: pd.DatetimeIndex
    predicted: np.ndarray
    low: np.ndarray
    high: np.ndarray
    account_weight: np.ndarray  # how much the account's own history moved each slot
    model_version: str
    text_key: tuple[int, int, int]  # what the model saw of the text the window was scored with
    basis: str = "trained"  # "prior": no model trained yet, the shipped prior curves scored

    @cached_property
    def median(self) -> float:
        return float(np.median(self.predicted)) if len(self.predicted) else 0.0

    @cached_property
    def ranked(self) -> np.ndarray:
        """Slot indexes, best predicted first (ties in time order): shared by the posts of a
        batch that share the window."""
        return np.argsort(-self.predicted, kind="stable")

    @cached_property
    def starts(self) -> list[datetime]:
        """The slot starts as datetimes: indexing a DatetimeIndex costs 30 us a slot, and a
        batch's free-slot search asks for thousands."""
        return list(self.slots.to_pydatetime())

    @cached_property
    def micros(self) -> np.ndarray:
        """The slot starts as UTC microseconds since the epoch (see `Neighbourhood.within_gap`)."""
        return self.slots.as_unit("us").asi8

    @cached_property
    def _grid(self) -> tuple[datetime, timedelta] | None:
        """(first start, step) of a regular window (`week_slots`' are), else None."""
        freq = self.slots.freq
        if freq is None or not len(self.slots):
            return None
        first = self.slots[0].to_pydatetime()
        if len(self.slots) == 1:
            return first, timedelta(0)
        return first, (self.slots[1] - self.slots[0]).to_pytimedelta()

    def at(self, index: int) -> datetime:
        grid = self._grid  # a regular window's slot is computed, not read off `starts`
        return grid[0] + grid[1] * int(index) if grid is not None else self.starts[index]

    def uncertainty(self, index: int) -> float:
        """One standard deviation above the prediction (log-normal residuals)."""
        return float(self.high[index] - self.predicted[index])


# The model in use, unpickled once per process and store (a version never changes).
_LOADED: dict[tuple[str, str], ModelArtifact] = {}


def model_in_use(store: TaskStore) -> ModelArtifact:
    """The model in use; on day one (none trained yet) the shipped prior curves."""
    registry = ModelRegistry(store)
    version = registry.current_version()
    if version is None:
        return prior_artifact()
    key = (str(store.engine.url), version)
    if key not in _LOADED:
        if len(_LOADED) > 8:
            _LOADED.clear()
        _LOADED[key] = registry.load(version)
    return _LOADED[key]


class Predictor:
    """The model in use (or the day-one prior), loaded once; scores windows for posts of
    given accounts.

    Scores are kept per (account, content type, media count): the posts of one batch that
    share them share one slot ranking (the time curve); each stored prediction is still the
    model's for the post's own text (`predict_at`).
    """

    def __init__(self, store: TaskStore, artifact: ModelArtifact | None = None) -> None:
        self.artifact = artifact or model_in_use(store)
        self._cache: dict[tuple[object, ...], WindowScores] = {}
        # Per window, by identity: what its Thompson draws share (see `sampled`); the window
        # is held beside it, so its id is not reused while the entry stands.
        self._draws: dict[int, tuple[WindowScores, _WindowDraws]] = {}
        # (zone, first slot, step, slot count) -> the grid's anchors read in that zone.
        self._local: dict[tuple[object, ...], tuple[pd.DatetimeIndex, LocalAnchors]] = {}

    @property
    def version(self) -> str:
        return self.artifact.version

    @property
    def basis(self) -> str:
        return self.artifact.basis

    def _band(self, predicted: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        spread = np.exp(self.artifact.residual_sigma)
        return (predicted + 1) / spread - 1, (predicted + 1) * spread - 1

    def window(
        self,
        account: Account,
        content: str,
        media: tuple[str, ...],
        title: str | None,
        start: datetime,
        length: timedelta,
    ) -> WindowScores:
        """Every slot of the window scored for this post (shared by the posts of one account,
        content type and media count: see the class)."""
        (scores,) = self.windows([(account, content, media, title, start, length)])
        return scores

    def windows(self, requests: list[WindowRequest]) -> list[WindowScores]:
        """`window` for many posts, the ones not scored yet all in one model call."""
        keys = [self._key(*r) for r in requests]
        todo: dict[tuple[object, ...], WindowRequest] = {}
        for key, request in zip(keys, requests, strict=True):
            if key not in self._cache:
                todo.setdefault(key, request)
        if todo:
            drafts, slots, sizes = [], [], []
            for account, content, media, title, start, length in todo.values():
                kind = content_type_of(account.platform, media, title)
                count = max(int(length / timedelta(minutes=SLOT_MINUTES)), 1)
                window = week_slots(start, count)
                drafts += [draft_for(account, content, kind, len(media))] * count
                slots.append(window)
                sizes.append(count)
            times = slots[0].append(slots[1:]) if len(slots) > 1 else slots[0]
            pooled, weight = score_posts(self.artifact, drafts, pd.DatetimeIndex(times))
            first = 0
            for (key, request), window, size in zip(todo.items(), slots, sizes, strict=True):
                predicted = pooled[first : first + size]
                low, high = self._band(predicted)
                self._cache[key] = WindowScores(
                    window,
                    predicted,
                    low.clip(min=0),
                    high,
                    weight[first : first + size],
                    self.artifact.version,
                    text_counts(request[1]),
                    self.artifact.basis,
                )
                first += size
        return [self._cache[key] for key in keys]

    @staticmethod
    def _key(
        account: Account,
        content: str,
        media: tuple[str, ...],
        title: str | None,
        start: datetime,
        length: timedelta,
    ) -> tuple[object, ...]:
        return (
            account.id,
            content_type_of(account.platform, media, title),
            len(media),
            start,
            length,
        )

    def predict_at(
        self,
        scores: WindowScores,
        index: int,
        account: Account,
        content: str,
        media: tuple[str, ...],
        title: str | None,
    ) -> tuple[float, float]:
        """The model's prediction and uncertainty for this very post at slot `index`."""
        ((predicted, uncertainty),) = self.predict_many(
            [(scores, index, account, content, media, title)]
        )
        return predicted, uncertainty

    def predict_many(self, posts: list[AtSlot]) -> list[tuple[float, float]]:
        """The model's prediction and uncertainty for each post at its slot: read from its
        window when the model sees the same text, else all scored in one call."""
        found: dict[int, float] = {}
        missing = []
        for n, (scores, index, account, content, media, title) in enumerate(posts):
            if text_counts(content) == scores.text_key:
                found[n] = float(scores.predicted[index])
            else:
                kind = content_type_of(account.platform, media, title)
                missing.append((n, draft_for(account, content, kind, len(media)), scores, index))
        if missing:
            times = pd.DatetimeIndex([s.slots[i] for _, _, s, i in missing])
            scored, _ = score_posts(self.artifact, [d for _, d, _, _ in missing], times)
            found |= {n: float(v) for (n, *_), v in zip(missing, scored, strict=True)}
        predicted = np.array([found[n] for n in range(len(posts))])
        _, high = self._band(predicted)
        return [(float(p), float(h - p)) for p, h in zip(predicted, high, strict=True)]

    def sampled(
        self,
        scores: WindowScores,
        account: Account,
        content: str,
        media: tuple[str, ...],
        title: str | None,
        rng: np.random.Generator,
    ) -> np.ndarray:
        """One Thompson draw of the window's predictions over the model's uncertainty
        (`intelligence.exploration`), for a decision that explores; the slot it ranks first
        keeps the model's own prediction (`scores.predicted`).

        The draw is the window's log levels plus the posterior's noise at its local half
        hours, interpolated as `score_slots` interpolates (the interpolation is linear in
        log space, so this is `score_slots(..., rng=rng)["sampled"]`), without scoring the
        window again: an explored decision costs a draw, not a model call."""
        held = self._draws.get(id(scores))
        if held is None:
            kind = content_type_of(account.platform, media, title)
            draft = draft_for(account, content, kind, len(media))  # its zone and platform
            anchors, local = self._anchors(scores, draft.timezone)
            at_slots = scores.slots.asi8.astype(float)
            at_anchors = anchors.asi8.astype(float)
            levels = np.log1p(scores.predicted)
            anchor_levels = np.interp(at_anchors, at_slots, levels)
            draws = LevelDraws.at(self.artifact, draft, anchors, anchor_levels, local)
            window = _WindowDraws(at_slots, at_anchors, levels, draws)
            held = self._draws[id(scores)] = (scores, window)
        window = held[1]
        noise = window.draws.sample(rng) - window.draws.levels
        return np.expm1(window.levels + np.interp(window.at_slots, window.at_anchors, noise))

    def _anchors(
        self, scores: WindowScores, timezone: str
    ) -> tuple[pd.DatetimeIndex, LocalAnchors]:
        """The window's anchors and their local times in `timezone`: worked out once for the
        windows of a batch on one grid (a batch's windows mostly start at the same time)."""
        grid = scores._grid
        key = (timezone, *grid, len(scores.slots)) if grid is not None else None
        found = self._local.get(key) if key is not None else None
        if found is None:
            anchors = hour_anchors(scores.slots, timezone)
            found = (anchors, LocalAnchors.of(anchors, timezone))
            if key is not None:
                self._local[key] = found
        return found


@dataclass(frozen=True)
class _WindowDraws:
    at_slots: np.ndarray  # the slots and their anchors as epoch nanoseconds
    at_anchors: np.ndarray
    levels: np.ndarray  # the slots' predicted log levels
    draws: LevelDraws


# A post's window: (account, content, media, title, start, length).
WindowRequest = tuple[Account, str, tuple[str, ...], str | None, datetime, timedelta]
# A post at a slot of its window: (scores, index, account, content, media, title).
AtSlot = tuple[WindowScores, int, Account, str, tuple[str, ...], str | None]


def score_posts(
    artifact: ModelArtifact, drafts: list[PostDraft], times: pd.DatetimeIndex
) -> tuple[np.ndarray, np.ndarray]:
    """`score_slots`' pooled prediction (and account weight) of each draft at its own time,
    in one model call: a batch's windows, or its posts each at its chosen slot.

    As `score_slots` does, the model is asked at the local half hours around each time
    (`hour_anchors`) and the time interpolates between the two in log space (a smooth
    5-minute curve); the anchors a window's rows share are scored once.
    tests/strategies checks it agrees with `score_slots` row for row."""
    n = len(drafts)
    if n == 0:
        return np.zeros(0), np.zeros(0)
    # Each row's draft as a group number: a window repeats one draft object 2,016 times, so
    # the per-draft work (its zone, its model row per anchor) is done once per group.
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
    # One model row per (draft, anchor): a window's 2,016 slots share about 170 anchors.
    instants, when = np.unique(np.concatenate([lower, lower + hour]), return_inverse=True)
    pairs = np.concatenate([keys, keys]) * len(instants) + when.reshape(-1)
    unique, first, inverse = np.unique(pairs, return_index=True, return_inverse=True)
    inverse = inverse.reshape(-1)
    low, high = inverse[:n], inverse[n:]
    anchor_drafts = [drafts[int(i) % n] for i in first]
    anchor_times = instants[unique % len(instants)]
    own = np.where(lower == centre, low, high)
    anchored = pd.DatetimeIndex(pd.to_datetime(anchor_times, unit="ns", utc=True))
    curve, pooled, weight = _pooled_at(artifact, anchor_drafts, anchored)
    # score_slots leans on the shipped prior where the model saw few posts of an hour: so
    # here, with the prior's curve at every anchor in one call.
    platforms = np.array([d.platform for d in anchor_drafts], dtype=object)
    leaning = [p for p in set(platforms) if leans_on_prior(artifact, p)]
    if leaning:
        prior, _, _ = _pooled_at(prior_artifact(), anchor_drafts, anchored)
        local_hours = np.zeros(len(anchor_drafts), dtype=int)
        anchor_zones = np.array([d.timezone for d in anchor_drafts], dtype=object)
        for zone in set(anchor_zones):
            rows = np.flatnonzero(anchor_zones == zone)
            local_hours[rows] = anchored[rows].tz_convert(zone).hour.to_numpy()
        for platform in leaning:
            rows = np.flatnonzero(platforms == platform)
            _, pooled[rows] = blend_with_prior(
                artifact, platform, local_hours[rows], curve[rows], pooled[rows], prior[rows]
            )
    levels = np.log1p(pooled)
    interpolated = np.expm1((1 - fraction) * levels[low] + fraction * levels[high])
    return interpolated, weight[own]


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
