"""System endpoints: health, readiness, metrics, info, retraining the model, the queue.

`health` and `ready` answer without a key (load balancers and Kubernetes probes call them)
and show no workspace's data; `metrics` and `retrain` are the operators' (admin scope)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST

from scheduling_platform.api.auth import require
from scheduling_platform.api.idempotency import IdempotencyKey, run_once
from scheduling_platform.api.routers.common import AUTHENTICATED, problems
from scheduling_platform.api.state import ApiState, api_state
from scheduling_platform.service import system as service
from scheduling_platform.service.context import ServiceContext
from scheduling_platform.service.system import Health, Info, QueueStatus, RetrainLaunched

router = APIRouter(prefix="/api/v1/system", tags=["system"])


@router.get("/health", response_model=Health, summary="Each part's reachability and latency")
def health(state: ApiState = Depends(api_state)) -> Health:
    return service.health(state.context(actor="health"))


@router.get(
    "/ready",
    response_model=Health,
    responses={503: {"model": Health, "description": "not ready: the store does not answer"}},
    summary="Readiness probe: 200 when this process can serve requests",
)
def ready(state: ApiState = Depends(api_state)) -> JSONResponse:
    report = service.ready(state.context(actor="ready"))
    return JSONResponse(report.data(), 200 if report.status == "ok" else 503)


@router.get(
    "/metrics",
    response_class=Response,
    responses={
        200: {"content": {CONTENT_TYPE_LATEST: {}}, "description": "Prometheus exposition"},
        **problems(*AUTHENTICATED),
    },
    summary="Prometheus metrics (admin scope)",
)
def metrics(
    state: ApiState = Depends(api_state), _ctx: ServiceContext = Depends(require("admin"))
) -> Response:
    return Response(state.metrics.exposition(), media_type=CONTENT_TYPE_LATEST)


@router.get("/info", response_model=Info, responses=problems(*AUTHENTICATED))
def info(ctx: ServiceContext = Depends(require("read"))) -> Info:
    return service.info(ctx)


@router.get(
    "/queue-status",
    response_model=QueueStatus,
    responses=problems(*AUTHENTICATED, 503),
    summary="Queued and running publish runs per platform; the workspace's tasks by status",
)
def queue_status(ctx: ServiceContext = Depends(require("read"))) -> QueueStatus:
    return service.queue_status(ctx)


@router.post(
    "/ml-model/retrain",
    status_code=202,
    response_model=RetrainLaunched,
    responses=problems(*AUTHENTICATED, 409, 503),
    summary="Launch retrain_job on the Dagster instance (admin scope); answers its run id",
)
def retrain(
    request: Request,
    idempotency_key: IdempotencyKey = None,
    ctx: ServiceContext = Depends(require("admin")),
) -> JSONResponse:
    return run_once(request, ctx, idempotency_key, None, 202, lambda: service.launch_retrain(ctx))
