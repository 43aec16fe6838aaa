"""Copying the task store's tables into the warehouse incrementally: each copy reads only the
rows changed since the warehouse's newest one (by updated time or id) and replaces them by key.

The copies (`raw_*`) are what the SQL models read. Times are UTC; each post also carries its
local weekday and hour in its account's zone, and epoch seconds for the SQL's arithmetic (the
same integers on DuckDB and Postgres)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pandas as pd

from scheduling_platform.store.extracts import (
    ACCOUNT_EXTRACT_COLUMNS,
    ATTEMPT_EXTRACT_COLUMNS,
    SERIES_CONFLICT_EXTRACT_COLUMNS,
    SERIES_EXTRACT_COLUMNS,
    TASK_EXTRACT_COLUMNS,
)
from scheduling_platform.store.task_store import TaskStore
from scheduling_platform.store.warehouse import Warehouse

ENGAGEMENT_SOURCE = "engagement_metrics"  # written by the engagement collection
ENGAGEMENT_EXTRACT_COLUMNS = (
    "post_key",
    "platform",
    "account_key",
    "posted_at",
    "followers",
    "reads",
    "likes",
    "shares",
    "comments",
    "collected_at",
)
_TIMES = {
    "scheduled_at",
    "published_at",
    "created_at",
    "updated_at",
    "sent_at",
    "started_at",
    "finished_at",
    "checked_at",
    "occurrence_start",
    "posted_at",
    "collected_at",
}
_INTS = {
    "task_id",
    "workspace_id",
    "account_id",
    "priority",
    "attempt_count",
    "series_id",
    "attempt_id",
    "attempt_no",
    "followers",
    "reads",
    "likes",
    "shares",
    "comments",
    "explored",
}
_FLOATS = {"predicted_engagement", "prediction_uncertainty"}


@dataclass(frozen=True)
class Extracted:
    """One copy: the rows read and written, the total after it, and where it started."""

    table: str
    rows_copied: int
    total_rows: int
    incremental: bool
    since: str | None  # the watermark the read started at, as text; None: a full copy


def typed_frame(rows: list[tuple[Any, ...]], columns: tuple[str, ...]) -> pd.DataFrame:
    """Rows as a frame with fixed types, so an empty copy creates the same table as a full one."""
    frame = pd.DataFrame(rows, columns=list(columns))
    for column in columns:
        if column in _TIMES:
            frame[column] = pd.to_datetime(frame[column], utc=True).astype("datetime64[us, UTC]")
        elif column in _INTS:
            frame[column] = frame[column].astype("Int64")
        elif column in _FLOATS:
            frame[column] = frame[column].astype("float64")
        else:  # text: typed even when empty, so the first (empty) copy makes a text column
            frame[column] = frame[column].astype("string")
    return frame


def _epoch(times: pd.Series) -> pd.Series:
    return (times.astype("int64") // 1_000_000).astype("Int64").where(times.notna())


def with_local_time(frame: pd.DataFrame, at: pd.Series, zones: pd.Series) -> pd.DataFrame:
    """`local_weekday` (0 Monday) and `local_hour` of `at` in each row's zone."""
    weekday = pd.Series(pd.NA, index=frame.index, dtype="Int64")
    hour = pd.Series(pd.NA, index=frame.index, dtype="Int64")
    for zone, index in zones.groupby(zones).groups.items():
        local = at.loc[index].dt.tz_convert(str(zone))
        weekday.loc[index] = local.dt.dayofweek.astype("Int64")
        hour.loc[index] = local.dt.hour.astype("Int64")
    return frame.assign(local_weekday=weekday, local_hour=hour)


def task_frame(rows: list[tuple[Any, ...]]) -> pd.DataFrame:
    frame = typed_frame(rows, TASK_EXTRACT_COLUMNS)
    posted = frame["published_at"].fillna(frame["scheduled_at"])
    frame = with_local_time(frame, posted, frame["timezone"])
    return frame.assign(
        scheduled_epoch=_epoch(frame["scheduled_at"]),
        sent_epoch=_epoch(frame["sent_at"]),
    )


def attempt_frame(rows: list[tuple[Any, ...]]) -> pd.DataFrame:
    frame = typed_frame(rows, ATTEMPT_EXTRACT_COLUMNS)
    return frame.assign(started_epoch=_epoch(frame["started_at"]))


def engagement_frame(raw: pd.DataFrame) -> pd.DataFrame:
    """The engagement rows with their post's local time (in the zone the row was collected
    with) and their total engagement, the model's target."""
    frame = typed_frame(
        list(raw[list(ENGAGEMENT_EXTRACT_COLUMNS)].itertuples(index=False, name=None)),
        ENGAGEMENT_EXTRACT_COLUMNS,
    )
    frame["followers"] = raw["followers"].round().astype("Int64").to_numpy()
    frame = with_local_time(frame, frame["posted_at"], raw["timezone"].reset_index(drop=True))
    return frame.assign(
        engagement=frame["reads"] + frame["likes"] + frame["shares"] + frame["comments"]
    )


