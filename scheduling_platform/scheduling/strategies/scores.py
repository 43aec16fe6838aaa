"""The model's predictions for every 5-minute slot of a window, through the prediction
interface of `intelligence.scoring` (the model in use, loaded once per request or batch)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
import pandas as pd

from scheduling_platform.intelligence.artifact import ModelArtifact
from scheduling_platform.intelligence.features import text_counts
from scheduling_platform.intelligence.registry import ModelRegistry, RegistryError
from scheduling_platform.intelligence.scoring import (
    SLOT_MINUTES,
    draft_for,
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

    @property
    def median(self) -> float:
        return float(np.median(self.predicted)) if len(self.predicted) else 0.0

    def at(self, index: int) -> datetime:
        return self.slots[index].to_pydatetime()

    def uncertainty(self, index: int) -> float:
        """One standard deviation above the prediction (log-normal residuals)."""
        return float(self.high[index] - self.predicted[index])


class Predictor:
    """The model in use, loaded once; scores windows for posts of given accounts.

    Scores are kept per (account, content type, media count): the posts of one batch that
    share them share one slot ranking (the time curve); each stored prediction is still the
    model's for the post's own text (`predict_at`).
    """

    def __init__(self, store: TaskStore, artifact: ModelArtifact | None = None) -> None:
        artifact = artifact or ModelRegistry(store).current()
        if artifact is None:
            raise RegistryError(
                "no model is in use yet, so no slot can be scored; run "
                "`scheduling-platform model retrain`, or give a time (--at)"
            )
        self.artifact = artifact
        self._cache: dict[tuple[object, ...], WindowScores] = {}

    @property
    def version(self) -> str:
        return self.artifact.version

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
        kind = content_type_of(account.platform, media, title)
        key = (account.id, kind, len(media), start, length)
        if key not in self._cache:
            count = max(int(length / timedelta(minutes=SLOT_MINUTES)), 1)
            draft = draft_for(account, content, kind, len(media))
            scores = score_slots(self.artifact, draft, week_slots(start, count))
            predicted = scores["predicted"].to_numpy(dtype=float)
            low, high = self._band(predicted)
            self._cache[key] = WindowScores(
                pd.DatetimeIndex(scores["slot"]),
                predicted,
                low.clip(min=0),
                high,
                scores["account_weight"].to_numpy(dtype=float),
                self.artifact.version,
                text_counts(content),
            )
        return self._cache[key]

    def predict_at(
        self,
        scores: WindowScores,
        index: int,
        account: Account,
        content: str,
        media: tuple[str, ...],
        title: str | None,
    ) -> tuple[float, float]:
        """The model's prediction and uncertainty for this very post at slot `index` of its
        window: read from the window when the model sees the same text, else scored."""
        if text_counts(content) == scores.text_key:
            return float(scores.predicted[index]), scores.uncertainty(index)
        at = scores.at(index)
        kind = content_type_of(account.platform, media, title)
        draft = draft_for(account, content, kind, len(media))
        one = score_slots(self.artifact, draft, pd.DatetimeIndex([pd.Timestamp(at)]))
        predicted = float(one["predicted"].iloc[0])
        _, high = self._band(np.array([predicted]))
        return predicted, float(high[0] - predicted)
