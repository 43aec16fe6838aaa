"""Analytics operations: a workspace's rows of the warehouse's analytics tables, and exports.

The tables come from the analytics models (dbt_like_sql/ and the Dagster assets). Until a table
exists the answer is empty and says so; a table without a `workspace_id` column cannot be
scoped, so it is never shown through here: no numbers are made up, and none of another
workspace leak.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import BaseModel

from scheduling_platform.analytics.export import csv_chunks, parquet_chunks
from scheduling_platform.service.context import ServiceContext
from scheduling_platform.service.views import View

# What each analytics endpoint reads, by the endpoint's name.
ANALYTICS_TABLES = {
    "dashboard": "dashboard",
    "performance": "performance",
    "conflicts": "conflicts",
    "optimization-stats": "optimization_stats",
    "time-patterns": "time_patterns",
    "platform-comparison": "platform_comparison",
}
# Tables an export may name: the analytics tables and the publish log, and the time column
# `since` filters each on (None: the table has none, it is a summary over all time).
TIME_COLUMNS: dict[str, str | None] = {
    "dashboard": None,
    "performance": "published_at",
    "conflicts": "scheduled_at",
    "conflict_patterns": None,
    "optimization_stats": None,
    "time_patterns": None,
    "platform_comparison": None,
    "publish_log": "scheduled_at",
    "daily_publish_summary": "day",
}
EXPORTABLE = tuple(TIME_COLUMNS)
FORMATS = {"csv": ("text/csv", "csv"), "parquet": ("application/vnd.apache.parquet", "parquet")}
MAX_ROWS = 10_000


class AnalyticsQuery(BaseModel):
    account_id: int | None = None
    platform: str | None = None
    limit: int = 1000


class AnalyticsTable(View):
    """Rows of one analytics table for the workspace; `available` False: none to show yet."""

    table: str
    available: bool
    columns: list[str]
    rows: list[dict[str, Any]]
    note: str | None = None


def _filters(ctx: ServiceContext, columns: list[str], query: AnalyticsQuery) -> dict[str, object]:
    equal: dict[str, object] = {"workspace_id": ctx.workspace_id}
    if query.account_id is not None:
        if "account_id" in columns:
            equal["account_id"] = query.account_id
    if query.platform is not None and "platform" in columns:
        equal["platform"] = query.platform
    return equal


def _unavailable(table: str, columns: list[str] | None) -> str | None:
    if columns is None:
        return f"the {table} table has not been materialised yet"
    if "workspace_id" not in columns:
        return f"the {table} table has no workspace_id column, so it cannot be shown per workspace"
    return None


def read_table(ctx: ServiceContext, endpoint: str, query: AnalyticsQuery) -> AnalyticsTable:
    """The workspace's rows of the table behind an analytics endpoint."""
    if endpoint not in ANALYTICS_TABLES:
        raise ValueError(
            f"unknown analytics {endpoint!r}; choose from {', '.join(ANALYTICS_TABLES)}"
        )
    if not 1 <= query.limit <= MAX_ROWS:
        raise ValueError(f"limit must be between 1 and {MAX_ROWS}, not {query.limit}")
    table = ANALYTICS_TABLES[endpoint]
    columns = ctx.warehouse.columns(table)
    if query.account_id is not None:
        ctx.owned_account(query.account_id)  # another workspace's account is not found
    note = _unavailable(table, columns)
    if note or columns is None:
        return AnalyticsTable(table=table, available=False, columns=[], rows=[], note=note)
    frame = ctx.warehouse.select_rows(table, _filters(ctx, columns, query), limit=query.limit)
    rows = json.loads(frame.to_json(orient="records", date_format="iso"))
    return AnalyticsTable(table=table, available=True, columns=columns, rows=rows)


@dataclass(frozen=True)
class Export:
    """An export: its chunks, its media type, and why it is empty when there is nothing yet."""

    chunks: Iterator[bytes]
    media_type: str
    filename: str
    note: str | None


def export_table(
    ctx: ServiceContext, table: str, fmt: str = "csv", since: datetime | None = None
) -> Export:
    """The workspace's rows of `table` (those at or after `since` by the table's time column)
    as CSV (header first) or Parquet, in chunks."""
    if table not in EXPORTABLE:
        raise ValueError(f"cannot export {table!r}; choose from {', '.join(EXPORTABLE)}")
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    if since is not None and TIME_COLUMNS.get(table) is None:
        timed = ", ".join(t for t, c in TIME_COLUMNS.items() if c)
        raise ValueError(f"{table} has no time column for --since; tables that do: {timed}")
    media_type, suffix = FORMATS[fmt]
    filename = f"{table}.{suffix}"
    columns = ctx.warehouse.columns(table)
    note = _unavailable(table, columns)
    if note or columns is None:
        return Export(iter(()), media_type, filename, note)
    equal = _filters(ctx, columns, AnalyticsQuery())
    window = (TIME_COLUMNS[table] or "", since) if since is not None else None
    batches = ctx.warehouse.iter_rows(table, equal, since=window)
    chunks = csv_chunks(columns, batches) if fmt == "csv" else parquet_chunks(columns, batches)
    return Export(chunks, media_type, filename, None)
