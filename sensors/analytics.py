"""When the analytics models are rebuilt (hourly by default) and old data removed (daily)."""

from dagster import DefaultScheduleStatus, ScheduleDefinition

from jobs.analytics import analytics_job, retention_job


def build_analytics_schedule(cron: str) -> ScheduleDefinition:
    """Runs analytics_job at `cron` (Asia/Shanghai): copies, models and checks."""
    return ScheduleDefinition(
        name="analytics_schedule",
        job=analytics_job,
        cron_schedule=cron,
        execution_timezone="Asia/Shanghai",
        default_status=DefaultScheduleStatus.RUNNING,
    )


def build_retention_schedule(cron: str) -> ScheduleDefinition:
    """Runs retention_job at `cron` (Asia/Shanghai)."""
    return ScheduleDefinition(
        name="retention_schedule",
        job=retention_job,
        cron_schedule=cron,
        execution_timezone="Asia/Shanghai",
        default_status=DefaultScheduleStatus.RUNNING,
    )
