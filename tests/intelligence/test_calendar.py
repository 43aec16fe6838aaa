"""Holidays for any year, adjusted working days where published, and the rest marked unknown."""

import pandas as pd

from scheduling_platform.intelligence.calendar import adjustments_known_until, calendar_features


def _features(*dates: str) -> pd.DataFrame:
    frame = calendar_features(pd.Series(pd.to_datetime(list(dates))))
    frame.index = list(dates)
    return frame


def test_published_years_use_the_published_days_off_and_adjusted_working_days() -> None:
    assert adjustments_known_until() >= 2026
    f = _features("2026-02-17", "2026-02-14", "2026-02-15", "2026-03-03")
    assert f.loc["2026-02-17", "is_public_holiday"] == 1  # Spring Festival
    # Saturday 14 February 2026 is a working day by the State Council's notice.
    assert f.loc["2026-02-14", ["is_adjusted_workday", "is_day_off"]].tolist() == [1, 0]
    assert f.loc["2026-02-15", "is_day_off"] == 1
    assert f["adjustments_known"].tolist() == [1, 1, 1, 1]
    # The Qingming days off start on Saturday 4 April; 0 would be its eve.
    assert f.loc["2026-03-03", "days_to_next_holiday"] == 31


def test_later_years_compute_lunar_holidays_and_say_adjustments_are_unknown() -> None:
    # Spring Festival 2031 falls on 23 January, 2035 on 8 February (lunar calendar).
    f = _features("2031-01-23", "2035-02-08", "2035-02-20", "2035-01-31")
    assert f.loc["2031-01-23", "is_public_holiday"] == 1
    assert f.loc["2035-02-08", "is_public_holiday"] == 1
    assert f.loc["2035-02-20", "is_public_holiday"] == 0
    assert f["adjustments_known"].tolist() == [0, 0, 0, 0]
    assert f["is_adjusted_workday"].sum() == 0
    # Not "far from any holiday": the eve of the computed festival is close to it.
    assert f.loc["2035-01-31", "days_to_next_holiday"] < 10
