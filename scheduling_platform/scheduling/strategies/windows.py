"""Preferred posting windows: weekdays x a time range in the account's zone, written as
`mon-fri 12:00-14:00` or `sat,sun 09:30-11:00` (the end may be 24:00; ranges do not cross
midnight: give two)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from scheduling_platform.scheduling.tasks import SchedulingError

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_SPEC = re.compile(r"^\s*([a-z,\- ]+?)\s+(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


@dataclass(frozen=True, order=True)
class PostingWindow:
    weekday: int  # 0 = Monday
    start_minute: int
    end_minute: int  # exclusive

    def text(self) -> str:
        return f"{DAYS[self.weekday]} {_clock(self.start_minute)}-{_clock(self.end_minute)}"

    def row(self) -> tuple[int, int, int]:
        return self.weekday, self.start_minute, self.end_minute


def _clock(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def _days(text: str) -> list[int]:
    found: list[int] = []
    for part in text.replace(" ", "").split(","):
        ends = part.split("-")
        if len(ends) > 2 or any(e not in DAYS for e in ends):
            raise SchedulingError(f"{part!r} is not a weekday or a range like mon-fri")
        first, last = DAYS.index(ends[0]), DAYS.index(ends[-1])
        if last < first:
            raise SchedulingError(f"{part!r} runs backwards; write e.g. sat,sun or mon-fri")
        found += range(first, last + 1)
    return found


def parse_windows(specs: Iterable[str]) -> list[PostingWindow]:
    """Windows from specs like `mon-fri 12:00-14:00`; a bad one refuses them all."""
    windows: set[PostingWindow] = set()
    for spec in specs:
        match = _SPEC.match(spec.lower())
        if not match:
            raise SchedulingError(f"window {spec!r} is not like 'mon-fri 12:00-14:00'")
        start = int(match[2]) * 60 + int(match[3])
        end = int(match[4]) * 60 + int(match[5])
        if int(match[3]) > 59 or int(match[5]) > 59 or not 0 <= start < end <= 24 * 60:
            raise SchedulingError(f"window {spec!r}: the range must run forward within one day")
        windows |= {PostingWindow(day, start, end) for day in _days(match[1])}
    return sorted(windows)


def describe(windows: Sequence[PostingWindow]) -> str:
    """One line for people: days with the same range are grouped (`mon,tue 12:00-14:00`)."""
    ranges: dict[tuple[int, int], list[int]] = {}
    for w in windows:
        ranges.setdefault((w.start_minute, w.end_minute), []).append(w.weekday)
    return "; ".join(
        f"{','.join(DAYS[d] for d in days)} {_clock(s)}-{_clock(e)}"
        for (s, e), days in sorted(ranges.items(), key=lambda kv: (kv[1][0], kv[0]))
    )


def inside(slots: pd.DatetimeIndex, zone_name: str, windows: Sequence[PostingWindow]) -> np.ndarray:
    """Which slots (UTC) fall inside any window, in the account's zone."""
    local = slots.tz_convert(zone_name)
    weekday = np.asarray(local.weekday)
    minute = np.asarray(local.hour * 60 + local.minute)
    mask = np.zeros(len(slots), dtype=bool)
    for w in windows:
        mask |= (weekday == w.weekday) & (minute >= w.start_minute) & (minute < w.end_minute)
    return mask


def matching(at: pd.Timestamp, zone_name: str, windows: Sequence[PostingWindow]) -> str | None:
    """The window a time falls in, as text (None: none)."""
    local = at.tz_convert(zone_name)
    minute = local.hour * 60 + local.minute
    for w in windows:
        if w.weekday == local.weekday() and w.start_minute <= minute < w.end_minute:
            return w.text()
    return None
