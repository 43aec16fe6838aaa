"""The Dagster path: the due-task sensor's ticks, the publish job's runs, the definitions."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
from dagster import DagsterInstance, RunRequest, build_sensor_context, instance_for_test

from scheduling_platform.accounts.registration import add_account
from scheduling_platform.definitions import build_definitions, defs
from scheduling_platform.lifecycle import TaskStatus
from scheduling_platform.settings import Settings
from scheduling_platform.store.task_store import TaskStore
from scheduling_platform.timeutil import utcnow
from sensors.ticks import run_one_tick

REPO = Path(__file__).resolve().parents[1]


def _store(settings: Settings) -> TaskStore:
    return TaskStore.from_url(settings.resolved_database_url)


def _evaluate(instance: DagsterInstance, settings: Settings, cursor: str | None = None):
    definitions = build_definitions(settings)
    with build_sensor_context(
        instance=instance,
        cursor=cursor,
        definitions=definitions,
        resources=definitions.resources,
    ) as context:
        return definitions.resolve_sensor_def("due_tasks_sensor").evaluate_tick(context)


def _sensor_then_run(instance: DagsterInstance, settings: Settings) -> tuple[RunRequest, Any]:
    """One sensor tick's single run request, executed in process as the daemon would."""
    (request,) = _evaluate(instance, settings).run_requests
    result = (
        build_definitions(settings)
        .resolve_job_def("publish_job")
        .execute_in_process(run_config=request.run_config, instance=instance, tags=request.tags)
    )
    return request, result


def test_sensor_claims_due_work_once_per_platform_window(platform_env: Settings) -> None:
    store = _store(platform_env)
    account = add_account(store, platform_env, platform="weibo", name="brand")
    due = [
        store.create_task(account, f"p{i}", utcnow() + timedelta(seconds=8 + i)) for i in range(3)
    ]
    far = store.create_task(account, "far", utcnow() + timedelta(days=1))
    with instance_for_test() as instance:
        first = _evaluate(instance, platform_env)
        (request,) = first.run_requests
        batch = request.run_config["ops"]["publish_claimed_batch"]["config"]["claim_batch"]
        assert request.run_key == batch and batch.endswith(":weibo")
        assert request.tags["platform"] == "weibo" and request.tags["task_count"] == "3"
        assert {t.id for t in store.tasks_in_batch(batch)} == {t.id for t in due}
        assert first.cursor is not None
        second = _evaluate(instance, platform_env, cursor=first.cursor)
        assert not second.run_requests
        assert second.skip_message == "no task due in the coming window"
    assert store.get_task(far.id).status is TaskStatus.SCHEDULED


def test_sensor_request_runs_publish_job_on_a_real_instance(
    platform_env: Settings, sandbox_url: str
) -> None:
    store = _store(platform_env)
    account = add_account(store, platform_env, platform="weibo", name="brand")
    tasks = [store.create_task(account, f"p{i}", utcnow() + timedelta(seconds=1)) for i in range(3)]
    with instance_for_test() as instance:
        request, result = _sensor_then_run(instance, platform_env)
        assert result.success
        assert sorted(result.output_for_node("publish_claimed_batch")) == [t.id for t in tasks]
        assert instance.get_run_by_id(result.run_id).tags["platform"] == "weibo"
        assert _run_messages(instance, result.run_id) == ["published 3 of 3 tasks"]
    posts = httpx.get(f"{sandbox_url}/_sandbox/posts").json()
    assert posts["count"] == 3
    assert {p["text"] for p in posts["posts"]} == {"p0", "p1", "p2"}
    assert {t.status for t in store.list_tasks()} == {TaskStatus.PUBLISHED}


def _run_messages(instance: DagsterInstance, run_id: str) -> list[str]:
    """The publish op's own log lines: the summary and one per task that did not go out."""
    return [
        e.user_message
        for e in instance.all_logs(run_id)
        if e.user_message.startswith(("published ", "task "))
    ]


def test_publish_run_logs_each_task_that_did_not_go_out(
    platform_env: Settings, sandbox_url: str
) -> None:
    store = _store(platform_env)
    account = add_account(store, platform_env, platform="weibo", name="brand")
    tasks = [store.create_task(account, f"p{i}", utcnow() + timedelta(seconds=1)) for i in range(2)]
    fault = {"platform": "weibo", "mode": "reject", "rate": 1.0}
    httpx.post(f"{sandbox_url}/_sandbox/faults", json=fault).raise_for_status()
    with instance_for_test() as instance:
        _, result = _sensor_then_run(instance, platform_env)
        messages = _run_messages(instance, result.run_id)
    ended = [store.get_task(t.id) for t in tasks]
    assert all(t.status is not TaskStatus.PUBLISHED for t in ended)
    assert messages[0] == "published 0 of 2 tasks"
    assert sorted(messages[1:]) == sorted(
        f"task {t.id}: {t.status} ({t.last_error})" for t in ended
    )


def test_tick_publishes_and_records_the_run(platform_env: Settings, sandbox_url: str) -> None:
    store = _store(platform_env)
    account = add_account(store, platform_env, platform="weibo", name="brand")
    task = store.create_task(account, "tick me", utcnow() + timedelta(seconds=1))
    with instance_for_test() as instance:
        definitions = build_definitions(platform_env)
        (summary,) = run_one_tick(instance, definitions)
        assert summary["success"] and summary["published_task_ids"] == [task.id]
        (run,) = instance.get_runs()
        assert run.job_name == "publish_job"
        assert run_one_tick(instance, definitions) == []  # nothing left to claim
    assert httpx.get(f"{sandbox_url}/_sandbox/posts").json()["count"] == 1


def test_definitions_load_through_workspace_yaml() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "dagster", "definitions", "validate", "-w", "workspace.yaml"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert {"publish_job"} <= set(
        defs.resolve_all_job_defs() and [j.name for j in defs.resolve_all_job_defs()]
    )
    assert defs.resolve_sensor_def("due_tasks_sensor").default_status.value == "RUNNING"


def test_loading_the_definitions_leaves_scikit_learn_and_matplotlib_unimported() -> None:
    # Every daemon-launched publish run is a new process that loads the definitions first:
    # scikit-learn is for training and scoring, matplotlib for the analytics pictures, neither
    # for publishing (`benchmarks startup`).
    probe = (
        "import sys, scheduling_platform.definitions; "
        "print(sorted({'sklearn', 'scipy', 'matplotlib'} & set(sys.modules)))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=REPO, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
