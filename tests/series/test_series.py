"""Series on a real store (SQLite and Postgres): expansion ahead, EXDATE, edits and
cancellations in all three scopes; cancelled occurrences never come back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from scheduling_platform.lifecycle import SeriesStatus, TaskStatus
from scheduling_platform.scheduling.conflicts.rules import ConflictRules
from scheduling_platform.scheduling.expansion import expand_series
from scheduling_platform.scheduling.recurrence import RecurrenceError
from scheduling_platform.scheduling.series import (
    Changes,
    Expansion,
    Scope,
    cancel_series,
    create_series,
    upcoming,
)
from scheduling_platform.scheduling.series_edits import edit_series
from scheduling_platform.store.task_store import TaskStore

NOW = datetime(2031, 3, 1, 0, 0, tzinfo=UTC)  # Saturday 08:00 in Shanghai
WEEK = Expansion(ConflictRules(), timedelta(days=7), 50)
DAILY = "FREQ=DAILY;BYHOUR=9;BYMINUTE=0"
COVER = "/media/sha256/ab/cover.jpg"


@pytest.fixture
def account(store: TaskStore):
    return store.add_account("wechat", "oa", "Asia/Shanghai", {})


def make(store: TaskStore, account, rule: str = DAILY, **extra):
    defaults = {
        # A WeChat article needs a cover; a store reference is all the domain keeps.
        "changes": Changes(content="每日一读", start="2031-03-01T09:00", media=(COVER,)),
        "strategy": "fixed",
        "until": None,
        "count": None,
        "exdates": (),
    }
    return create_series(
        store, WEEK, account_id=account.id, rule=rule, now=NOW, actor="test", **(defaults | extra)
    )


def scheduled(store: TaskStore, series_id: int) -> list[tuple[str, str]]:
    """(local day, content) of the series' tasks still going out."""
    return [
        (t.scheduled_at.astimezone(UTC).date().isoformat(), t.content)
        for t in store.series_tasks([series_id])
        if t.status is TaskStatus.SCHEDULED
    ]


def expand(store: TaskStore, now: datetime = NOW):
    return expand_series(store, ConflictRules(), now=now, horizon=timedelta(days=7), max_ahead=50)


def test_creating_makes_the_occurrences_within_the_horizon_linked_to_the_series(
    store: TaskStore, account
) -> None:
    made, report = make(store, account)
    assert len(report.created) == 7 and report.refused == []
    tasks = store.series_tasks([made.id])
    assert [t.occurrence_start for t in tasks] == [
        datetime(2031, 3, d, 1, 0, tzinfo=UTC) for d in range(1, 8)
    ]
    assert all(t.series_id == made.id and t.scheduled_at == t.occurrence_start for t in tasks)
    # Lazily: the next run a day later makes one more, and never the same one twice.
    assert len(expand(store).created) == 0
    later = expand(store, NOW + timedelta(days=1))
    assert [o.occurrence.local.day for o in later.created] == [8]
    coming = upcoming(store, made, NOW)
    assert len(coming) == 10 and [u.task is not None for u in coming] == [True] * 8 + [False] * 2


def test_exdates_and_cancelled_occurrences_never_come_back(store: TaskStore, account) -> None:
    made, _ = make(store, account, exdates=("2031-03-02", "2031-03-03T09:00"))
    days = [d for d, _ in scheduled(store, made.id)]
    assert "2031-03-02" not in days and "2031-03-03" not in days  # UTC 01:00 = 09:00 local
    cancel_series(store, made.id, Scope.ONE, "2031-03-04T09:00", now=NOW, actor="test")
    for day in range(0, 10):
        expand(store, NOW + timedelta(days=day))
    days = [d for d, _ in scheduled(store, made.id)]
    assert {"2031-03-02", "2031-03-03", "2031-03-04"}.isdisjoint(days)
    assert "2031-03-05" in days
    shown = [u.occurrence.local.day for u in upcoming(store, store.get_series(made.id), NOW)]
    assert 4 not in shown and shown[:3] == [1, 5, 6]


def test_edit_the_whole_series(store: TaskStore, account) -> None:
    made, _ = make(store, account)
    edit_series(
        store, WEEK, made.id, Scope.ALL, None, Changes(content="新内容"), now=NOW, actor="t"
    )
    assert {c for _, c in scheduled(store, made.id)} == {"新内容"}
    # A new rule: occurrences it no longer has are cancelled, new ones made.
    edit_series(
        store,
        WEEK,
        made.id,
        Scope.ALL,
        None,
        Changes(rrule="FREQ=WEEKLY;BYDAY=MO,WE;BYHOUR=9"),
        now=NOW,
        actor="t",
    )
    days = [d for d, _ in scheduled(store, made.id)]
    assert days == ["2031-03-03", "2031-03-05"]  # Monday and Wednesday of that week


