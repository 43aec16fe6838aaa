"""The API app: one shared store and limiter, the routers, problem details, protection."""

from __future__ import annotations

import gc
import sys
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib import metadata
from typing import Any

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from scheduling_platform.api.metrics import ApiMetrics, MetricsMiddleware
from scheduling_platform.api.orchestrator import DagsterOrchestrator
from scheduling_platform.api.problems import MEDIA_TYPE, Problem, install_problem_handlers
from scheduling_platform.api.protection import RequestSizeLimit
from scheduling_platform.api.ratelimit import RateLimiter
from scheduling_platform.api.routers import (
    accounts,
    analytics,
    decisions,
    scheduling,
    series,
    system,
)
from scheduling_platform.api.state import ApiState
from scheduling_platform.dagster_client import InProcessRuns
from scheduling_platform.fingerprints import band_keys
from scheduling_platform.intelligence.calendar import load_calendars
from scheduling_platform.keyhash import KeyHasher
from scheduling_platform.service.context import Shared
from scheduling_platform.service.orchestrator import Orchestrator
from scheduling_platform.service.system import publish_figures
from scheduling_platform.settings import Settings, get_settings
from scheduling_platform.store.task_store import TaskStore
from scheduling_platform.store.warehouse import Warehouse

# Connections per worker process: enough for the threads that serve requests at once.
POOL_SIZE = 20


def _problem_media_types(schema: dict[str, Any]) -> dict[str, Any]:
    """Problem responses are `application/problem+json` (FastAPI documents `application/json`)."""
    ref = "#/components/schemas/Problem"
    for path in schema.get("paths", {}).values():
        for operation in path.values():
            for response in operation.get("responses", {}).values():
                content = response.get("content", {})
                if content.get("application/json", {}).get("schema", {}).get("$ref") == ref:
                    content[MEDIA_TYPE] = content.pop("application/json")
    schema.setdefault("components", {}).setdefault("schemas", {})["Problem"] = (
        Problem.model_json_schema()
    )
    return schema


SWITCH_INTERVAL_SECONDS = 0.001


def _warm_up(immediate: InProcessRuns) -> None:
    """Load what the first requests would otherwise wait for (the immediate path's
    definitions, the holiday calendars), then move what start-up built out of the
    collector's sight: Dagster's definitions, pandas and scikit-learn live as long as the
    process, and a full collection that walks them stalls every request for 200-300 ms."""
    load_calendars()
    immediate.warm()
    gc.collect()
    gc.freeze()


def create_served_app() -> FastAPI:
    """The app `scheduling-platform api` (and `up`) serves: the immediate path's definitions
    and instance loaded at start, so the first post due now does not wait for them."""
    # A request holding the store's write lock gives up the GIL at every SQLite call and,
    # with the other request threads busy, waits a whole switch interval (5 ms by default)
    # to get it back, a dozen times a create: every writer queued behind it waits too.
    sys.setswitchinterval(SWITCH_INTERVAL_SECONDS)
    return create_app(warm_immediate=True)


def create_app(
    settings: Settings | None = None,
    *,
    orchestrator: Orchestrator | None = None,
    warm_immediate: bool = False,
) -> FastAPI:
    """The app for `settings` (the environment's by default); `orchestrator`: Dagster's."""
    settings = settings or get_settings()
    store = TaskStore.from_settings(settings, pool_size=POOL_SIZE, pool_sqlite=True)
    dagster = orchestrator or DagsterOrchestrator.from_settings(settings)
    immediate = InProcessRuns(settings, wait=False)
    shared = Shared(
        store=store,
        warehouse=Warehouse(settings.resolved_warehouse_url),
        hasher=KeyHasher.from_settings(settings),
        orchestrator=dagster,
        immediate=immediate,
    )
    state = ApiState(
        settings=settings,
        shared=shared,
        limiter=RateLimiter.from_settings(settings),
        metrics=ApiMetrics(lambda: publish_figures(state.context(actor="metrics"))),
    )

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # The text fingerprints import datasketch and scipy lazily (publish runs never need
        # them); a server pays that second once at start, not in its first create's answer.
        band_keys("warm up")
        warming = threading.Thread(target=_warm_up, args=(immediate,), name="warm-up", daemon=True)
        if warm_immediate:
            warming.start()
        yield
        if warming.is_alive():
            warming.join()
        immediate.close()
        if isinstance(dagster, DagsterOrchestrator):
            dagster.close()
        store.engine.dispose()

    app = FastAPI(
        title="scheduling-platform",
        version=metadata.version("scheduling-platform"),
        description="Schedules and publishes content to Weibo, WeChat, Douyin, Toutiao and "
        "Baijiahao. Authenticate with `Authorization: Bearer spk_...`; errors are RFC 9457 "
        "problem details.",
        lifespan=lifespan,
    )
    app.state.api = state
    routers = (
        series.router,
        scheduling.router,
        decisions.router,
        analytics.router,
        accounts.router,
        system.router,
    )
    for router in routers:
        app.include_router(router)
    install_problem_handlers(app)
    # The last added is the outermost: every request is counted (413s and preflights too),
    # CORS headers go on every answer (413s too), sizes are refused before the body is read.
    app.add_middleware(RequestSizeLimit, max_bytes=settings.api_max_request_bytes)
    if settings.api_cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.api_cors_origins,
            allow_methods=["GET", "POST", "PUT", "DELETE"],
            allow_headers=["Authorization", "Content-Type", "Idempotency-Key"],
            expose_headers=["Retry-After", "Idempotent-Replayed"],
        )
    app.add_middleware(MetricsMiddleware, metrics=state.metrics)

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            from fastapi.openapi.utils import get_openapi

            app.openapi_schema = _problem_media_types(
                get_openapi(
                    title=app.title,
                    version=app.version,
                    description=app.description,
                    routes=app.routes,
                )
            )
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app
