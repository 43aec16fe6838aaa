"""Removing old scheduling logs in small batches, each its own short transaction, so the
publishing path never waits long for a lock."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Select, Table, delete, select

from scheduling_platform.lifecycle import TaskStatus
from scheduling_platform.store.base import StoreBase
from scheduling_platform.store.schema import audit_log, publish_attempts, tasks

# Tasks that never change again: their attempts are history, needed by no publish. A task
# keeps its own outcome (status, post id, publish time) on its row, which is never removed.
FINAL_STATUSES = (TaskStatus.PUBLISHED, TaskStatus.FAILED, TaskStatus.CANCELLED)


class RetentionQueries(StoreBase):
    """Batched deletes of attempts and audit rows older than a cutoff."""

    def _delete_in_batches(self, table: Table, ids: Select[Any], batch: int) -> int:
        removed = 0
        while True:
            with self.engine.begin() as conn:
                chosen = [r[0] for r in conn.execute(ids.limit(batch))]
                if not chosen:
                    return removed
                conn.execute(delete(table).where(table.c.id.in_(chosen)))
            removed += len(chosen)

    def delete_attempts_before(self, cutoff: datetime, *, batch: int = 1000) -> int:
        """Remove finished attempts started before `cutoff` of tasks in a final status; an
        attempt of a task still on its way (or unfinished) stays. Returns the rows removed."""
        final = select(tasks.c.id).where(tasks.c.status.in_([s.value for s in FINAL_STATUSES]))
        ids = (
            select(publish_attempts.c.id)
            .where(publish_attempts.c.started_at < cutoff)
            .where(publish_attempts.c.finished_at.is_not(None))
            .where(publish_attempts.c.task_id.in_(final))
            .order_by(publish_attempts.c.id)
        )
        return self._delete_in_batches(publish_attempts, ids, batch)

    def delete_audit_before(self, cutoff: datetime, *, batch: int = 1000) -> int:
        """Remove audit rows written before `cutoff`. Returns the rows removed."""
        ids = select(audit_log.c.id).where(audit_log.c.at < cutoff).order_by(audit_log.c.id)
        return self._delete_in_batches(audit_log, ids, batch)
