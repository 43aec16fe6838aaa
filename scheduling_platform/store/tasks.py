"""Tasks in the task store: created, read, and moved by one conditional UPDATE each."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Connection,
    Text,
    and_,
    any_,
    bindparam,
    cast,
    delete,
    func,
    insert,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY

from scheduling_platform.fingerprints import band_keys
from scheduling_platform.lifecycle import InvalidTransitionError, TaskStatus, check_transition
from scheduling_platform.store import audit
from scheduling_platform.store.arrays import int_array
from scheduling_platform.store.audit import AuditEntry, write_audit
from scheduling_platform.store.base import StoreBase
from scheduling_platform.store.copy import COPY_FROM, copy_lines, copy_rows
from scheduling_platform.store.records import MAX_ID, Account, NotFoundError, Task
from scheduling_platform.store.schema import (
    accounts,
    content_bands,
    publish_attempts,
    task_decisions,
    tasks,
)
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
class NewTask:
    """A task to insert; `detail` goes to its first audit row (how its time was chosen)."""

    account_id: int
    platform: str
    content: str
    scheduled_at: datetime
    priority: int = 5
    title: str | None = None
    media: tuple[str, ...] = ()
    series_id: int | None = None
    occurrence_start: datetime | None = None
    idempotency_key: str | None = None
    detail: str | None = None
    strategy: str | None = None
    # Set when the engagement model chose the time: its version and what it expected.
    model_version: str | None = None
    predicted_engagement: float | None = None
    prediction_uncertainty: float | None = None
    # Whether a Thompson draw chose the model's slot (a `task_decisions` row); None: no model.
    explored: bool | None = None

    def values(self, now: datetime) -> dict[str, Any]:
        return {
            "account_id": self.account_id,
            "platform": self.platform,
            "title": self.title,
            "media": json.dumps(list(self.media)) if self.media else None,
            "content": self.content,
            "scheduled_at": self.scheduled_at,
            "priority": self.priority,
            "status": TaskStatus.SCHEDULED.value,
            "lease_version": 0,
            "attempt_count": 0,
            "created_at": now,
            "updated_at": now,
            "series_id": self.series_id,
            "occurrence_start": self.occurrence_start,
            "idempotency_key": self.idempotency_key,
            "strategy": self.strategy,
            "model_version": self.model_version,
            "predicted_engagement": self.predicted_engagement,
            "prediction_uncertainty": self.prediction_uncertainty,
        }


# Postgres: `n` new task ids, taken from the column's own sequence as an INSERT would take them.
_RESERVE_IDS = text(
    "SELECT nextval(pg_get_serial_sequence('tasks', 'id')) FROM generate_series(1, :n)"
)
_BY_RESERVED_IDS = (
    select(tasks)
    .where(tasks.c.id == any_(cast(bindparam("ids", type_=Text), ARRAY(BigInteger))))
    .order_by(tasks.c.id)
)


def write_bands(conn: Connection, created: Iterable[Task]) -> None:
    """The LSH band keys of each task's text, so later duplicate checks find it."""
    if conn.dialect.name == "postgresql":
        # Twenty rows a task: COPY on the transaction's own connection, the fastest way in;
        # a task's lines as one string (not a tuple a row: 40,000 of them wake the collector).
        lines = [
            "".join([f"{task.id}\t{key}\t{task.account_id}\n" for key in band_keys(task.content)])
            for task in created
        ]
        if any(lines):
            copy_lines(conn, content_bands, ("task_id", "band_key", "account_id"), lines)
        return
    rows = [(task.id, key, task.account_id) for task in created for key in band_keys(task.content)]
    if not rows:
        return
    # Through the driver: SQLAlchemy's per-row parameter handling costs more than SQLite.
    conn.exec_driver_sql(
        "INSERT INTO content_bands (task_id, band_key, account_id) VALUES (?, ?, ?)", rows
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
        new = NewTask(account.id, account.platform, content, scheduled_at, priority, title, media)
        (task,) = self.create_tasks([new], actor=actor)
        return task

    def create_tasks(
        self, new: Sequence[NewTask], *, actor: str, conn: Connection | None = None
    ) -> list[Task]:
        """Insert `new` in one transaction, each with its audit row and its texts' band keys."""
        if conn is None:
            with self.engine.begin() as own:
                return self.create_tasks(new, actor=actor, conn=own)
        if not new:
            return []
        now = utcnow()
        values = [item.values(now) for item in new]
        # A task belongs to its account's workspace, whoever creates it.
        account_ids = sorted({item.account_id for item in new})
        workspaces = dict(
            conn.execute(
                select(accounts.c.id, accounts.c.workspace_id).where(accounts.c.id.in_(account_ids))
            )
            .tuples()
            .all()
        )
        for item_values in values:
            item_values["workspace_id"] = workspaces[item_values["account_id"]]
        if conn.dialect.name == "sqlite":
            # SQLite cannot return many inserted rows in order, so SQLAlchemy would insert one
            # row a statement; the transaction holds the write lock, so the ids are ours.
            last = conn.execute(select(func.max(tasks.c.id))).scalar() or 0
            for offset, row_values in enumerate(values, start=1):
                row_values["id"] = last + offset
            conn.execute(insert(tasks), values)
            mine = tasks.c.id > last, tasks.c.id <= last + len(values)
            rows = conn.execute(select(tasks).where(*mine).order_by(tasks.c.id)).all()
        elif conn.dialect.name == "postgresql" and len(values) >= COPY_FROM:
            # Ids reserved from the sequence, the rows by COPY, then read back in id order:
            # a third of an executemany's time for an expansion's thousands.
            ids = sorted(conn.execute(_RESERVE_IDS, {"n": len(values)}).scalars())
            for task_id, row_values in zip(ids, values, strict=True):
                row_values["id"] = task_id
            copy_rows(conn, tasks, values)
            rows = conn.execute(_BY_RESERVED_IDS, {"ids": int_array(ids)}).all()
        else:
            rows = conn.execute(
                insert(tasks).returning(*tasks.c, sort_by_parameter_order=True), values
            ).all()
        created = [Task.from_row(r) for r in rows]
        write_bands(conn, created)
        write_audit(
            conn,
            now,
            [
                transition_entry(task, TaskStatus.SCHEDULED, actor, item.detail)
                for task, item in zip(created, new, strict=True)
            ],
        )
        decided = [
            {
                "task_id": task.id,
                "explored": item.explored,
                "model_version": item.model_version,
                "decided_at": now,
            }
            for task, item in zip(created, new, strict=True)
            if item.explored is not None and item.model_version
        ]
        if decided:
            conn.execute(insert(task_decisions), decided)
        return created

    def edit_tasks(
        self, found: Sequence[Task], values: Mapping[str, Any], *, actor: str, detail: str
    ) -> list[Task]:
        """Change the content, title, media or priority of tasks still as read (one
        transaction); a changed text gets new band keys. Raises if any task moved meanwhile."""
        now = utcnow()
        changed = dict(values)
        if "media" in changed:
            media = changed["media"]
            changed["media"] = json.dumps(list(media)) if media else None
        edited = []
        with self.engine.begin() as conn:
            for task in found:
                row = conn.execute(
                    update(tasks)
                    .where(
                        tasks.c.id == task.id,
                        tasks.c.status == task.status.value,
                        tasks.c.lease_version == task.lease_version,
                    )
                    .values(updated_at=now, **changed)
                    .returning(*tasks.c)
                ).first()
                if row is None:
                    raise InvalidTransitionError(f"task {task.id} changed meanwhile; not edited")
                edited.append(Task.from_row(row))
            if "content" in changed:
                ids = [t.id for t in found]
                conn.execute(delete(content_bands).where(content_bands.c.task_id.in_(ids)))
                write_bands(conn, edited)
            entries = [AuditEntry(actor, t.id, t.account_id, detail=detail) for t in edited]
            write_audit(conn, now, entries)
        return edited

    def tasks_with_keys(self, keys: Iterable[str]) -> dict[str, Task]:
        """Tasks by idempotency key, for the keys that exist."""
        wanted = sorted(set(keys))
        found: dict[str, Task] = {}
        with self.engine.connect() as conn:
            for start in range(0, len(wanted), 500):
                chunk = wanted[start : start + 500]
                query = select(tasks).where(tasks.c.idempotency_key.in_(chunk))
                for row in conn.execute(query):
                    task = Task.from_row(row)
                    found[str(task.idempotency_key)] = task
        return found

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

    def count_by_status(
        self, *, workspace_id: int | None = None, statuses: Iterable[str] | None = None
    ) -> dict[str, int]:
        """Tasks by status; only `statuses` when given (a range of the status index each,
        where counting them all reads an entry a task)."""
        query = select(tasks.c.status, func.count()).group_by(tasks.c.status)
        if workspace_id is not None:
            query = query.where(tasks.c.workspace_id == workspace_id)
        if statuses is not None:
            query = query.where(tasks.c.status.in_(list(statuses)))
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
        moved, entry = self.move(
            conn, task, target, actor=actor, detail=detail, values=values, now=now
        )
        write_audit(conn, now, [entry])
        return moved

    def move(
        self,
        conn: Connection,
        task: Task,
        target: TaskStatus,
        *,
        actor: str,
        detail: str | None = None,
        values: Mapping[str, Any] | None = None,
        now: datetime | None = None,
    ) -> tuple[Task, AuditEntry]:
        """`transition` without its audit row, which it returns for the caller to write (with
        others, in the same transaction); raises as `transition` does, having written nothing."""
        check_transition(task.status, target)
        now = now or utcnow()
        changes = dict(values or {})
        if task.status is TaskStatus.CLAIMED and target is not TaskStatus.PUBLISHING:
            # The claim is withdrawn (cancelled, moved, given back): its holder can start nothing.
            changes.setdefault("claim_batch", None)
            changes.setdefault("lease_expires_at", None)
            changes.setdefault("lease_version", tasks.c.lease_version + 1)
        row = conn.execute(
            update(tasks)
            .where(
                tasks.c.id == task.id,
                tasks.c.status == task.status.value,
                tasks.c.lease_version == task.lease_version,
            )
            .values(status=target.value, updated_at=now, **changes)
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
        return Task.from_row(row), transition_entry(task, target, actor, detail)

    def transition_through(
        self,
        task: Task,
        steps: Sequence[tuple[TaskStatus, str | None, Mapping[str, Any]]],
        *,
        actor: str,
    ) -> Task:
        """Several transitions (target, detail, values) in one transaction, each audited."""
        with self.engine.begin() as conn:
            for target, detail, values in steps:
                task = self.transition(
                    task, target, actor=actor, detail=detail, values=values, conn=conn
                )
        return task

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
