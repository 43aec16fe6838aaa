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
from scheduling_platform.intelligence.batch_scoring import score_posts, score_windows
from scheduling_platform.intelligence.exploration import Exploration, LevelDraws, LocalAnchors
from scheduling_platform.intelligence.features import text_counts
from scheduling_platform.intelligence.priors import prior_artifact
from scheduling_platform.intelligence.registry import ModelRegistry
from scheduling_platform.intelligence.scoring import (
    SLOT_MINUTES,
    draft_for,
    hour_anchors,
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
        # By (zone, first slot, step, slot count) (`_grid_key`): a grid's anchors in a zone.
        self._anchors_of: dict[tuple[object, ...], pd.DatetimeIndex] = {}
        self._local: dict[tuple[object, ...], LocalAnchors] = {}

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
            drafts, slots, anchors = [], [], []
            grids: dict[tuple[datetime, int], pd.DatetimeIndex] = {}  # mostly one start
            for account, content, media, title, start, length in todo.values():
                kind = content_type_of(account.platform, media, title)
                count = max(int(length / timedelta(minutes=SLOT_MINUTES)), 1)
                window = grids.get((start, count))
                if window is None:
                    window = grids[start, count] = week_slots(start, count)
                drafts.append(draft_for(account, content, kind, len(media)))
                slots.append(window)
                anchors.append(self._anchors(window, account.timezone))
            scored = score_windows(self.artifact, drafts, slots, anchors)
            for key, request, window, (predicted, weight) in zip(
                todo, todo.values(), slots, scored, strict=True
            ):
                low, high = self._band(predicted)
                self._cache[key] = WindowScores(
                    window,
                    predicted,
                    low.clip(min=0),
                    high,
                    weight,
                    self.artifact.version,
                    text_counts(request[1]),
                    self.artifact.basis,
                )
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
        window when the model sees the same text (or no text: the prior), else all scored in
        one call."""
        found: dict[int, float] = {}
        missing = []
        time_only = getattr(self.artifact.estimator, "time_only", False)
        for n, (scores, index, account, content, media, title) in enumerate(posts):
            if time_only or text_counts(content) == scores.text_key:
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
        explore: Exploration,
    ) -> np.ndarray:
        """One Thompson draw of the window's predictions over the model's uncertainty
        (`intelligence.exploration`), for a decision that explores; the slot it ranks first
        keeps the model's own prediction (`scores.predicted`).

        The draw is the window's log levels plus the posterior's noise at its local half
        hours, interpolated as `score_slots` interpolates (the interpolation is linear in
        log space, so this is `score_slots(..., explore=explore)["sampled"]`), without scoring the
        window again: an explored decision costs a draw, not a model call."""
        held = self._draws.get(id(scores))
        if held is None:
            kind = content_type_of(account.platform, media, title)
            draft = draft_for(account, content, kind, len(media))  # its zone and platform
            anchors, local = self._local_anchors(scores.slots, draft.timezone)
            at_slots = scores.slots.asi8.astype(float)
            at_anchors = anchors.asi8.astype(float)
            levels = np.log1p(scores.predicted)
            anchor_levels = np.interp(at_anchors, at_slots, levels)
            draws = LevelDraws.at(self.artifact, draft, anchors, anchor_levels, local)
            window = _WindowDraws(at_slots, at_anchors, levels, draws)
            held = self._draws[id(scores)] = (scores, window)
        window = held[1]
        noise = explore.sample(window.draws) - window.draws.levels
        return np.expm1(window.levels + np.interp(window.at_slots, window.at_anchors, noise))

    def _anchors(self, slots: pd.DatetimeIndex, timezone: str) -> pd.DatetimeIndex:
        """The slots' anchors (`hour_anchors`), worked out once for the windows of a batch on
        one grid in one zone (they mostly start together)."""
        key = _grid_key(slots, timezone)
        anchors = self._anchors_of.get(key) if key is not None else None
        if anchors is None:
            anchors = hour_anchors(slots, timezone)
            if key is not None:
                self._anchors_of[key] = anchors
        return anchors

    def _local_anchors(
        self, slots: pd.DatetimeIndex, timezone: str
    ) -> tuple[pd.DatetimeIndex, LocalAnchors]:
        """The anchors and their local times, for draws (only an explored decision needs
        those)."""
        anchors = self._anchors(slots, timezone)
        key = _grid_key(slots, timezone)
        local = self._local.get(key) if key is not None else None
        if local is None:
            local = LocalAnchors.of(anchors, timezone)
            if key is not None:
                self._local[key] = local
        return anchors, local


def _grid_key(slots: pd.DatetimeIndex, timezone: str) -> tuple[object, ...] | None:
    """What identifies a regular grid of slots read in a zone; None for an irregular one."""
    return (timezone, slots[0], slots.freq, len(slots)) if slots.freq and len(slots) else None


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
