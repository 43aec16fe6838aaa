"""When series are expanded ahead: on a schedule (hourly by default)."""

from dagster import DefaultScheduleStatus, ScheduleDefinition

from jobs.series import series_expansion_job


def build_series_expansion_schedule(cron: str) -> ScheduleDefinition:
    """Runs series_expansion_job at `cron` (Asia/Shanghai); creating a series expands it at
    once, so this only keeps the horizon filled."""
    return ScheduleDefinition(
        name="series_expansion_schedule",
        job=series_expansion_job,
        cron_schedule=cron,
        execution_timezone="Asia/Shanghai",
        default_status=DefaultScheduleStatus.RUNNING,
    )
