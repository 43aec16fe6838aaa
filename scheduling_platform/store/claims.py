"""Claiming due tasks: what the publisher takes from the store (attempts.py: what it writes)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import exists, or_, select, update

from scheduling_platform.lifecycle import CLAIMABLE, AccountStatus, TaskStatus
from scheduling_platform.store.attempts import AttemptQueries
from scheduling_platform.store.audit import AuditEntry, write_audit
from scheduling_platform.store.records import Task
from scheduling_platform.store.schema import accounts, tasks
from scheduling_platform.timeutil import utcnow


class ClaimQueries(AttemptQueries):
    """Claiming due tasks; opening and closing their publish attempts is `AttemptQueries`'."""

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
