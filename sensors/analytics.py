"""When the analytics models are rebuilt (hourly by default) and old data removed (daily)."""

from typing import Any

from dagster import DefaultScheduleStatus, ScheduleDefinition

from jobs.analytics import analytics_job, retention_job


def _schedule(name: str, job: Any, cron: str) -> ScheduleDefinition:
    # `job`: an asset job (unresolved until the Definitions bind it) or an op job.
    return ScheduleDefinition(
        name=name,
        job=job,
        cron_schedule=cron,
        execution_timezone="Asia/Shanghai",
        default_status=DefaultScheduleStatus.RUNNING,
    )


def build_analytics_schedule(cron: str) -> ScheduleDefinition:
    """Runs analytics_job at `cron` (Asia/Shanghai): copies, models and checks."""
    return _schedule("analytics_schedule", analytics_job, cron)


def build_retention_schedule(cron: str) -> ScheduleDefinition:
    """Runs retention_job at `cron` (Asia/Shanghai)."""
    return _schedule("retention_schedule", retention_job, cron)
