"""Publish attempts: opened (claimed -> publishing) before a request leaves, closed with what the
platform said; many at once in one transaction, for a publisher's threads committing together."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, insert, update
from sqlalchemy.exc import IntegrityError

from scheduling_platform.lifecycle import InvalidTransitionError, TaskStatus
from scheduling_platform.store.audit import AuditEntry, write_audit
from scheduling_platform.store.engine import retry_on_connection_problems
from scheduling_platform.store.group_moves import move_together
from scheduling_platform.store.post_identity import PostHeldError, PostIdentityQueries
from scheduling_platform.store.records import NotFoundError, Task
from scheduling_platform.store.schema import publish_attempts, tasks
from scheduling_platform.store.tasks import TaskQueries
from scheduling_platform.timeutil import utcnow

# What one item of a group can fail with while the others go on: it wrote nothing.
ITEM_ERRORS = (InvalidTransitionError, NotFoundError)


@dataclass(frozen=True)
class AttemptStart:
    """Open an attempt of a claimed task, its lease long enough for the attempt's requests."""

    task: Task
    run_id: str | None
    lease_until: datetime


@dataclass(frozen=True)
class AttemptEnd:
    """Close a publishing task's open attempt: the task to `target`, with what was said."""

    task: Task
    target: TaskStatus
    outcome: str
    platform_post_id: str | None = None
    error_kind: str | None = None
    error: str | None = None
    values: Mapping[str, Any] = field(default_factory=dict)


_CLOSE_ATTEMPT = (
    update(publish_attempts)
    .where(publish_attempts.c.task_id == bindparam("b_task_id"))
    .where(publish_attempts.c.attempt_no == bindparam("b_attempt_no"))
    .values(
        finished_at=bindparam("b_finished_at"),
        outcome=bindparam("b_outcome"),
        platform_post_id=bindparam("b_platform_post_id"),
        error_kind=bindparam("b_error_kind"),
        error=bindparam("b_error"),
    )
)


