"""Reads of the task store's tables for the warehouse's extraction: only what changed since
the last copy (by updated time or id), never credentials, texts or error messages."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select

from scheduling_platform.store.base import StoreBase
from scheduling_platform.store.schema import (
    accounts,
    publish_attempts,
    series,
    series_conflicts,
    task_decisions,
    tasks,
)

TASK_EXTRACT_COLUMNS = (
    "task_id",
    "workspace_id",
    "account_id",
    "platform",
    "status",
    "priority",
    "attempt_count",
    "scheduled_at",
    "published_at",
    "created_at",
    "updated_at",
    "platform_post_id",
    "model_version",
    "predicted_engagement",
    "prediction_uncertainty",
    "series_id",
    "timezone",  # the account's: where the post's local time is read
    "sent_at",  # when its first attempt started: how late it left
    "explored",  # 1: an exploring draw chose its time, 0: the model's best; NULL: no model
)
ATTEMPT_EXTRACT_COLUMNS = (
    "attempt_id",
    "task_id",
    "attempt_no",
    "started_at",
    "finished_at",
    "outcome",
    "error_kind",
)
ACCOUNT_EXTRACT_COLUMNS = (
    "account_id",
    "workspace_id",
    "platform",
    "name",
    "timezone",
    "status",
    "followers",
    "created_at",
)
SERIES_EXTRACT_COLUMNS = (
    "series_id",
    "workspace_id",
    "account_id",
    "strategy",
    "status",
    "timezone",
    "created_at",
    "updated_at",
)
SERIES_CONFLICT_EXTRACT_COLUMNS = ("series_id", "occurrence_start", "conflicts", "checked_at")


class ExtractQueries(StoreBase):
    """Incremental reads for the warehouse; none of them changes anything."""

    def _rows(self, query: Select[Any]) -> list[tuple[Any, ...]]:
        with self.reading() as conn:
            return [tuple(r) for r in conn.execute(query)]

    def tasks_updated_since(self, since: datetime | None) -> list[tuple[Any, ...]]:
        """Tasks (`TASK_EXTRACT_COLUMNS`) updated at or after `since` (all when None); every
        status change stamps `updated_at`, so the copy sees each change."""
        first_sent = (
            select(
                publish_attempts.c.task_id, func.min(publish_attempts.c.started_at).label("sent_at")
            )
            .group_by(publish_attempts.c.task_id)
            .subquery()
        )
        query = select(
            tasks.c.id,
            tasks.c.workspace_id,
            tasks.c.account_id,
            tasks.c.platform,
            tasks.c.status,
            tasks.c.priority,
            tasks.c.attempt_count,
            tasks.c.scheduled_at,
            tasks.c.published_at,
            tasks.c.created_at,
            tasks.c.updated_at,
            tasks.c.platform_post_id,
            tasks.c.model_version,
            tasks.c.predicted_engagement,
            tasks.c.prediction_uncertainty,
            tasks.c.series_id,
            accounts.c.timezone,
            first_sent.c.sent_at,
            task_decisions.c.explored,
        ).select_from(
            tasks.join(accounts, accounts.c.id == tasks.c.account_id)
            .outerjoin(first_sent, first_sent.c.task_id == tasks.c.id)
            .outerjoin(task_decisions, task_decisions.c.task_id == tasks.c.id)
        )
        if since is not None:
            query = query.where(tasks.c.updated_at >= since)
        return self._rows(query.order_by(tasks.c.id))

    def attempts_from(self, first_id: int) -> list[tuple[Any, ...]]:
        """Attempts (`ATTEMPT_EXTRACT_COLUMNS`) with an id of `first_id` or more: attempts are
        appended, and change only until they finish."""
        query = select(
            publish_attempts.c.id,
            publish_attempts.c.task_id,
            publish_attempts.c.attempt_no,
            publish_attempts.c.started_at,
            publish_attempts.c.finished_at,
            publish_attempts.c.outcome,
            publish_attempts.c.error_kind,
        ).where(publish_attempts.c.id >= first_id)
        return self._rows(query.order_by(publish_attempts.c.id))

    def account_rows(self) -> list[tuple[Any, ...]]:
        """Every account (`ACCOUNT_EXTRACT_COLUMNS`), without its credentials. Accounts have
        no updated time (a status or follower change stamps nothing), and are few."""
        query = select(
            accounts.c.id,
            accounts.c.workspace_id,
            accounts.c.platform,
            accounts.c.name,
            accounts.c.timezone,
            accounts.c.status,
            accounts.c.followers,
            accounts.c.created_at,
        )
        return self._rows(query.order_by(accounts.c.id))

    def series_updated_since(self, since: datetime | None) -> list[tuple[Any, ...]]:
        """Series (`SERIES_EXTRACT_COLUMNS`) updated at or after `since` (all when None)."""
        query = select(
            series.c.id,
            series.c.workspace_id,
            series.c.account_id,
            series.c.strategy,
            series.c.status,
            series.c.timezone,
            series.c.created_at,
            series.c.updated_at,
        )
        if since is not None:
            query = query.where(series.c.updated_at >= since)
        return self._rows(query.order_by(series.c.id))

    def series_conflict_rows(self) -> list[tuple[Any, ...]]:
        """The occurrences that could not be created and why (`SERIES_CONFLICT_EXTRACT_COLUMNS`):
        rows are deleted when an occurrence is created at last, so each copy takes them all."""
        query = select(
            series_conflicts.c.series_id,
            series_conflicts.c.occurrence_start,
            series_conflicts.c.conflicts,
            series_conflicts.c.checked_at,
        )
        return self._rows(
            query.order_by(series_conflicts.c.series_id, series_conflicts.c.occurrence_start)
        )
