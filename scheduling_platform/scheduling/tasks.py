"""Creating, moving and cancelling tasks: every check happens before anything is stored."""

from __future__ import annotations

from datetime import datetime

from scheduling_platform.lifecycle import EDITABLE, InvalidTransitionError, TaskStatus
from scheduling_platform.platforms.rules import rules_for
from scheduling_platform.store.records import Account, Task
from scheduling_platform.store.task_store import TaskStore
from scheduling_platform.timeutil import parse_user_time, utcnow


class SchedulingError(ValueError):
    """A request to schedule that cannot be honoured; nothing was stored."""


def future_time(at: str | datetime, zone_name: str, now: datetime) -> datetime:
    when = parse_user_time(at, zone_name) if isinstance(at, str) else at
    if when.tzinfo is None:
        raise SchedulingError("a time without a zone reached the scheduler")
    if when <= now:
        raise SchedulingError(f"{when.isoformat()} is in the past; pick a time after now")
    return when


def validate_post(
    account: Account,
    content: str,
    at: str | datetime,
    *,
    priority: int = 5,
    title: str | None = None,
    media: tuple[str, ...] = (),
    now: datetime,
) -> datetime:
    """Refuse what the platform can never take; returns the post's time (UTC)."""
    if not 1 <= priority <= 10:
        raise SchedulingError(f"priority must be between 1 and 10, not {priority}")
    rules_for(account.platform).check(content, title, media)
    return future_time(at, account.timezone, now)


def schedule_task(
    store: TaskStore,
    account_id: int,
    content: str,
    at: str | datetime,
    *,
    priority: int = 5,
    title: str | None = None,
    media: tuple[str, ...] = (),
    now: datetime | None = None,
    actor: str = "cli",
) -> Task:
    """Validate and store a task, without conflict checks (`placement.py` adds them); `at`
    without a zone is read in the account's zone."""
    account = store.get_account(account_id)
    when = validate_post(
        account, content, at, priority=priority, title=title, media=media, now=now or utcnow()
    )
    return store.create_task(
        account, content, when, priority=priority, title=title, media=media, actor=actor
    )


def cancel_task(store: TaskStore, task_id: int, actor: str = "cli") -> Task:
    task = store.get_task(task_id)
    if task.status not in EDITABLE:
        raise InvalidTransitionError(
            f"task {task_id} is {task.status} and can no longer be cancelled"
        )
    return store.transition(task, TaskStatus.CANCELLED, actor=actor)


def reschedule_task(
    store: TaskStore,
    task_id: int,
    at: str | datetime,
    *,
    now: datetime | None = None,
    actor: str = "cli",
) -> Task:
    task = store.get_task(task_id)
    if task.status not in EDITABLE or task.status is TaskStatus.DRAFT:
        raise InvalidTransitionError(f"task {task_id} is {task.status} and cannot be moved")
    account = store.get_account(task.account_id)
    when = future_time(at, account.timezone, now or utcnow())
    return store.transition(
        task,
        TaskStatus.SCHEDULED,
        actor=actor,
        detail=f"moved to {when.isoformat()}",
        values={"scheduled_at": when, "not_before": None},
    )