class AttemptQueries(TaskQueries, PostIdentityQueries):
    """Opening and closing publish attempts, one or many to a transaction."""

    def begin_attempt(self, task: Task, run_id: str | None, lease_until: datetime) -> Task:
        """claimed -> publishing, with an attempt row, before any request leaves."""
        return _one(self.begin_attempts([AttemptStart(task, run_id, lease_until)]))

    @retry_on_connection_problems()
    def begin_attempts(self, starts: Sequence[AttemptStart]) -> list[Task | Exception]:
        """Open each attempt in one transaction: per start, the task as it now is, or the
        error that left that one alone (changed meanwhile: not the caller's to send)."""
        now = utcnow()
        entries: list[AuditEntry] = []
        rows: list[dict[str, Any]] = []
        with self.engine.begin() as conn:
            # One lease for the group: the latest asked for (they differ by the moments
            # between the requests; a lease a little longer only delays a takeover).
            moved = move_together(
                conn,
                [(start.task, start.run_id) for start in starts],
                TaskStatus.PUBLISHING,
                actor="publish_job",
                now=now,
                values={
                    "attempt_count": tasks.c.attempt_count + 1,
                    "lease_expires_at": max(start.lease_until for start in starts),
                },
            )
            for start, result in zip(starts, moved, strict=True):
                if isinstance(result, Exception):
                    continue
                started, entry = result
                entries.append(entry)
                rows.append(
                    {
                        "task_id": started.id,
                        "attempt_no": started.attempt_count,
                        "run_id": start.run_id,
                        "started_at": now,
                    }
                )
            write_audit(conn, now, entries)
            if rows:
                conn.execute(insert(publish_attempts), rows)
        return [r if isinstance(r, Exception) else r[0] for r in moved]

    def finish_attempt(
        self,
        task: Task,
        target: TaskStatus,
        *,
        outcome: str,
        platform_post_id: str | None = None,
        error_kind: str | None = None,
        error: str | None = None,
        values: Mapping[str, Any] | None = None,
    ) -> Task:
        """publishing -> target, closing the open attempt row with what the platform said.

        PostHeldError, writing nothing, when another task holds `platform_post_id`.
        """
        end = AttemptEnd(task, target, outcome, platform_post_id, error_kind, error, values or {})
        return _one(self.finish_attempts([end]))

    def finish_attempts(self, ends: Sequence[AttemptEnd]) -> list[Task | Exception]:
        """Close each attempt in one transaction: per end, the task as it now is, or the error
        that left that one alone (PostHeldError: another task holds the post it names)."""
        try:
            return self._finish_together(ends)
        except IntegrityError:
            # uq_tasks_platform_post: one post, one task. The whole group was rolled back;
            # each goes alone, so the one whose post is held is told and the rest are written.
            if len(ends) > 1:
                return [result for end in ends for result in self.finish_attempts([end])]
            (end,) = ends
            if end.platform_post_id is None:
                raise
            holder = self.holder_of(end.task.platform, end.task.account_id, end.platform_post_id)
            return [PostHeldError(end.task.id, end.platform_post_id, holder)]

    @retry_on_connection_problems()
    def _finish_together(self, ends: Sequence[AttemptEnd]) -> list[Task | Exception]:
        now = utcnow()
        results: list[tuple[Task, AuditEntry] | Exception | None] = [None] * len(ends)
        with self.engine.begin() as conn:
            # What went out (no error, nothing else to set): one UPDATE for each status.
            for target in (TaskStatus.PUBLISHED, TaskStatus.SUBMITTED):
                places = [i for i, end in enumerate(ends) if _plain(end, target)]
                if not places:
                    continue
                values: dict[str, Any] = {"last_error": None}
                if target is TaskStatus.PUBLISHED:
                    values.update(published_at=now, lease_expires_at=None)
                post_ids = {
                    ends[i].task.id: ends[i].platform_post_id
                    for i in places
                    if ends[i].platform_post_id is not None
                }
                moved = move_together(
                    conn,
                    [(ends[i].task, None) for i in places],
                    target,
                    actor="publish_job",
                    now=now,
                    values=values,
                    post_ids=post_ids,  # type: ignore[arg-type]
                )
                for i, result in zip(places, moved, strict=True):
                    results[i] = result
            for i, end in enumerate(ends):
                if results[i] is None:
                    results[i] = self._move_one(conn, end, now)
            done = [r for r in results if r is not None]
            entries = [r[1] for r in done if not isinstance(r, Exception)]
            closes = [
                {
                    "b_task_id": end.task.id,
                    "b_attempt_no": end.task.attempt_count,
                    "b_finished_at": now,
                    "b_outcome": end.outcome,
                    "b_platform_post_id": end.platform_post_id,
                    "b_error_kind": end.error_kind,
                    "b_error": end.error,
                }
                for end, r in zip(ends, done, strict=True)
                if not isinstance(r, Exception)
            ]
            write_audit(conn, now, entries)
            if closes:
                conn.execute(_CLOSE_ATTEMPT, closes)
        return [r if isinstance(r, Exception) else r[0] for r in done]

    def _move_one(
        self, conn: Connection, end: AttemptEnd, now: datetime
    ) -> tuple[Task, AuditEntry] | Exception:
        values = {"last_error": end.error, **dict(end.values)}
        if end.platform_post_id is not None:
            values["platform_post_id"] = end.platform_post_id
        if end.target is TaskStatus.PUBLISHED:
            values.update(published_at=now, lease_expires_at=None)
        try:
            return self.move(
                conn,
                end.task,
                end.target,
                actor="publish_job",
                detail=end.error,
                values=values,
                now=now,
            )
        except ITEM_ERRORS as exc:
            return exc


def _plain(end: AttemptEnd, target: TaskStatus) -> bool:
    """A post that went out to `target`, with nothing but its post id to record."""
    return end.target is target and end.error is None and not end.values


def _one(results: list[Task | Exception]) -> Task:
    (result,) = results
    if isinstance(result, Exception):
        raise result
    return result
