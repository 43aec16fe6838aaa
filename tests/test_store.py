"""The task store on SQLite and PostgreSQL: migrations, transitions, claims, audit, UTC times."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from scheduling_platform.lifecycle import InvalidTransitionError, TaskStatus
from scheduling_platform.store.engine import migrate
from scheduling_platform.store.leases import release_expired_leases
from scheduling_platform.store.records import NotFoundError
from scheduling_platform.store.task_store import DuplicateAccountError, TaskStore
from scheduling_platform.timeutil import utcnow


def _account(store: TaskStore, name: str = "brand", platform: str = "weibo"):
    return store.add_account(platform, name, "Asia/Shanghai", {"access_token": "t"})


def test_migrations_are_idempotent(store: TaskStore) -> None:
    migrate(store.engine)
    migrate(store.engine)
    assert store.list_accounts() == []


def test_duplicate_account_is_refused(store: TaskStore) -> None:
    _account(store)
    with pytest.raises(DuplicateAccountError, match="exists already"):
        _account(store)
    assert len(store.list_accounts()) == 1


def test_times_come_back_aware_and_in_utc(store: TaskStore) -> None:
    account = _account(store)
    shanghai_noon = datetime(2030, 5, 1, 12, 0, tzinfo=timezone(timedelta(hours=8)))
    task = store.create_task(account, "hello", shanghai_noon)
    again = store.get_task(task.id)
    assert again.scheduled_at == shanghai_noon
    assert again.scheduled_at.tzinfo is not None
    assert again.scheduled_at.utcoffset() == timedelta(0)
    assert again.scheduled_at.hour == 4


def test_naive_times_are_refused(store: TaskStore) -> None:
    account = _account(store)
    with pytest.raises(Exception, match="naive"):
        store.create_task(account, "x", datetime(2030, 1, 1))
    assert store.list_tasks() == []


def test_transition_is_conditional_on_status_and_lease(store: TaskStore) -> None:
    account = _account(store)
    task = store.create_task(account, "x", utcnow() + timedelta(hours=1))
    cancelled = store.transition(task, TaskStatus.CANCELLED, actor="test")
    assert cancelled.status is TaskStatus.CANCELLED
    # The stale copy still says "scheduled": its conditional UPDATE must match nothing.
    with pytest.raises(InvalidTransitionError, match="changed meanwhile"):
        store.transition(task, TaskStatus.CANCELLED, actor="test")
    assert store.get_task(task.id).status is TaskStatus.CANCELLED


def test_lifecycle_refuses_invalid_transitions(store: TaskStore) -> None:
    account = _account(store)
    task = store.create_task(account, "x", utcnow() + timedelta(hours=1))
    with pytest.raises(InvalidTransitionError, match="cannot become published"):
        store.transition(task, TaskStatus.PUBLISHED, actor="test")
    assert store.get_task(task.id).status is TaskStatus.SCHEDULED


def test_unknown_task_is_a_clear_error(store: TaskStore) -> None:
    with pytest.raises(NotFoundError, match="no task with id 999"):
        store.get_task(999)


def test_claim_takes_only_due_tasks_and_never_twice(store: TaskStore) -> None:
    account = _account(store)
    now = utcnow()
    due = [
        store.create_task(account, f"due {i}", now + timedelta(seconds=10 + i)) for i in range(3)
    ]
    later = store.create_task(account, "later", now + timedelta(hours=2))
    horizon = now + timedelta(minutes=2)
    first = store.claim_due_tasks(
        horizon=horizon, claim_batch_prefix="w1", lease_until=horizon + timedelta(minutes=5)
    )
    assert [t.id for t in first] == [t.id for t in due]
    assert {t.claim_batch for t in first} == {"w1:weibo"}
    assert all(t.status is TaskStatus.CLAIMED and t.lease_version == 1 for t in first)
    second = store.claim_due_tasks(
        horizon=horizon, claim_batch_prefix="w2", lease_until=horizon + timedelta(minutes=5)
    )
    assert second == []
    assert store.get_task(later.id).status is TaskStatus.SCHEDULED
    trail = store.audit_trail(due[0].id)
    assert [(a["from_status"], a["to_status"]) for a in trail] == [
        (None, "scheduled"),
        ("scheduled", "claimed"),
    ]


def test_claim_prefers_priority_when_limited(store: TaskStore) -> None:
    account = _account(store)
    now = utcnow()
    low = store.create_task(account, "low", now + timedelta(seconds=5), priority=1)
    high = store.create_task(account, "high", now + timedelta(seconds=50), priority=9)
    claimed = store.claim_due_tasks(
        horizon=now + timedelta(minutes=1),
        claim_batch_prefix="w",
        limit=1,
        lease_until=now + timedelta(minutes=5),
    )
    assert [t.id for t in claimed] == [high.id]
    assert store.get_task(low.id).status is TaskStatus.SCHEDULED


def test_expired_claims_return_and_old_lease_cannot_publish(store: TaskStore) -> None:
    account = _account(store)
    now = utcnow()
    store.create_task(account, "x", now + timedelta(seconds=5))
    (claimed,) = store.claim_due_tasks(
        horizon=now + timedelta(minutes=1), claim_batch_prefix="w", lease_until=now
    )
    assert release_expired_leases(store, now + timedelta(seconds=1)) == 1
    returned = store.get_task(claimed.id)
    assert returned.status is TaskStatus.SCHEDULED and returned.claim_batch is None
    # A late run holding the expired claim cannot start the attempt.
    with pytest.raises(InvalidTransitionError):
        store.begin_attempt(claimed, "late-run", lease_until=now + timedelta(minutes=5))
    assert store.attempts(claimed.id) == []


def test_attempt_rows_follow_the_publish(store: TaskStore) -> None:
    account = _account(store)
    now = utcnow()
    store.create_task(account, "x", now + timedelta(seconds=5))
    (claimed,) = store.claim_due_tasks(
        horizon=now + timedelta(minutes=1),
        claim_batch_prefix="w",
        lease_until=now + timedelta(minutes=5),
    )
    started = store.begin_attempt(claimed, "run-1", lease_until=now + timedelta(minutes=5))
    assert started.status is TaskStatus.PUBLISHING and started.attempt_count == 1
    done = store.finish_attempt(
        started, TaskStatus.PUBLISHED, outcome="published", platform_post_id="p1"
    )
    assert done.status is TaskStatus.PUBLISHED and done.platform_post_id == "p1"
    assert done.published_at is not None and done.published_at.tzinfo is UTC
    (attempt,) = store.attempts(claimed.id)
    assert attempt["outcome"] == "published" and attempt["run_id"] == "run-1"
    assert attempt["finished_at"] is not None
    assert store.count_by_status() == {"published": 1}
    store.create_task(account, "y", now + timedelta(hours=1))
    assert store.count_by_status() == {"published": 1, "scheduled": 1}
    assert store.count_by_status(statuses=["scheduled", "submitted"]) == {"scheduled": 1}
    assert store.count_by_status(statuses=[]) == {}
