"""Prometheus metrics (prometheus-client): requests by route and status, their latency, and
at each scrape the store's tasks by status, publish outcomes and lateness per platform.

One registry per app (so several apps in one process, as in the tests, do not mix). With
several worker processes each serves its own request counters; the store's figures are the
same from every worker.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeHistogramMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from scheduling_platform.service.system import PublishFigures

log = logging.getLogger(__name__)

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
LATENESS_BUCKETS = (1.0, 2.0, 5.0, 10.0, 30.0, 60.0, 300.0, 900.0, 3600.0)


class StoreCollector(Collector):
    """Reads the store's figures at scrape time; a store that fails shows as `store_up 0`."""

    def __init__(self, figures: Callable[[], PublishFigures]) -> None:
        self.figures = figures

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily("scheduling_store_up", "1 if the task store answered the scrape")
        try:
            figures = self.figures()
        except Exception:  # a scrape reports the store down rather than failing
            log.exception("metrics: the store's figures could not be read")
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        tasks = GaugeMetricFamily("scheduling_tasks", "tasks by status", labels=["status"])
        for status, count in sorted(figures.tasks_by_status.items()):
            tasks.add_metric([status], count)
        yield tasks
        outcomes = GaugeMetricFamily(
            "scheduling_publish_outcomes_last_hour",
            "publish attempts finished in the last hour, by platform and outcome",
            labels=["platform", "outcome"],
        )
        for platform, by_outcome in sorted(figures.outcomes_last_hour.items()):
            for outcome, count in sorted(by_outcome.items()):
                outcomes.add_metric([platform, outcome], count)
        yield outcomes
        lateness = GaugeHistogramMetricFamily(
            "scheduling_publish_lateness_seconds",
            "seconds from due time to published, of posts published in the last hour",
            labels=["platform"],
        )
        for platform, values in sorted(figures.lateness_last_hour.items()):
            buckets = [(str(b), float(sum(1 for v in values if v <= b))) for b in LATENESS_BUCKETS]
            buckets.append(("+Inf", float(len(values))))
            lateness.add_metric([platform], buckets, gsum_value=sum(values))
        yield lateness


class ApiMetrics:
    """The app's registry and its request metrics."""

    def __init__(self, figures: Callable[[], PublishFigures]) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "scheduling_api_requests",
            "API requests by method, route and status",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "scheduling_api_request_duration_seconds",
            "API request latency by method and route",
            ["method", "route"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.registry.register(StoreCollector(figures))

    def exposition(self) -> bytes:
        return generate_latest(self.registry)


class MetricsMiddleware:
    """Counts and times every request by its route template (`/tasks/{task_id}`, never the
    concrete path, so ids do not multiply the series)."""

    def __init__(self, app: ASGIApp, metrics: ApiMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            route = scope.get("route")
            template = getattr(route, "path", None) or "unmatched"
            method = scope["method"]
            self.metrics.requests.labels(method, template, str(status)).inc()
            self.metrics.latency.labels(method, template).observe(time.perf_counter() - started)
