"""Operations on the platform itself: health, readiness, info, the publish queue, retraining,
and the figures the metrics endpoint exposes."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from importlib import metadata

from scheduling_platform.platforms.base import PLATFORMS
from scheduling_platform.redaction import redact
from scheduling_platform.service.context import ServiceContext
from scheduling_platform.service.views import View
from scheduling_platform.timeutil import utcnow

RUNNING = ("STARTING", "STARTED", "CANCELING")
RECENT = timedelta(hours=1)


class ComponentHealth(View):
    name: str
    ok: bool
    latency_ms: float
    detail: str | None = None


class Health(View):
    status: str  # "ok", or "degraded" when any component is not
    components: list[ComponentHealth]


class Info(View):
    name: str
    version: str
    api_version: str
    workspace_id: int
    database: str  # the backend's name only, never its URL
    warehouse: str
    platforms: list[str]
    rate_limit_default: str
    model_in_use: str | None


class PlatformQueue(View):
    queued: int
    running: int


class QueueStatus(View):
    publish_runs: dict[str, PlatformQueue]  # by platform, from the Dagster instance
    tasks_by_status: dict[str, int]  # the workspace's tasks


class RetrainLaunched(View):
    job: str
    run_id: str


class PublishFigures(View):
    """Cross-workspace figures for the metrics endpoint (operators only)."""

    tasks_by_status: dict[str, int]
    outcomes_last_hour: dict[str, dict[str, int]]  # platform -> outcome -> attempts
    lateness_last_hour: dict[str, list[float]]  # platform -> seconds late, per post


def _probe(name: str, check: Callable[[], object]) -> ComponentHealth:
    started = time.perf_counter()
    try:
        outcome = check()
        ok = outcome is not False
        detail = None if ok else "did not answer"
    except Exception as exc:  # a health check reports every failure, it never raises
        ok, detail = False, redact(f"{type(exc).__name__}: {exc}")[:300]
    return ComponentHealth(
        name=name, ok=ok, latency_ms=round((time.perf_counter() - started) * 1000, 2), detail=detail
    )


def ready(ctx: ServiceContext) -> Health:
    """Whether this process can serve requests: its store answers."""
    store = _probe("store", ctx.store.ping)
    return Health(status="ok" if store.ok else "down", components=[store])


def health(ctx: ServiceContext) -> Health:
    """The store, the warehouse, the Dagster instance and each platform, each with its latency."""
    checks: list[tuple[str, Callable[[], object]]] = [
        ("store", ctx.store.ping),
        ("warehouse", ctx.warehouse.ping),
        ("dagster", ctx.orchestrator.ping),
        *[(f"platform:{p}", lambda p=p: ctx.client(p).is_available()) for p in PLATFORMS],
    ]
    with ThreadPoolExecutor(len(checks)) as pool:
        components = list(pool.map(lambda c: _probe(*c), checks))
    return Health(
        status="ok" if all(c.ok for c in components) else "degraded", components=components
    )


def info(ctx: ServiceContext) -> Info:
    return Info(
        name="scheduling-platform",
        version=metadata.version("scheduling-platform"),
        api_version="v1",
        workspace_id=ctx.workspace_id,
        database=ctx.store.dialect,
        warehouse="duckdb" if ctx.warehouse.is_duckdb else "postgresql",
        platforms=list(PLATFORMS),
        rate_limit_default=ctx.settings.rate_limit_default,
        model_in_use=ctx.store.promoted_version(),
    )


def queue_status(ctx: ServiceContext) -> QueueStatus:
    runs = ctx.orchestrator.active_runs("publish_job")
    queue = {p: PlatformQueue(queued=0, running=0) for p in PLATFORMS}
    counted = Counter(
        (r.tags.get("platform", "unknown"), "queued" if r.status == "QUEUED" else "running")
        for r in runs
        if r.status == "QUEUED" or r.status in RUNNING
    )
    for platform in {p for p, _ in counted}:
        queue[platform] = PlatformQueue(
            queued=counted[(platform, "queued")], running=counted[(platform, "running")]
        )
    return QueueStatus(
        publish_runs=queue,
        tasks_by_status=ctx.store.count_by_status(workspace_id=ctx.workspace_id),
    )


def launch_retrain(ctx: ServiceContext) -> RetrainLaunched:
    """Start `retrain_job` on the Dagster instance (features, model, checks, promotion)."""
    return RetrainLaunched(job="retrain_job", run_id=ctx.orchestrator.launch("retrain_job"))


def publish_figures(ctx: ServiceContext) -> PublishFigures:
    since = utcnow() - RECENT
    outcomes: dict[str, dict[str, int]] = {}
    for (platform, outcome), count in ctx.store.publish_outcomes_since(since).items():
        outcomes.setdefault(platform, {})[outcome] = count
    lateness: dict[str, list[float]] = {}
    for platform, seconds in ctx.store.publish_lateness_since(since):
        lateness.setdefault(platform, []).append(seconds)
    return PublishFigures(
        tasks_by_status=ctx.store.count_by_status(),
        outcomes_last_hour=outcomes,
        lateness_last_hour=lateness,
    )
