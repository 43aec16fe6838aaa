"""Claims and attempts: what the publisher takes from the store and what it writes back."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import exists, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from scheduling_platform.lifecycle import CLAIMABLE, AccountStatus, TaskStatus
from scheduling_platform.store.audit import AuditEntry, write_audit
from scheduling_platform.store.engine import retry_on_connection_problems
from scheduling_platform.store.post_identity import PostHeldError, PostIdentityQueries
from scheduling_platform.store.records import Task
from scheduling_platform.store.schema import accounts, publish_attempts, tasks
from scheduling_platform.store.tasks import TaskQueries
from scheduling_platform.timeutil import utcnow


class ClaimQueries(TaskQueries, PostIdentityQueries):
    """Claiming due tasks, and opening and closing their publish attempts."""

    def claim_due_tasks(
        self,
        *,
        horizon: datetime,
        claim_batch_prefix: str,
        lease_until: datetime,
        limit: int = 10_000,
        actor: str = "due_tasks_sensor",
        only: Collection[int] | None = None,
    ) -> list[Task]:
        """Claim tasks due by `horizon`, highest priority first; batch = prefix + ':' + platform.

        Each claim bumps the lease version, so a run holding an older claim can do nothing.
        `only`: claim none but these (the immediate path's run; whoever claims first wins).
        """
        now = utcnow()
        due = (
            select(tasks.c.id, tasks.c.status)
            .where(tasks.c.status.in_([s.value for s in CLAIMABLE]))
            .where(tasks.c.scheduled_at <= horizon)
            .where(or_(tasks.c.not_before.is_(None), tasks.c.not_before <= horizon))
            # Tasks of an account waiting for re-authorisation are held, not sent. An anti-join
            # (NOT EXISTS) keeps Postgres on the status index; `IN (active accounts)` made it
            # walk every task of every account (0.2 s at 300,000 tasks).
            .where(
                ~exists().where(
                    accounts.c.id == tasks.c.account_id,
                    accounts.c.status != AccountStatus.ACTIVE.value,
                )
            )
            .order_by(tasks.c.priority.desc(), tasks.c.scheduled_at, tasks.c.id)
            .limit(limit)
        )
        if only is not None:
            due = due.where(tasks.c.id.in_(list(only)))
        if self.dialect == "postgresql":
            due = due.with_for_update(skip_locked=True)
        with self.engine.begin() as conn:
            found = {r.id: r.status for r in conn.execute(due)}
            if not found:
                return []
            rows = conn.execute(
                update(tasks)
                .where(tasks.c.id.in_(list(found)))
                .where(tasks.c.status.in_([s.value for s in CLAIMABLE]))
                .values(
                    status=TaskStatus.CLAIMED.value,
                    claim_batch=claim_batch_prefix + ":" + tasks.c.platform,
                    lease_version=tasks.c.lease_version + 1,
                    lease_expires_at=lease_until,
                    updated_at=now,
                )
                .returning(*tasks.c)
            ).all()
            claimed = [Task.from_row(r) for r in rows]
            write_audit(
                conn,
                now,
                [
                    AuditEntry(
                        actor,
                        task_id=t.id,
                        account_id=t.account_id,
                        from_status=found[t.id],
                        to_status=TaskStatus.CLAIMED,
                        detail=t.claim_batch,
                        workspace_id=t.workspace_id,
                    )
                    for t in claimed
                ],
            )
        return sorted(claimed, key=lambda t: (t.scheduled_at, t.id))

    @retry_on_connection_problems()
    def begin_attempt(self, task: Task, run_id: str | None, lease_until: datetime) -> Task:
        """claimed -> publishing, with an attempt row, before any request leaves."""
        now = utcnow()
        with self.engine.begin() as conn:
            started = self.transition(
                task,
                TaskStatus.PUBLISHING,
                actor="publish_job",
                detail=run_id,
                values={
                    "attempt_count": tasks.c.attempt_count + 1,
                    "lease_expires_at": lease_until,
                },
                conn=conn,
            )
            conn.execute(
                insert(publish_attempts).values(
                    task_id=task.id,
                    attempt_no=started.attempt_count,
                    run_id=run_id,
                    started_at=now,
                )
            )
        return started

    @retry_on_connection_problems()
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
        now = utcnow()
        values = {"last_error": error, **dict(values or {})}
        if platform_post_id is not None:
            values["platform_post_id"] = platform_post_id
        if target is TaskStatus.PUBLISHED:
            values.update(published_at=now, lease_expires_at=None)
        try:
            with self.engine.begin() as conn:
                finished = self.transition(
                    task, target, actor="publish_job", detail=error, values=values, conn=conn
                )
                conn.execute(
                    update(publish_attempts)
                    .where(publish_attempts.c.task_id == task.id)
                    .where(publish_attempts.c.attempt_no == task.attempt_count)
                    .values(
                        finished_at=now,
                        outcome=outcome,
                        platform_post_id=platform_post_id,
                        error_kind=error_kind,
                        error=error,
                    )
                )
        except IntegrityError:
            # uq_tasks_platform_post: one post, one task. Nothing was written.
            if platform_post_id is None:
                raise
            holder = self.holder_of(task.platform, task.account_id, platform_post_id)
            raise PostHeldError(task.id, platform_post_id, holder) from None
        return finished
