"""Chinese public holidays and adjusted working days (调休), vectorised for feature building.

Two sources: `chinesecalendar` carries the State Council's published days off and adjusted
working days up to its last release's year; the `holidays` package computes the statutory
(lunar and solar) holidays for any year, and knows some adjusted working days too. Within
the published years the published days are used; after them the computed holidays are, and
the adjusted working days are unknown: such dates have `adjustments_known = 0`, never a
silent "ordinary day".
"""

from __future__ import annotations

from functools import lru_cache

import chinese_calendar
import holidays as holiday_rules
import numpy as np
import pandas as pd

# Beyond this many days the distance to the next holiday carries no more signal.
MAX_DAYS_TO_HOLIDAY = 60


@lru_cache(maxsize=1)
def _published() -> tuple[frozenset, frozenset, int, int]:
    """(days off, adjusted working days, first and last year) as published."""
    years = {d.year for d in chinese_calendar.holidays}
    computed = holiday_rules.China(years=range(min(years), max(years) + 2))
    workdays = set(chinese_calendar.workdays) | set(computed.weekend_workdays)
    last = max(d.year for d in workdays)
    return frozenset(chinese_calendar.holidays), frozenset(workdays), min(years), last


def load_calendars() -> None:
    """Load both sources now: the holidays package imports its rules for China on first use,
    and with the published days that costs a quarter of a second, which a server pays at
    start rather than in its first scheduling decision's answer."""
    _published()


def adjustments_known_until() -> int:
    """The last year whose adjusted working days are published in the installed sources."""
    return _published()[3]


@lru_cache(maxsize=32)
def _tables(first: int, last: int) -> tuple[np.ndarray, np.ndarray]:
    """Sorted days off and adjusted working days for the years first..last."""
    days_off, workdays, known_from, known_until = _published()
    holidays = {d for d in days_off if first <= d.year <= last}
    outside = [y for y in range(first, last + 1) if y < known_from or y > known_until]
    if outside:
        holidays |= set(holiday_rules.China(years=outside))
    return (
        np.array(sorted(holidays), dtype="datetime64[D]"),
        np.array(sorted(d for d in workdays if first <= d.year <= last), dtype="datetime64[D]"),
    )


def calendar_features(local_dates: pd.Series | np.ndarray) -> pd.DataFrame:
    """is_public_holiday, is_adjusted_workday, is_day_off, days_to_next_holiday and
    adjustments_known per local date."""
    days = pd.to_datetime(pd.Series(local_dates)).to_numpy().astype("datetime64[D]")
    years = days.astype("datetime64[Y]").astype(int) + 1970
    if len(days) == 0:
        years = np.array([1970])
    # The next year too, so that late-December days find the next holiday.
    holidays, workdays = _tables(int(years.min()), int(years.max()) + 1)
    is_holiday = np.isin(days, holidays)
    is_adjusted = np.isin(days, workdays)
    weekday = (days.astype("int64") - 4) % 7  # 1970-01-01 was a Thursday; 0 = Monday
    day_off = is_holiday | ((weekday >= 5) & ~is_adjusted)
    # Distance to the next statutory holiday strictly after the day (0 on the eve of one).
    index = np.searchsorted(holidays, days, side="right")
    found = index < len(holidays)
    nxt = holidays[np.minimum(index, max(len(holidays) - 1, 0))] if len(holidays) else days
    distance = np.where(found, (nxt - days).astype("int64") - 1, MAX_DAYS_TO_HOLIDAY)
    return pd.DataFrame(
        {
            "is_public_holiday": is_holiday.astype(np.int8),
            "is_adjusted_workday": is_adjusted.astype(np.int8),
            "is_day_off": day_off.astype(np.int8),
            "days_to_next_holiday": np.minimum(distance, MAX_DAYS_TO_HOLIDAY).astype(np.int16),
            "adjustments_known": (years <= adjustments_known_until()).astype(np.int8)[: len(days)],
        }
    )
