"""Snapshots of the task store for the warehouse."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import func, select

from scheduling_platform.store.schema import publish_attempts, tasks
from scheduling_platform.store.task_store import TaskStore


def publish_log_frame(store: TaskStore) -> pd.DataFrame:
    """One row a task: its platform, status, times and how late its last attempt left."""
    last_attempt = (
        select(
            publish_attempts.c.task_id,
            func.max(publish_attempts.c.started_at).label("sent_at"),
        )
        .group_by(publish_attempts.c.task_id)
        .subquery()
    )
    query = select(
        tasks.c.id.label("task_id"),
        tasks.c.account_id,
        tasks.c.platform,
        tasks.c.status,
        tasks.c.priority,
        tasks.c.attempt_count,
        tasks.c.scheduled_at,
        tasks.c.published_at,
        last_attempt.c.sent_at,
    ).select_from(tasks.outerjoin(last_attempt, last_attempt.c.task_id == tasks.c.id))
    with store.engine.connect() as conn:
        rows = conn.execute(query).all()
    frame = pd.DataFrame(rows, columns=list(query.selected_columns.keys()))
    for column in ("scheduled_at", "published_at", "sent_at"):
        frame[column] = pd.to_datetime(frame[column], utc=True)
    frame["lateness_seconds"] = (frame["sent_at"] - frame["scheduled_at"]).dt.total_seconds()
    return frame