def test_edit_this_and_following(store: TaskStore, account) -> None:
    made, _ = make(store, account, count=10)
    successor = edit_series(
        store,
        WEEK,
        made.id,
        Scope.FOLLOWING,
        "2031-03-04T09:00",
        Changes(content="后半段"),
        now=NOW,
        actor="t",
    )
    assert successor.parent_id == made.id and successor.id != made.id
    assert "UNTIL=20310304T085959" in store.get_series(made.id).rrule
    assert scheduled(store, made.id) == [(f"2031-03-0{d}", "每日一读") for d in (1, 2, 3)]
    # The new series has the occurrences left of the ten: 4 March to 10 March.
    assert successor.rrule.endswith("COUNT=7")
    assert [d for d, c in scheduled(store, successor.id) if c == "后半段"] == [
        f"2031-03-0{d}" for d in range(4, 8)
    ]


def test_edit_one_occurrence(store: TaskStore, account) -> None:
    made, _ = make(store, account)
    edit_series(
        store,
        WEEK,
        made.id,
        Scope.ONE,
        "2031-03-02T09:00",
        Changes(content="特别版", at="2031-03-02T12:00"),
        now=NOW,
        actor="t",
    )
    # Not yet made: made now, edited, and left alone by later expansions.
    edit_series(
        store,
        WEEK,
        made.id,
        Scope.ONE,
        "2031-03-20T09:00",
        Changes(content="远期特别版"),
        now=NOW,
        actor="t",
    )
    expand(store, NOW + timedelta(days=19))
    tasks = {t.occurrence_start.day: t for t in store.series_tasks([made.id])}
    assert tasks[2].content == "特别版" and tasks[2].scheduled_at.hour == 4  # 12:00 local
    assert tasks[20].content == "远期特别版"
    assert tasks[3].content == "每日一读"
    assert len([t for t in store.series_tasks([made.id]) if t.occurrence_start.day == 20]) == 1


def test_cancel_following_and_all(store: TaskStore, account) -> None:
    made, _ = make(store, account)
    cancel_series(store, made.id, Scope.FOLLOWING, "2031-03-05T09:00", now=NOW, actor="t")
    assert [d for d, _ in scheduled(store, made.id)] == [f"2031-03-0{d}" for d in range(1, 5)]
    expand(store, NOW + timedelta(days=5))
    assert len(scheduled(store, made.id)) == 4
    cancel_series(store, made.id, Scope.ALL, None, now=NOW, actor="t")
    assert scheduled(store, made.id) == []
    assert store.get_series(made.id).status is SeriesStatus.CANCELLED
    assert upcoming(store, store.get_series(made.id), NOW) == []


def test_occurrences_are_conflict_checked_like_any_post(store: TaskStore) -> None:
    weibo = store.add_account("weibo", "brand", "Asia/Shanghai", {})
    other = store.create_task(weibo, "别的内容", datetime(2031, 3, 2, 1, 2, tzinfo=UTC))
    made, report = make(store, weibo, count=3)
    # 2 March clashes with the other post and repeats 1 March's text right after it (Weibo
    # refuses that); 3 March follows the other post, so its text is no repeat.
    refused = {o.occurrence.local.day: {c.rule for c in o.conflicts} for o in report.refused}
    assert refused == {2: {"min_gap", "identical_consecutive"}}
    assert [o.occurrence.local.day for o in report.created] == [1, 3]
    coming = upcoming(store, made, NOW)
    assert {c["rule"] for c in coming[1].conflicts} == {"min_gap", "identical_consecutive"}
    assert [c["other_task_ids"] for c in coming[1].conflicts if c["rule"] == "min_gap"] == [
        [other.id]
    ]
    # With conflict_avoidance an occurrence that only clashes in time is moved.
    avoiding, report = make(
        store, store.add_account("wechat", "x", "Asia/Shanghai", {}), strategy="conflict_avoidance"
    )
    assert report.refused == []


def test_a_rule_without_future_occurrences_is_refused(store: TaskStore, account) -> None:
    with pytest.raises(RecurrenceError, match="no occurrence after now"):
        make(store, account, until="2031-02-01T00:00")
    with pytest.raises(RecurrenceError, match="invalid 'FREQ'"):
        make(store, account, rule="FREQ=FORTNIGHTLY")
