"""Reads for the operations endpoints: is the store there, and how publishing went lately."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select, text

from scheduling_platform.lifecycle import TaskStatus
from scheduling_platform.store.base import StoreBase
from scheduling_platform.store.schema import publish_attempts, tasks


class OperationalQueries(StoreBase):
    """Cross-workspace figures for operators (health, readiness, metrics); nothing changes."""

    def ping(self) -> None:
        """One round trip to the database; raises when it cannot be reached."""
        with self.reading() as conn:
            conn.execute(text("SELECT 1"))

    def publish_outcomes_since(self, since: datetime) -> dict[tuple[str, str], int]:
        """Attempts finished since `since`, by (platform, outcome)."""
        query = (
            select(tasks.c.platform, publish_attempts.c.outcome, func.count())
            .select_from(publish_attempts.join(tasks, tasks.c.id == publish_attempts.c.task_id))
            .where(publish_attempts.c.finished_at >= since)
            .group_by(tasks.c.platform, publish_attempts.c.outcome)
        )
        with self.reading() as conn:
            return {
                (platform, outcome or "unknown"): count
                for platform, outcome, count in conn.execute(query).tuples()
            }

    def publish_lateness_since(
        self, since: datetime, *, due_within: timedelta = timedelta(days=1)
    ) -> list[tuple[str, float]]:
        """(platform, seconds from due time to published) of posts published since `since`.

        Only posts due at most `due_within` before `since`: that bound lets the (status,
        scheduled_at) index serve the query on a store of millions of tasks.
        """
        query = select(tasks.c.platform, tasks.c.scheduled_at, tasks.c.published_at).where(
            tasks.c.status == TaskStatus.PUBLISHED.value,
            tasks.c.scheduled_at >= since - due_within,
            tasks.c.published_at >= since,
        )
        with self.reading() as conn:
            return [
                (platform, (published - scheduled).total_seconds())
                for platform, scheduled, published in conn.execute(query).tuples()
            ]
