"""Read-only views of the task store that the warehouse and the engagement ingestion copy."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from scheduling_platform.lifecycle import TaskStatus
from scheduling_platform.store.base import StoreBase
from scheduling_platform.store.records import Task
from scheduling_platform.store.schema import accounts, publish_attempts, tasks

PUBLISH_LOG_COLUMNS = (
    "task_id",
    "workspace_id",
    "account_id",
    "platform",
    "status",
    "priority",
    "attempt_count",
    "scheduled_at",
    "published_at",
    "sent_at",
)


TASK_SNAPSHOT_COLUMNS = (
    "task_id",
    "account_id",
    "platform",
    "account_status",
    "timezone",
    "status",
    "scheduled_at",
    "content",
    "media",
    "series_id",
    "workspace_id",
)


class SnapshotQueries(StoreBase):
    """Whole-table reads for analytics; none of them changes anything."""

    def task_snapshot_rows(self) -> list[tuple[Any, ...]]:
        """One row a task (`TASK_SNAPSHOT_COLUMNS`): what the conflict checks look at."""
        query = select(
            tasks.c.id,
            tasks.c.account_id,
            tasks.c.platform,
            accounts.c.status,
            accounts.c.timezone,
            tasks.c.status,
            tasks.c.scheduled_at,
            tasks.c.content,
            tasks.c.media,
            tasks.c.series_id,
            tasks.c.workspace_id,
        ).select_from(tasks.join(accounts, accounts.c.id == tasks.c.account_id))
        with self.engine.connect() as conn:
            return [tuple(r) for r in conn.execute(query.order_by(tasks.c.id))]

    def publish_log_rows(self) -> list[tuple[Any, ...]]:
        """One row a task (`PUBLISH_LOG_COLUMNS`): its status, times and last attempt's start."""
        last_attempt = (
            select(
                publish_attempts.c.task_id,
                func.max(publish_attempts.c.started_at).label("sent_at"),
            )
            .group_by(publish_attempts.c.task_id)
            .subquery()
        )
        query = select(
            tasks.c.id.label("task_id"),
            tasks.c.workspace_id,
            tasks.c.account_id,
            tasks.c.platform,
            tasks.c.status,
            tasks.c.priority,
            tasks.c.attempt_count,
            tasks.c.scheduled_at,
            tasks.c.published_at,
            last_attempt.c.sent_at,
        ).select_from(tasks.outerjoin(last_attempt, last_attempt.c.task_id == tasks.c.id))
        with self.engine.connect() as conn:
            return [tuple(r) for r in conn.execute(query)]

    def published_between(self, start: datetime, end: datetime) -> list[Task]:
        """Tasks published in [start, end) that have a platform post id to ask about."""
        published = tasks.c.published_at
        query = (
            select(tasks)
            .where(tasks.c.status == TaskStatus.PUBLISHED.value)
            .where(tasks.c.platform_post_id.is_not(None))
            .where(published >= start, published < end)
            .order_by(published, tasks.c.id)
        )
        with self.engine.connect() as conn:
            return [Task.from_row(r) for r in conn.execute(query)]
