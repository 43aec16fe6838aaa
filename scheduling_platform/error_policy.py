"""Where a task goes after a platform error, and when it may be tried again."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from scheduling_platform.lifecycle import TaskStatus
from scheduling_platform.platforms.base import ErrorKind, PlatformError
from scheduling_platform.store.records import Task

MAX_ATTEMPTS = 5


def retry_delay(attempt: int) -> timedelta:
    """Exponential backoff: 30 s, 60 s, 120 s, ... capped at 30 minutes."""
    return timedelta(seconds=min(30 * 2 ** max(attempt - 1, 0), 1800))


def decide_after_error(
    task: Task, exc: PlatformError, now: datetime
) -> tuple[TaskStatus, dict[str, Any]]:
    """The status after a failed attempt, and column values to set with it (`not_before`)."""
    if exc.kind is ErrorKind.UNKNOWN_OUTCOME:
        # The post may be live: a person or the reconciler decides, never a blind retry.
        return TaskStatus.NEEDS_ATTENTION, {}
    if exc.kind in (ErrorKind.REJECTED, ErrorKind.AUTH):
        return TaskStatus.FAILED, {}
    if exc.kind is ErrorKind.QUOTA:
        return TaskStatus.RETRYING, {"not_before": now + timedelta(hours=1)}
    if task.attempt_count >= MAX_ATTEMPTS:
        return TaskStatus.FAILED, {}
    return TaskStatus.RETRYING, {"not_before": now + retry_delay(task.attempt_count)}
