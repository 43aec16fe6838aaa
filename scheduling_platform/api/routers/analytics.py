"""Analytics endpoints: the workspace's rows of the warehouse's analytics tables, and CSV or
Parquet export. Until a table exists the answer is empty and says so (`available: false`)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import StreamingResponse
from pydantic import AwareDatetime

from scheduling_platform.api.auth import require
from scheduling_platform.api.routers.common import AUTHENTICATED, MAX_ID, problems
from scheduling_platform.platforms.base import PLATFORMS
from scheduling_platform.service import analytics as service
from scheduling_platform.service.analytics import AnalyticsQuery, AnalyticsTable
from scheduling_platform.service.context import ServiceContext

router = APIRouter(prefix="/api/v1/analytics", tags=["analytics"])

AccountFilter = Annotated[
    int | None, Query(ge=1, le=MAX_ID, description="only this account's rows (404 if not yours)")
]
PlatformFilter = Annotated[str | None, Query(pattern=f"^({'|'.join(PLATFORMS)})$")]
Limit = Annotated[int, Query(ge=1, le=service.MAX_ROWS)]


def _endpoint(name: str) -> None:
    def read(
        account_id: AccountFilter = None,
        platform: PlatformFilter = None,
        limit: Limit = 1000,
        ctx: ServiceContext = Depends(require("read")),
    ) -> AnalyticsTable:
        query = AnalyticsQuery(account_id=account_id, platform=platform, limit=limit)
        return service.read_table(ctx, name, query)

    read.__name__ = f"analytics_{name.replace('-', '_')}"
    router.add_api_route(
        f"/{name}",
        read,
        methods=["GET"],
        response_model=AnalyticsTable,
        responses=problems(*AUTHENTICATED, 404),
        summary=f"The {service.ANALYTICS_TABLES[name]} table, the workspace's rows",
    )


for _name in service.ANALYTICS_TABLES:
    _endpoint(_name)

ExportTable = Literal[service.EXPORTABLE]  # type: ignore[valid-type]


ExportFormat = Literal["csv", "parquet"]  # service.FORMATS


@router.get(
    "/export",
    response_class=StreamingResponse,
    responses={
        200: {
            "content": {"text/csv": {}, "application/vnd.apache.parquet": {}},
            "description": "the rows as CSV (header first) or Parquet",
        },
        **problems(*AUTHENTICATED),
    },
    summary="A table's rows of the workspace as CSV or Parquet, streamed (empty until it exists)",
)
def export(
    table: Annotated[ExportTable, Query(description="the table to export")],
    format: Annotated[ExportFormat, Query(description="csv or parquet")] = "csv",
    since: Annotated[
        AwareDatetime | None,
        Query(description="only rows at or after this time (tables with a time column)"),
    ] = None,
    ctx: ServiceContext = Depends(require("read")),
) -> StreamingResponse:
    exported = service.export_table(ctx, table, format, since)
    headers = {"Content-Disposition": f'attachment; filename="{exported.filename}"'}
    if exported.note:
        headers["X-Analytics-Note"] = exported.note
    return StreamingResponse(exported.chunks, media_type=exported.media_type, headers=headers)