def _scalar(warehouse: Warehouse, table: str, sql: str) -> Any:
    if not warehouse.has_table(table):
        return None
    return warehouse.scalar(sql)


def _upsert(warehouse: Warehouse, table: str, frame: pd.DataFrame, key: str) -> None:
    if frame.empty and warehouse.has_table(table):
        return
    warehouse.replace_rows(table, frame, key, frame[key].tolist() if frame[key].size else [])


def _count(warehouse: Warehouse, table: str) -> int:
    return int(warehouse.scalar(f'SELECT COUNT(*) AS n FROM "{table}"'))


def extract_tasks(store: TaskStore, warehouse: Warehouse) -> Extracted:
    since = _scalar(warehouse, "raw_tasks", "SELECT MAX(updated_at) FROM raw_tasks")
    held = warehouse.columns("raw_tasks")
    if since is not None and held is not None and set(held) != set(task_frame([]).columns):
        # A copy made before the extract gained columns: copy it whole again, in its new shape.
        frame = task_frame(store.tasks_updated_since(None))
        warehouse.replace_table("raw_tasks", frame)
        return Extracted("raw_tasks", len(frame), len(frame), False, None)
    frame = task_frame(store.tasks_updated_since(since))
    _upsert(warehouse, "raw_tasks", frame, "task_id")
    return Extracted(
        "raw_tasks", len(frame), _count(warehouse, "raw_tasks"), since is not None, _text(since)
    )


def extract_attempts(store: TaskStore, warehouse: Warehouse) -> Extracted:
    # From the oldest attempt still unfinished in the copy, else past the newest one.
    first = _scalar(
        warehouse,
        "raw_attempts",
        "SELECT COALESCE(MIN(CASE WHEN finished_at IS NULL THEN attempt_id END),"
        " MAX(attempt_id) + 1) FROM raw_attempts",
    )
    frame = attempt_frame(store.attempts_from(int(first) if first is not None else 0))
    _upsert(warehouse, "raw_attempts", frame, "attempt_id")
    total = _count(warehouse, "raw_attempts")
    since = None if first is None else f"attempt id {int(first)}"
    return Extracted("raw_attempts", len(frame), total, first is not None, since)


def extract_accounts(store: TaskStore, warehouse: Warehouse) -> Extracted:
    frame = typed_frame(store.account_rows(), ACCOUNT_EXTRACT_COLUMNS)
    rows = warehouse.replace_table("raw_accounts", frame)
    return Extracted("raw_accounts", rows, rows, False, None)


def extract_series(store: TaskStore, warehouse: Warehouse) -> Extracted:
    since = _scalar(warehouse, "raw_series", "SELECT MAX(updated_at) FROM raw_series")
    frame = typed_frame(store.series_updated_since(since), SERIES_EXTRACT_COLUMNS)
    _upsert(warehouse, "raw_series", frame, "series_id")
    total = _count(warehouse, "raw_series")
    return Extracted("raw_series", len(frame), total, since is not None, _text(since))


def extract_series_conflicts(store: TaskStore, warehouse: Warehouse) -> Extracted:
    frame = typed_frame(store.series_conflict_rows(), SERIES_CONFLICT_EXTRACT_COLUMNS)
    rows = warehouse.replace_table("raw_series_conflicts", frame)
    return Extracted("raw_series_conflicts", rows, rows, False, None)


def extract_engagement(warehouse: Warehouse) -> Extracted:
    """The collected engagement (already in the warehouse), re-collected rows replacing theirs."""
    since = _scalar(warehouse, "raw_engagement", "SELECT MAX(collected_at) FROM raw_engagement")
    if warehouse.has_table(ENGAGEMENT_SOURCE):
        where = "" if since is None else f" WHERE collected_at >= '{pd.Timestamp(since)}'"
        raw = warehouse.query(f"SELECT * FROM {ENGAGEMENT_SOURCE}{where}")
    else:
        raw = pd.DataFrame(columns=[*ENGAGEMENT_EXTRACT_COLUMNS, "timezone"])
    frame = engagement_frame(raw)
    _upsert(warehouse, "raw_engagement", frame, "post_key")
    total = _count(warehouse, "raw_engagement")
    return Extracted("raw_engagement", len(frame), total, since is not None, _text(since))


def _text(value: Any) -> str | None:
    return None if value is None else pd.Timestamp(value).isoformat()


STORE_EXTRACTS: dict[str, Callable[[TaskStore, Warehouse], Extracted]] = {
    "raw_tasks": extract_tasks,
    "raw_attempts": extract_attempts,
    "raw_accounts": extract_accounts,
    "raw_series": extract_series,
    "raw_series_conflicts": extract_series_conflicts,
}
