"""Snapshots of the task store for the warehouse."""

from __future__ import annotations

import pandas as pd

from scheduling_platform.store.snapshots import PUBLISH_LOG_COLUMNS
from scheduling_platform.store.task_store import TaskStore


def publish_log_frame(store: TaskStore) -> pd.DataFrame:
    """One row a task: its platform, status, times and how late its last attempt left."""
    frame = pd.DataFrame(store.publish_log_rows(), columns=list(PUBLISH_LOG_COLUMNS))
    for column in ("scheduled_at", "published_at", "sent_at"):
        frame[column] = pd.to_datetime(frame[column], utc=True)
    frame["lateness_seconds"] = (frame["sent_at"] - frame["scheduled_at"]).dt.total_seconds()
    return frame
