"""Series and batch endpoints: recurring posts (RFC 5545 rules) and up to 50 posts at once."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import JSONResponse

from scheduling_platform.api.auth import require
from scheduling_platform.api.idempotency import IdempotencyKey, run_once
from scheduling_platform.api.routers.common import AUTHENTICATED, MAX_ID, problems
from scheduling_platform.scheduling.series import Scope
from scheduling_platform.service import batches
from scheduling_platform.service import series as service
from scheduling_platform.service.context import ServiceContext

router = APIRouter(prefix="/api/v1/scheduling", tags=["scheduling"])
SeriesId = Annotated[int, Path(ge=1, le=MAX_ID)]


@router.post(
    "/tasks/batch",
    response_model=batches.BatchResult,
    responses=problems(*AUTHENTICATED, 422),
    summary="Up to 50 posts at once: one result an item (created, or refused with reasons "
    "and conflicts); `all_or_nothing` creates none when one is refused",
)
def create_batch(
    body: batches.BatchRequest,
    request: Request,
    idempotency_key: IdempotencyKey = None,
    ctx: ServiceContext = Depends(require("write")),
) -> JSONResponse:
    return run_once(
        request, ctx, idempotency_key, body, 200, lambda: batches.create_batch(ctx, body)
    )


@router.post(
    "/series",
    status_code=201,
    response_model=service.SeriesView,
    responses=problems(*AUTHENTICATED, 404, 409),
    summary="A recurring post: its rule, and its next ten occurrences in local and UTC time",
)
def create_series(
    body: service.CreateSeriesRequest,
    request: Request,
    idempotency_key: IdempotencyKey = None,
    ctx: ServiceContext = Depends(require("write")),
) -> JSONResponse:
    return run_once(
        request, ctx, idempotency_key, body, 201, lambda: service.create_series(ctx, body)
    )


@router.get(
    "/series/{series_id}",
    response_model=service.SeriesView,
    responses=problems(*AUTHENTICATED, 404),
    summary="A series and its next ten occurrences",
)
def show_series(
    series_id: SeriesId, ctx: ServiceContext = Depends(require("read"))
) -> service.SeriesView:
    return service.show_series(ctx, series_id)


@router.put(
    "/series/{series_id}",
    response_model=service.SeriesView,
    responses=problems(*AUTHENTICATED, 404, 409),
    summary="Edit the whole series, this occurrence and the following ones, or one occurrence",
)
def edit_series(
    series_id: SeriesId,
    body: service.EditSeriesRequest,
    ctx: ServiceContext = Depends(require("write")),
) -> service.SeriesView:
    return service.edit_series(ctx, series_id, body)


@router.delete(
    "/series/{series_id}",
    response_model=service.SeriesView,
    responses=problems(*AUTHENTICATED, 404, 409),
    summary="Cancel the whole series, this occurrence and the following ones, or one",
)
def cancel_series(
    series_id: SeriesId,
    scope: Scope = Scope.ALL,
    occurrence: str | None = None,
    ctx: ServiceContext = Depends(require("write")),
) -> service.SeriesView:
    return service.cancel_series(ctx, series_id, scope, occurrence)
