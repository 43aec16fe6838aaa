"""When to retrain: weekly, and as soon as enough new engagement has arrived."""

from datetime import datetime

from dagster import (
    DefaultScheduleStatus,
    DefaultSensorStatus,
    RunRequest,
    ScheduleDefinition,
    SensorEvaluationContext,
    SkipReason,
    build_schedule_from_partitioned_job,
    sensor,
)

from jobs.intelligence import engagement_job, retrain_job
from resources.policies import ModelPolicyResource
from resources.warehouse import WarehouseResource
from scheduling_platform.intelligence.engagement import rows_collected_since
from scheduling_platform.timeutil import utcnow

weekly_retrain_schedule = ScheduleDefinition(
    name="weekly_retrain_schedule",
    job=retrain_job,
    cron_schedule="0 4 * * 1",  # Monday 04:00, the quietest hour on every platform
    execution_timezone="Asia/Shanghai",
    default_status=DefaultScheduleStatus.RUNNING,
)

# Each morning, collect the metrics of the posts of the day before.
daily_engagement_schedule = build_schedule_from_partitioned_job(
    engagement_job, hour_of_day=3, default_status=DefaultScheduleStatus.RUNNING
)


@sensor(
    job=retrain_job,
    minimum_interval_seconds=900,
    default_status=DefaultSensorStatus.RUNNING,
)
def retrain_on_new_engagement(
    context: SensorEvaluationContext,
    warehouse: WarehouseResource,
    model_policy: ModelPolicyResource,
) -> RunRequest | SkipReason:
    """Start retrain_job once enough engagement rows arrived since the last start."""
    since = datetime.fromisoformat(context.cursor) if context.cursor else None
    now = utcnow()
    arrived = rows_collected_since(warehouse.get_warehouse(), since)
    needed = model_policy.retrain_min_new_rows
    if arrived < needed:
        return SkipReason(f"{arrived} new engagement rows since {since}; retraining at {needed}")
    context.update_cursor(now.isoformat())
    return RunRequest(run_key=f"retrain:{now.isoformat()}", tags={"trigger": "new_engagement"})
