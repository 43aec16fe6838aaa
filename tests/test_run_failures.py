"""A failed publish run gives its tasks back at once and posts an alert to the webhook."""

from __future__ import annotations

from datetime import timedelta

import pytest
from dagster import build_run_status_sensor_context, instance_for_test

from resources.policies import AlertsResource
from resources.store import TaskStoreResource
from scheduling_platform.definitions import build_definitions
from scheduling_platform.lifecycle import TaskStatus
from scheduling_platform.settings import Settings
from scheduling_platform.store.task_store import TaskStore
from scheduling_platform.timeutil import utcnow
from sensors.publishing import publish_run_failure_sensor
from tests.webhook import webhook  # noqa: F401  (a fixture)


def test_failed_run_returns_its_tasks_and_alerts(
    platform_env: Settings,
    webhook,  # noqa: F811  (the fixture)
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    url, received = webhook
    monkeypatch.setenv("SCHEDULING_ALERT_WEBHOOK_URL", url)
    store = TaskStore.from_settings(platform_env)
    account = store.add_account("weibo", "brand", "Asia/Shanghai", {"access_token": "t"})
    tasks = [
        store.create_task(account, f"p{i}", utcnow() + timedelta(seconds=30)) for i in range(3)
    ]
    horizon = utcnow() + timedelta(minutes=1)
    store.claim_due_tasks(horizon=horizon, claim_batch_prefix="w", lease_until=horizon)
    with instance_for_test() as instance:
        # A run that cannot start its publisher (an unknown platform in its config) fails.
        result = (
            build_definitions(platform_env)
            .resolve_job_def("publish_job")
            .execute_in_process(
                run_config={
                    "ops": {
                        "publish_claimed_batch": {
                            "config": {"claim_batch": "w:weibo", "platform": "myspace"}
                        }
                    }
                },
                instance=instance,
                tags={"claim_batch": "w:weibo", "platform": "weibo"},
                raise_on_error=False,
            )
        )
        assert not result.success
        context = build_run_status_sensor_context(
            sensor_name=publish_run_failure_sensor.name,
            dagster_instance=instance,
            dagster_run=result.dagster_run,
            dagster_event=result.get_run_failure_event(),
            resources={
                "task_store": TaskStoreResource(database_url=platform_env.resolved_database_url),
                "alerts": AlertsResource(webhook_url=url),
            },
        ).for_run_failure()
        publish_run_failure_sensor(context)
    for task in tasks:
        returned = store.get_task(task.id)
        assert returned.status is TaskStatus.SCHEDULED and returned.claim_batch is None
    (alert,) = received
    assert alert["event"] == "publish_run_failed" and alert["tasks_returned"] == 3
    assert alert["run_id"] == result.run_id and alert["platform"] == "weibo"
