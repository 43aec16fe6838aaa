"""Tasks in the task store: created, read, and moved by one conditional UPDATE each."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, Connection, and_, func, insert, or_, select, update

from scheduling_platform.lifecycle import InvalidTransitionError, TaskStatus, check_transition
from scheduling_platform.store import audit
from scheduling_platform.store.audit import AuditEntry, write_audit
from scheduling_platform.store.base import StoreBase
from scheduling_platform.store.records import MAX_ID, Account, NotFoundError, Task
from scheduling_platform.store.schema import publish_attempts, tasks
from scheduling_platform.timeutil import utcnow


def transition_entry(task: Task, target: TaskStatus, actor: str, detail: str | None) -> AuditEntry:
    """The audit row of `task` moving to `target` (no from-status when it stays put)."""
    return AuditEntry(
        actor,
        task_id=task.id,
        account_id=task.account_id,
        from_status=task.status if task.status != target else None,
        to_status=target,
        detail=detail,
        workspace_id=task.workspace_id,
    )


@dataclass(frozen=True)
class TaskFilter:
    """Which tasks a listing shows; None matches any."""

    status: TaskStatus | None = None
    account_id: int | None = None
    platform: str | None = None
    scheduled_from: datetime | None = None  # inclusive
    scheduled_until: datetime | None = None  # exclusive
    workspace_id: int | None = None  # None: every workspace (the platform's own processes)

    def where(self) -> list[ColumnElement[bool]]:
        conditions: list[ColumnElement[bool]] = []
        if self.workspace_id is not None:
            conditions.append(tasks.c.workspace_id == self.workspace_id)
        if self.status is not None:
            conditions.append(tasks.c.status == self.status.value)
        if self.account_id is not None:
            conditions.append(tasks.c.account_id == self.account_id)
        if self.platform is not None:
            conditions.append(tasks.c.platform == self.platform)
        if self.scheduled_from is not None:
            conditions.append(tasks.c.scheduled_at >= self.scheduled_from)
        if self.scheduled_until is not None:
            conditions.append(tasks.c.scheduled_at < self.scheduled_until)
        return conditions


class TaskOrder(StrEnum):
    SOONEST = "soonest"  # by scheduled time, earliest first
    NEWEST = "newest"  # by creation, latest first


class TaskQueries(StoreBase):
    """Reads and writes of the `tasks` table."""

    def create_task(
        self,
        account: Account,
        content: str,
        scheduled_at: datetime,
        *,
        priority: int = 5,
        title: str | None = None,
        media: tuple[str, ...] = (),
        actor: str = "cli",
    ) -> Task:
        now = utcnow()
        with self.engine.begin() as conn:
            row = conn.execute(
                insert(tasks)
                .values(
                    account_id=account.id,
                    workspace_id=account.workspace_id,
                    platform=account.platform,
                    title=title,
                    media=json.dumps(list(media)) if media else None,
                    content=content,
                    scheduled_at=scheduled_at,
                    priority=priority,
                    status=TaskStatus.SCHEDULED.value,
                    created_at=now,
                    updated_at=now,
                )
                .returning(*tasks.c)
            ).one()
            task = Task.from_row(row)
            write_audit(conn, now, [transition_entry(task, TaskStatus.SCHEDULED, actor, None)])
        return task

    def get_task(self, task_id: int, *, workspace_id: int | None = None) -> Task:
        """The task; with `workspace_id`, only if it belongs there (else not found)."""
        if not 0 < task_id <= MAX_ID:  # past a 64-bit id the driver would overflow
            raise NotFoundError(f"no task with id {task_id}")
        query = select(tasks).where(tasks.c.id == task_id)
        if workspace_id is not None:
            query = query.where(tasks.c.workspace_id == workspace_id)
        with self.reading() as conn:
            row = conn.execute(query).first()
        if row is None:
            raise NotFoundError(f"no task with id {task_id}")
        return Task.from_row(row)

    def list_tasks_by_id(
        self, task_ids: list[int], *, workspace_id: int | None = None
    ) -> list[Task]:
        """The tasks of these ids (those of `workspace_id` only, when given), by id."""
        query = select(tasks).where(tasks.c.id.in_(task_ids)).order_by(tasks.c.id)
        if workspace_id is not None:
            query = query.where(tasks.c.workspace_id == workspace_id)
        with self.reading() as conn:
            return [Task.from_row(r) for r in conn.execute(query)]

    def list_tasks(self, status: TaskStatus | None = None, limit: int = 1000) -> list[Task]:
        query = select(tasks).order_by(tasks.c.scheduled_at, tasks.c.id).limit(limit)
        if status is not None:
            query = query.where(tasks.c.status == status.value)
        with self.reading() as conn:
            return [Task.from_row(r) for r in conn.execute(query)]

    def task_page(
        self,
        filters: TaskFilter,
        *,
        order: TaskOrder = TaskOrder.SOONEST,
        after: tuple[datetime, int] | None = None,
        limit: int = 100,
    ) -> list[Task]:
        """Up to `limit` tasks after the (scheduled_at, id) key `after` in `order`.

        Keyset paging: a page never skips or repeats a task when others are added meanwhile.
        """
        query = select(tasks).where(*filters.where())
        if order is TaskOrder.SOONEST:
            query = query.order_by(tasks.c.scheduled_at, tasks.c.id)
            if after is not None:
                at, task_id = after
                # Not a row-value comparison: compared with the column, `at` binds as UTC.
                query = query.where(
                    or_(
                        tasks.c.scheduled_at > at,
                        and_(tasks.c.scheduled_at == at, tasks.c.id > task_id),
                    )
                )
        else:
            query = query.order_by(tasks.c.id.desc())
            if after is not None:
                query = query.where(tasks.c.id < after[1])
        with self.reading() as conn:
            return [Task.from_row(r) for r in conn.execute(query.limit(limit))]

    def tasks_in_batch(self, claim_batch: str) -> list[Task]:
        query = (
            select(tasks)
            .where(tasks.c.claim_batch == claim_batch)
            .order_by(tasks.c.scheduled_at, tasks.c.id)
        )
        with self.reading() as conn:
            return [Task.from_row(r) for r in conn.execute(query)]

    def audit_trail(self, task_id: int) -> list[dict[str, Any]]:
        with self.reading() as conn:
            return audit.audit_trail(conn, task_id)

    def attempts(self, task_id: int) -> list[dict[str, Any]]:
        query = (
            select(publish_attempts)
            .where(publish_attempts.c.task_id == task_id)
            .order_by(publish_attempts.c.id)
        )
        with self.reading() as conn:
            return [dict(r._mapping) for r in conn.execute(query)]

    def count_by_status(self, *, workspace_id: int | None = None) -> dict[str, int]:
        query = select(tasks.c.status, func.count()).group_by(tasks.c.status)
        if workspace_id is not None:
            query = query.where(tasks.c.workspace_id == workspace_id)
        with self.reading() as conn:
            return {status: count for status, count in conn.execute(query).tuples()}

    def transition(
        self,
        task: Task,
        target: TaskStatus,
        *,
        actor: str,
        detail: str | None = None,
        values: Mapping[str, Any] | None = None,
        conn: Connection | None = None,
    ) -> Task:
        """Move `task` to `target` if it is still as read (status and lease version)."""
        check_transition(task.status, target)
        if conn is None:
            with self.engine.begin() as own:
                return self.transition(
                    task, target, actor=actor, detail=detail, values=values, conn=own
                )
        now = utcnow()
        row = conn.execute(
            update(tasks)
            .where(
                tasks.c.id == task.id,
                tasks.c.status == task.status.value,
                tasks.c.lease_version == task.lease_version,
            )
            .values(status=target.value, updated_at=now, **dict(values or {}))
            .returning(*tasks.c)
        ).first()
        if row is None:
            current = conn.execute(select(tasks.c.status).where(tasks.c.id == task.id)).first()
            if current is None:
                raise NotFoundError(f"no task with id {task.id}")
            raise InvalidTransitionError(
                f"task {task.id} changed meanwhile (now {current.status}); "
                f"it was not moved to {target}"
            )
        write_audit(conn, now, [transition_entry(task, target, actor, detail)])
        return Task.from_row(row)

    def record_prediction(
        self, task: Task, version: str, predicted: float, uncertainty: float, *, actor: str
    ) -> Task:
        """Store on the task the model version that chose its time and what it expected."""
        now = utcnow()
        with self.engine.begin() as conn:
            row = conn.execute(
                update(tasks)
                .where(tasks.c.id == task.id)
                .values(
                    model_version=version,
                    predicted_engagement=predicted,
                    prediction_uncertainty=uncertainty,
                    updated_at=now,
                )
                .returning(*tasks.c)
            ).one()
            detail = f"time chosen by model {version}: expects {predicted:.0f} ± {uncertainty:.0f}"
            write_audit(
                conn,
                now,
                [
                    AuditEntry(
                        actor,
                        task.id,
                        task.account_id,
                        detail=detail,
                        workspace_id=task.workspace_id,
                    )
                ],
            )
        return Task.from_row(row)
