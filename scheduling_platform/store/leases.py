"""Giving work back: expired leases, a failed run's batch, posts too late to send, unknowns.

A claim or an attempt is a lease. When its holder dies the lease runs out and the task returns:
a claim that never started goes back to `scheduled`; an attempt that may have reached the
platform goes to `retrying`, and its next attempt first asks the platform whether the post is
there (see `needs_verification` and publishing/publisher.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import ColumnElement, Connection, and_, func, or_, select, update

from scheduling_platform.lifecycle import ErrorKind, TaskStatus
from scheduling_platform.store.audit import moves, write_audit
from scheduling_platform.store.base import StoreBase
from scheduling_platform.store.engine import retry_on_connection_problems
from scheduling_platform.store.schema import publish_attempts, tasks

# Where a task goes when its holder is gone, by the status it was left in.
RETURNS = {
    TaskStatus.CLAIMED: (TaskStatus.SCHEDULED, "claim returned: its run never started"),
    TaskStatus.PUBLISHING: (
        TaskStatus.RETRYING,
        "attempt abandoned (run died or timed out); the platform is asked before any resend",
    ),
}


def _give_back(
    conn: Connection,
    condition: ColumnElement[bool],
    now: datetime,
    actor: str,
    sources: Iterable[TaskStatus] = tuple(RETURNS),
) -> int:
    count = 0
    for source in sources:
        target, detail = RETURNS[source]
        values: dict[str, object] = {
            "status": target.value,
            "claim_batch": None,
            "lease_expires_at": None,
            "lease_version": tasks.c.lease_version + 1,
            "updated_at": now,
        }
        if target is TaskStatus.RETRYING:
            values["last_error"] = detail
        rows = conn.execute(
            update(tasks)
            .where(tasks.c.status == source.value, condition)
            .values(**values)
            .returning(tasks.c.id, tasks.c.account_id, tasks.c.workspace_id)
        ).all()
        write_audit(conn, now, moves(actor, rows, source, target, detail))
        count += len(rows)
    return count


@retry_on_connection_problems(seconds=30)
def release_expired_leases(store: StoreBase, now: datetime, actor: str = "due_tasks_sensor") -> int:
    """Give back claims and attempts whose lease ran out; returns how many."""
    with store.engine.begin() as conn:
        return _give_back(conn, tasks.c.lease_expires_at < now, now, actor)


@retry_on_connection_problems(seconds=30)
def extend_claims(store: StoreBase, claim_batch: str, until: datetime) -> int:
    """Keep a live run's waiting claims from expiring (its heartbeat); returns how many."""
    with store.engine.begin() as conn:
        result = conn.execute(
            update(tasks)
            .where(
                tasks.c.claim_batch == claim_batch,
                tasks.c.status == TaskStatus.CLAIMED.value,
                tasks.c.lease_expires_at < until,
            )
            .values(lease_expires_at=until)
        )
    return result.rowcount


@retry_on_connection_problems(seconds=30)
def release_batch(store: StoreBase, claim_batch: str, now: datetime, actor: str) -> int:
    """Give back what a failed run still held of its batch, without waiting for the lease."""
    with store.engine.begin() as conn:
        return _give_back(conn, tasks.c.claim_batch == claim_batch, now, actor)


@retry_on_connection_problems(seconds=30)
def give_back_unsent(store: StoreBase, claim_batch: str, now: datetime, actor: str) -> int:
    """An interrupted run's claims it never began: claimable again at once; returns how many.

    Attempts under way are left alone: their threads may still be sending, and if the process
    dies first their lease brings them back, verified.
    """
    with store.engine.begin() as conn:
        condition = tasks.c.claim_batch == claim_batch
        return _give_back(conn, condition, now, actor, sources=[TaskStatus.CLAIMED])


@retry_on_connection_problems(seconds=30)
def hold_missed_posts(
    store: StoreBase, cutoff: datetime, now: datetime, actor: str = "due_tasks_sensor"
) -> int:
    """Posts never tried and due before `cutoff` are too late to send unasked: a person decides."""
    detail = f"not sent: due before {cutoff.isoformat()}, too late to publish unattended"
    with store.engine.begin() as conn:
        rows = conn.execute(
            update(tasks)
            .where(tasks.c.status == TaskStatus.SCHEDULED.value, tasks.c.scheduled_at < cutoff)
            .values(
                status=TaskStatus.NEEDS_ATTENTION.value,
                last_error=detail,
                updated_at=now,
                lease_version=tasks.c.lease_version + 1,
            )
            .returning(tasks.c.id, tasks.c.account_id, tasks.c.workspace_id)
        ).all()
        write_audit(
            conn, now, moves(actor, rows, TaskStatus.SCHEDULED, TaskStatus.NEEDS_ATTENTION, detail)
        )
    return len(rows)


def needs_verification(store: StoreBase, task_ids: Iterable[int]) -> set[int]:
    """Tasks whose latest attempt may have reached the platform without us knowing the result."""
    ids = list(task_ids)
    if not ids:
        return set()
    latest = (
        select(publish_attempts.c.task_id, func.max(publish_attempts.c.attempt_no).label("n"))
        .where(publish_attempts.c.task_id.in_(ids))
        .group_by(publish_attempts.c.task_id)
        .subquery()
    )
    query = (
        select(publish_attempts.c.task_id)
        .join(
            latest,
            and_(
                latest.c.task_id == publish_attempts.c.task_id,
                latest.c.n == publish_attempts.c.attempt_no,
            ),
        )
        .where(
            or_(
                publish_attempts.c.finished_at.is_(None),
                publish_attempts.c.error_kind == ErrorKind.UNKNOWN_OUTCOME.value,
            )
        )
    )
    with store.engine.connect() as conn:
        return {row.task_id for row in conn.execute(query)}
