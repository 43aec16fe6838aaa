"""The series expansion schedule on a real Dagster instance: its tick starts the job, whose run
makes the missing occurrences (and a second run makes none again)."""

from __future__ import annotations

from datetime import timedelta

from dagster import DagsterInstance, build_schedule_context, instance_for_test

from scheduling_platform.settings import Settings
from scheduling_platform.store.task_store import TaskStore
from scheduling_platform.timeutil import in_zone, utcnow


def _run_tick(defs, instance: DagsterInstance) -> dict[str, int]:
    schedule = defs.resolve_schedule_def("series_expansion_schedule")
    with build_schedule_context(instance=instance, scheduled_execution_time=utcnow()) as context:
        result = schedule.evaluate_tick(context)
    (request,) = result.run_requests
    job = defs.resolve_job_def(schedule.job_name)
    outcome = job.execute_in_process(run_config=request.run_config, instance=instance)
    assert outcome.success
    return outcome.output_for_node("expand_active_series")


def test_the_schedule_expands_series_ahead(platform_defs, platform_env: Settings) -> None:
    store = TaskStore.from_settings(platform_env)
    account = store.add_account("wechat", "oa", "Asia/Shanghai", {})
    start = (in_zone(utcnow(), "Asia/Shanghai") + timedelta(days=1)).replace(
        hour=9, minute=0, second=0, microsecond=0, tzinfo=None
    )
    made = store.add_series(
        {
            "account_id": account.id,
            "content": "每日一读",
            "rrule": "FREQ=DAILY;COUNT=30",
            "dtstart": start.isoformat(),
            "timezone": "Asia/Shanghai",
        },
        actor="test",
    )
    horizon = utcnow() + timedelta(days=platform_env.series_horizon_days)
    local_start = start.replace(tzinfo=in_zone(utcnow(), "Asia/Shanghai").tzinfo)
    due = sum(local_start + timedelta(days=d) < horizon for d in range(30))  # 6 or 7
    with instance_for_test() as instance:
        first = _run_tick(platform_defs, instance)
        assert first == {"series": 1, "created": due, "refused": 0, "existing": 0}
        tasks = store.series_tasks([made.id])
        assert len(tasks) == due and all(t.series_id == made.id for t in tasks)
        assert _run_tick(platform_defs, instance)["created"] == 0
    store.engine.dispose()
