"""Retention: scheduling logs and performance data past their age, removed from the task
store (in small batches beside the publishing path) and from the warehouse's copies."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from scheduling_platform.analytics.extraction import ENGAGEMENT_SOURCE
from scheduling_platform.store.task_store import TaskStore
from scheduling_platform.store.warehouse import Warehouse


@dataclass(frozen=True)
class RetentionPolicy:
    log_days: int = 90  # publish attempts and the audit log
    performance_days: int = 365  # collected engagement
    batch_rows: int = 1000


@dataclass(frozen=True)
class RetentionReport:
    log_cutoff: datetime
    performance_cutoff: datetime
    removed: dict[str, int]  # "store.publish_attempts", "warehouse.raw_engagement", ... -> rows


def apply_retention(
    store: TaskStore, warehouse: Warehouse, policy: RetentionPolicy, now: datetime
) -> RetentionReport:
    """Remove what is older than the policy keeps; report the rows each table lost."""
    logs = now - timedelta(days=policy.log_days)
    performance = now - timedelta(days=policy.performance_days)
    removed = {
        "store.publish_attempts": store.delete_attempts_before(logs, batch=policy.batch_rows),
        "store.audit_log": store.delete_audit_before(logs, batch=policy.batch_rows),
        # The copy of the attempts goes as they do; a task's lateness stays on raw_tasks.
        "warehouse.raw_attempts": warehouse.delete_before("raw_attempts", "started_at", logs),
        f"warehouse.{ENGAGEMENT_SOURCE}": warehouse.delete_before(
            ENGAGEMENT_SOURCE, "posted_at", performance
        ),
        "warehouse.raw_engagement": warehouse.delete_before(
            "raw_engagement", "posted_at", performance
        ),
    }
    return RetentionReport(logs, performance, removed)
