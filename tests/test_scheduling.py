"""Creating, moving and cancelling tasks: refusals store nothing; zones are the account's."""

from __future__ import annotations

from datetime import timedelta

import pytest

from scheduling_platform.lifecycle import InvalidTransitionError, TaskStatus
from scheduling_platform.platforms.rules import ContentRejectedError, weibo_length
from scheduling_platform.scheduling.tasks import (
    SchedulingError,
    cancel_task,
    reschedule_task,
    schedule_task,
)
from scheduling_platform.store.records import NotFoundError
from scheduling_platform.store.task_store import TaskStore
from scheduling_platform.timeutil import InvalidTimeError, utcnow
from tests.samples import D0, D2, MIDSUMMER


@pytest.fixture
def account(store: TaskStore):
    return store.add_account("weibo", "brand", "Asia/Shanghai", {"access_token": "t"})


def test_time_without_zone_is_read_in_the_accounts_zone(store: TaskStore, account) -> None:
    task = schedule_task(store, account.id, "hi", f"{D0}T09:30")
    assert task.scheduled_at.isoformat() == f"{D0}T01:30:00+00:00"


def test_time_with_zone_is_kept(store: TaskStore, account) -> None:
    task = schedule_task(store, account.id, "hi", f"{D0}T09:30:00Z")
    assert task.scheduled_at.isoformat() == f"{D0}T09:30:00+00:00"


def test_account_in_another_zone(store: TaskStore) -> None:
    other = store.add_account("weibo", "eu", "Europe/Berlin", {})
    task = schedule_task(store, other.id, "hi", f"{MIDSUMMER}T09:00")
    assert task.scheduled_at.hour == 7  # CEST is UTC+2


@pytest.mark.parametrize(
    ("content", "at", "priority", "error", "message"),
    [
        ("hi", "2020-01-01T00:00", 5, SchedulingError, "in the past"),
        ("", f"{D0}T00:00", 5, ContentRejectedError, "empty"),
        ("   ", f"{D0}T00:00", 5, ContentRejectedError, "empty"),
        ("长" * 141, f"{D0}T00:00", 5, ContentRejectedError, "at most 140"),
        ("hi", "tomorrow-ish", 5, InvalidTimeError, "not an ISO 8601"),
        ("hi", f"{D0}T00:00", 11, SchedulingError, "between 1 and 10"),
    ],
)
def test_refusals_store_nothing(
    store: TaskStore, account, content, at, priority, error, message
) -> None:
    with pytest.raises(error, match=message):
        schedule_task(store, account.id, content, at, priority=priority)
    assert store.list_tasks() == []


def test_unknown_account_is_refused(store: TaskStore) -> None:
    with pytest.raises(NotFoundError, match="no account with id 42"):
        schedule_task(store, 42, "hi", f"{D0}T00:00")


def test_weibo_counts_two_ascii_characters_as_one() -> None:
    assert weibo_length("ab") == 1
    assert weibo_length("长") == 1
    assert weibo_length("a" * 280) == 140
    assert weibo_length("a" * 281) == 141


def test_cancel_and_reschedule(store: TaskStore, account) -> None:
    task = schedule_task(store, account.id, "hi", utcnow() + timedelta(hours=1))
    moved = reschedule_task(store, task.id, f"{D2}T10:00")
    assert moved.scheduled_at.isoformat() == f"{D2}T02:00:00+00:00"
    with pytest.raises(SchedulingError, match="in the past"):
        reschedule_task(store, task.id, "2001-01-01T00:00")
    assert store.get_task(task.id).scheduled_at == moved.scheduled_at
    assert cancel_task(store, task.id).task.status is TaskStatus.CANCELLED
    with pytest.raises(InvalidTransitionError, match="no longer be cancelled"):
        cancel_task(store, task.id)
    with pytest.raises(InvalidTransitionError, match="cannot be moved"):
        reschedule_task(store, task.id, f"{D2}T00:00")


def test_a_zone_name_of_any_length_is_refused_as_unknown() -> None:
    from scheduling_platform.timeutil import InvalidTimeError, zone

    for name in ("a" * 5000, "é" * 300, "\x00", "Asia/../../etc/passwd"):
        with pytest.raises(InvalidTimeError, match="unknown time zone"):
            zone(name)
