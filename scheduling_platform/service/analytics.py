"""Analytics operations: a workspace's rows of the warehouse's analytics tables, and exports.

The tables come from the analytics models (dbt_like_sql/ and the Dagster assets). Until a table
exists the answer is empty and says so; a table without a `workspace_id` column cannot be
scoped, so it is never shown through here: no numbers are made up, and none of another
workspace leak.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

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
# Tables an export may name: the analytics tables and the publish log they are built from.
EXPORTABLE = (*ANALYTICS_TABLES.values(), "publish_log", "daily_publish_summary")
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
    """A CSV export: its chunks, and why it is empty when there is nothing to show yet."""

    chunks: Iterator[str]
    note: str | None


def export_csv(ctx: ServiceContext, table: str) -> Export:
    """The workspace's rows of `table` as CSV text, in chunks, header first."""
    if table not in EXPORTABLE:
        raise ValueError(f"cannot export {table!r}; choose from {', '.join(EXPORTABLE)}")
    columns = ctx.warehouse.columns(table)
    note = _unavailable(table, columns)
    if note or columns is None:
        return Export(iter(()), note)
    equal = _filters(ctx, columns, AnalyticsQuery())

    def chunks() -> Iterator[str]:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(columns)
        for _columns, rows in ctx.warehouse.iter_rows(table, equal):
            writer.writerows(rows)
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
        yield buffer.getvalue()

    return Export(chunks(), None)
