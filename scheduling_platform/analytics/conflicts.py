"""The task snapshot the `conflicts` SQL model reads, and its media one row an item."""

from __future__ import annotations

import json
from zoneinfo import ZoneInfo

import pandas as pd

from scheduling_platform.store.snapshots import TASK_SNAPSHOT_COLUMNS
from scheduling_platform.store.task_store import TaskStore


def task_snapshot_frame(store: TaskStore) -> pd.DataFrame:
    """One row a task, with its time as epoch seconds (the SQL's window arithmetic) and its
    local hour in the account's zone."""
    frame = pd.DataFrame(store.task_snapshot_rows(), columns=list(TASK_SNAPSHOT_COLUMNS))
    frame["scheduled_at"] = pd.to_datetime(frame["scheduled_at"], utc=True)
    epoch = pd.Timestamp(0, tz="UTC")
    frame["scheduled_epoch"] = (
        (frame["scheduled_at"] - epoch).dt.total_seconds().round().astype("int64")
    )
    frame["local_hour"] = [
        at.astimezone(ZoneInfo(tz)).hour
        for at, tz in zip(frame["scheduled_at"], frame["timezone"], strict=True)
    ]
    frame["local_hour"] = frame["local_hour"].astype("int64")
    frame["series_id"] = frame["series_id"].astype("Int64")
    return frame


def task_media_frame(snapshot: pd.DataFrame) -> pd.DataFrame:
    """One row a (task, media item)."""
    rows = [
        (int(task_id), ref)
        for task_id, media in zip(snapshot["task_id"], snapshot["media"], strict=True)
        for ref in (json.loads(media) if isinstance(media, str) and media else [])
    ]
    return pd.DataFrame(rows, columns=["task_id", "media"]).astype({"task_id": "int64"})
