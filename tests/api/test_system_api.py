"""System endpoints over real HTTP: health and readiness, info, Prometheus metrics with the
publish figures, and the queue read from a real Dagster instance."""

from __future__ import annotations

import time
from datetime import timedelta

from dagster import DagsterInstance, DagsterRunStatus
from dagster._core.remote_origin import (
    RegisteredCodeLocationOrigin,
    RemoteJobOrigin,
    RemoteRepositoryOrigin,
)
from dagster._core.test_utils import create_run_for_test
from prometheus_client.parser import text_string_to_metric_families

from scheduling_platform.definitions import build_definitions
from scheduling_platform.platforms.base import PLATFORMS
from scheduling_platform.timeutil import utcnow
from sensors.ticks import run_one_tick
from tests.api.conftest import Api


def test_health_names_each_part_with_its_latency(api: Api) -> None:
    health = api.client().get("/api/v1/system/health")
    assert health.status_code == 200
    parts = {c["name"]: c for c in health.json()["components"]}
    assert set(parts) == {"store", "warehouse", "dagster", *(f"platform:{p}" for p in PLATFORMS)}
    assert all(c["ok"] for c in parts.values()), parts
    assert all(c["latency_ms"] >= 0 for c in parts.values())
    assert health.json()["status"] == "ok"
    ready = api.client().get("/api/v1/system/ready")
    assert ready.status_code == 200 and ready.json()["components"][0]["name"] == "store"


def test_health_reports_an_unreachable_platform(make_api, api_settings) -> None:
    away = api_settings.model_copy(update={"sandbox_url": "http://127.0.0.1:9"})
    parts = {
        c["name"]: c
        for c in make_api(away).client().get("/api/v1/system/health").json()["components"]
    }
    assert parts["platform:weibo"]["ok"] is False and parts["store"]["ok"] is True


def test_info_says_what_runs_without_secrets(api: Api) -> None:
    info = api.client(api.key("read")).get("/api/v1/system/info").json()
    assert info["api_version"] == "v1" and info["database"] == "sqlite"
    assert info["rate_limit_default"] == "1000/hour" and info["platforms"] == list(PLATFORMS)
    assert "sqlite:///" not in str(info)


def _samples(text: str) -> dict[str, list[tuple[dict[str, str], float]]]:
    found: dict[str, list[tuple[dict[str, str], float]]] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found.setdefault(sample.name, []).append((sample.labels, sample.value))
    return found


def test_metrics_count_requests_tasks_outcomes_and_lateness(api: Api) -> None:
    admin = api.admin()
    account = admin.store.get_account(api.account())
    for n in range(3):
        admin.store.create_task(account, f"metrics {n}", utcnow() + timedelta(seconds=1))
    time.sleep(1.5)  # let them fall due: the tick publishes what is due now
    with DagsterInstance.ephemeral() as instance:
        runs = run_one_tick(instance, build_definitions(api.settings))
    assert runs and all(r["success"] for r in runs)

    http = api.client(api.key("admin"))
    http.get("/api/v1/scheduling/tasks/999")  # a 404, by its route template
    samples = _samples(http.get("/api/v1/system/metrics").text)
    requests = {(s["route"], s["status"]): v for s, v in samples["scheduling_api_requests_total"]}
    assert requests[("/api/v1/scheduling/tasks/{task_id}", "404")] == 1
    assert "scheduling_api_request_duration_seconds_bucket" in samples
    assert ({"status": "published"}, 3.0) in samples["scheduling_tasks"]
    outcomes = samples["scheduling_publish_outcomes_last_hour"]
    assert ({"platform": "weibo", "outcome": "published"}, 3.0) in outcomes
    lateness = {s["le"]: v for s, v in samples["scheduling_publish_lateness_seconds_bucket"]}
    assert lateness["+Inf"] == 3.0
    assert [s for s, v in samples["scheduling_store_up"]] == [{}]


def _origin(job_name: str) -> RemoteJobOrigin:
    """Where a queued run says its job lives (the instance insists on one for queued runs)."""
    repository = RemoteRepositoryOrigin(
        RegisteredCodeLocationOrigin("scheduling_platform"), "__repository__"
    )
    return RemoteJobOrigin(repository, job_name)


def test_queue_status_reads_publish_runs_from_the_instance(api: Api) -> None:
    with DagsterInstance.from_config(str(api.settings.dagster_home)) as instance:
        for platform, status in (
            ("weibo", DagsterRunStatus.QUEUED),
            ("weibo", DagsterRunStatus.QUEUED),
            ("weibo", DagsterRunStatus.STARTED),
            ("douyin", DagsterRunStatus.STARTING),
            ("douyin", DagsterRunStatus.SUCCESS),  # over: not in the queue
        ):
            create_run_for_test(
                instance,
                job_name="publish_job",
                status=status,
                tags={"platform": platform},
                remote_job_origin=_origin("publish_job"),
            )
        create_run_for_test(
            instance,
            job_name="retrain_job",
            status=DagsterRunStatus.QUEUED,
            remote_job_origin=_origin("retrain_job"),
        )
    queue = api.client(api.key("read")).get("/api/v1/system/queue-status").json()
    assert queue["publish_runs"]["weibo"] == {"queued": 2, "running": 1}
    assert queue["publish_runs"]["douyin"] == {"queued": 0, "running": 1}
    assert queue["publish_runs"]["toutiao"] == {"queued": 0, "running": 0}
    assert queue["tasks_by_status"] == {}


def test_the_openapi_document_and_the_docs_are_served(api: Api) -> None:
    document = api.client().get("/openapi.json").json()
    assert "/api/v1/scheduling/tasks" in document["paths"]
    assert document["components"]["securitySchemes"]["ApiKey"]["scheme"] == "bearer"
    problem = document["paths"]["/api/v1/scheduling/tasks/{task_id}"]["get"]["responses"]["404"]
    assert list(problem["content"]) == ["application/problem+json"]
    assert "swagger" in api.client().get("/docs").text.lower()
