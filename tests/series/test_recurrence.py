"""RRULE expansion across DST changes (America/New_York and Asia/Shanghai, both directions,
gap and fold times), exclusions, ends, and refusals with the parser's own message."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from scheduling_platform.scheduling.recurrence import Recurrence, RecurrenceError, normalise_exdate

NOW_2026 = datetime(2026, 1, 1, tzinfo=UTC)


def rule(text: str, zone: str, start: str, now: datetime = NOW_2026, **extra) -> Recurrence:
    return Recurrence.parse(text, timezone=zone, dtstart=start, now=now, **extra)


def local_and_utc(r: Recurrence, after: datetime, limit: int) -> list[tuple[str, str]]:
    return [(o.local.isoformat(), o.start.isoformat()) for o in r.occurrences(after, limit=limit)]


def test_nine_stays_nine_in_new_york_across_both_changes() -> None:
    weekly = rule("FREQ=WEEKLY;BYDAY=SU;BYHOUR=9;BYMINUTE=0", "America/New_York", "2026-03-01")
    spring = local_and_utc(weekly, NOW_2026, 2)
    assert spring == [
        ("2026-03-01T09:00:00-05:00", "2026-03-01T14:00:00+00:00"),
        ("2026-03-08T09:00:00-04:00", "2026-03-08T13:00:00+00:00"),  # EDT from this day
    ]
    autumn = local_and_utc(weekly, datetime(2026, 10, 24, tzinfo=UTC), 2)
    assert autumn == [
        ("2026-10-25T09:00:00-04:00", "2026-10-25T13:00:00+00:00"),
        ("2026-11-01T09:00:00-05:00", "2026-11-01T14:00:00+00:00"),  # EST again
    ]
    assert all(o.note is None for o in weekly.occurrences(NOW_2026, limit=60))


def test_a_time_in_the_spring_gap_goes_out_an_hour_later_and_says_so() -> None:
    daily = rule("FREQ=DAILY;BYHOUR=2;BYMINUTE=30", "America/New_York", "2026-03-07")
    saturday, sunday, monday = daily.occurrences(NOW_2026, limit=3)
    assert saturday.local.isoformat() == "2026-03-07T02:30:00-05:00" and saturday.note is None
    # 02:30 does not exist on 2026-03-08: read with the offset before the gap (EST), 03:30 EDT.
    assert sunday.start.isoformat() == "2026-03-08T07:30:00+00:00"
    assert sunday.local.isoformat() == "2026-03-08T03:30:00-04:00"
    assert "does not exist" in sunday.note and "RFC 5545" in sunday.note
    assert monday.local.isoformat() == "2026-03-09T02:30:00-04:00" and monday.note is None


def test_a_time_in_the_autumn_fold_takes_its_first_occurrence_and_says_so() -> None:
    daily = rule("FREQ=DAILY;BYHOUR=1;BYMINUTE=30", "America/New_York", "2026-10-31")
    saturday, sunday, monday = daily.occurrences(NOW_2026, limit=3)
    assert saturday.local.isoformat() == "2026-10-31T01:30:00-04:00" and saturday.note is None
    assert sunday.local.isoformat() == "2026-11-01T01:30:00-04:00"  # the first 01:30 (EDT)
    assert sunday.start.isoformat() == "2026-11-01T05:30:00+00:00"
    assert "occurs twice" in sunday.note
    assert monday.local.isoformat() == "2026-11-02T01:30:00-05:00" and monday.note is None


def test_shanghai_keeps_one_offset_while_new_york_changes() -> None:
    weekly = rule("FREQ=WEEKLY;BYDAY=SU;BYHOUR=9", "Asia/Shanghai", "2026-03-01T09:00")
    for after in (NOW_2026, datetime(2026, 10, 24, tzinfo=UTC)):  # both US change weekends
        for o in weekly.occurrences(after, limit=3):
            assert o.local.strftime("%H:%M%z") == "09:00+0800"
            assert o.start.strftime("%H:%M") == "01:00" and o.note is None


def test_shanghai_gap_and_fold_when_china_had_summer_time() -> None:
    # China kept summer time 1986-1991: in 1988 clocks went 02:00->03:00 on 17 April and
    # 02:00->01:00 on 11 September. The same rule applies there.
    then = datetime(1988, 1, 1, tzinfo=UTC)
    gap = rule("FREQ=DAILY;BYHOUR=2;BYMINUTE=30;COUNT=2", "Asia/Shanghai", "1988-04-16", then)
    assert local_and_utc(gap, then, 2) == [
        ("1988-04-16T02:30:00+08:00", "1988-04-15T18:30:00+00:00"),
        ("1988-04-17T03:30:00+09:00", "1988-04-16T18:30:00+00:00"),
    ]
    fold = rule("FREQ=DAILY;BYHOUR=1;BYMINUTE=30;COUNT=2", "Asia/Shanghai", "1988-09-10", then)
    occurrences = fold.occurrences(then, limit=2)
    assert [o.local.isoformat() for o in occurrences] == [
        "1988-09-10T01:30:00+09:00",
        "1988-09-11T01:30:00+09:00",  # the first of the two 01:30s
    ]
    assert "occurs twice" in occurrences[1].note


def test_exdates_remove_a_time_or_a_whole_day() -> None:
    exdates = tuple(
        normalise_exdate(e, "Asia/Shanghai") for e in ("2026-03-04T09:00", "2026-03-09")
    )
    r = rule(
        "FREQ=WEEKLY;BYDAY=MO,WE;BYHOUR=9;BYMINUTE=0",
        "Asia/Shanghai",
        "2026-03-02",
        exdates=exdates,
    )
    days = [o.local.date().isoformat() for o in r.occurrences(NOW_2026, limit=3)]
    assert days == ["2026-03-02", "2026-03-11", "2026-03-16"]
    # A time with an offset is read as the same instant's wall time in the zone.
    assert normalise_exdate("2026-03-04T01:00:00Z", "Asia/Shanghai") == "2026-03-04T09:00:00"


def test_count_and_until_end_the_series() -> None:
    counted = rule("FREQ=DAILY;BYHOUR=9", "Asia/Shanghai", "2026-03-01", count=3)
    assert len(counted.occurrences(NOW_2026, limit=10)) == 3 and counted.rule.endswith("COUNT=3")
    until = rule("FREQ=DAILY;BYHOUR=9", "Asia/Shanghai", "2026-03-01", until="2026-03-03T09:00")
    assert len(until.occurrences(NOW_2026, limit=10)) == 3
    # RFC 5545 writes UNTIL in UTC when DTSTART is zoned: it is read as the same instant.
    utc = rule("FREQ=DAILY;BYHOUR=9;UNTIL=20260303T010000Z", "Asia/Shanghai", "2026-03-01")
    assert len(utc.occurrences(NOW_2026, limit=10)) == 3
    with pytest.raises(RecurrenceError, match="not both"):
        rule("FREQ=DAILY", "Asia/Shanghai", "2026-03-01", count=3, until="2026-04-01")


def test_the_next_ten_however_far_ahead() -> None:
    leap = rule("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29;BYHOUR=9", "Asia/Shanghai", "2028-02-29")
    years = [o.local.year for o in leap.occurrences(NOW_2026, limit=10)]
    assert years == [2028, 2032, 2036, 2040, 2044, 2048, 2052, 2056, 2060, 2064]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("FREQ=WEEKLY;BYDAY=XX", "invalid 'BYDAY': XX"),
        ("FREQ=SOMETIMES", "invalid 'FREQ': SOMETIMES"),
        ("FREQ=DAILY;BYHOUR=25", "BYHOUR"),
        ("WEEKLY", "not valid"),
    ],
)
def test_a_bad_rrule_is_refused_with_the_parsers_message(text: str, message: str) -> None:
    with pytest.raises(RecurrenceError, match=message) as caught:
        rule(text, "Asia/Shanghai", "2026-03-01")
    assert text in str(caught.value)
