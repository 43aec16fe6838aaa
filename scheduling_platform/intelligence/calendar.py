"""Chinese public holidays and adjusted working days, vectorised for feature building."""

from __future__ import annotations

from functools import lru_cache

import chinese_calendar
import numpy as np
import pandas as pd

# Beyond this many days the distance to the next holiday carries no more signal; it is also
# what dates past the package's last known year get (the State Council publishes yearly).
MAX_DAYS_TO_HOLIDAY = 60


@lru_cache(maxsize=1)
def _tables() -> tuple[np.ndarray, np.ndarray]:
    holidays = np.array(sorted(chinese_calendar.holidays), dtype="datetime64[D]")
    workdays = np.array(sorted(chinese_calendar.workdays), dtype="datetime64[D]")
    return holidays, workdays


def calendar_features(local_dates: pd.Series | np.ndarray) -> pd.DataFrame:
    """is_public_holiday, is_adjusted_workday, is_day_off, days_to_next_holiday per local date."""
    days = pd.to_datetime(pd.Series(local_dates)).to_numpy().astype("datetime64[D]")
    holidays, workdays = _tables()
    is_holiday = np.isin(days, holidays)
    is_adjusted = np.isin(days, workdays)
    weekday = (days.astype("int64") - 4) % 7  # 1970-01-01 was a Thursday; 0 = Monday
    day_off = is_holiday | ((weekday >= 5) & ~is_adjusted)
    # Distance to the next statutory holiday strictly after the day (0 on the eve of one).
    index = np.searchsorted(holidays, days, side="right")
    found = index < len(holidays)
    nxt = holidays[np.minimum(index, len(holidays) - 1)]
    distance = np.where(found, (nxt - days).astype("int64") - 1, MAX_DAYS_TO_HOLIDAY)
    return pd.DataFrame(
        {
            "is_public_holiday": is_holiday.astype(np.int8),
            "is_adjusted_workday": is_adjusted.astype(np.int8),
            "is_day_off": day_off.astype(np.int8),
            "days_to_next_holiday": np.minimum(distance, MAX_DAYS_TO_HOLIDAY).astype(np.int16),
        }
    )
