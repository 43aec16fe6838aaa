"""due_tasks_sensor: claims what is due in the coming window and starts publish runs."""

from dagster import (
    DefaultSensorStatus,
    RunRequest,
    SensorEvaluationContext,
    SensorResult,
    sensor,
)

from jobs.publish import publish_job
from resources.store import TaskStoreResource
from scheduling_platform.publishing.claiming import ClaimedBatch, claim_due_batches
from scheduling_platform.settings import get_settings
from scheduling_platform.timeutil import utcnow


def batch_tags(batch: ClaimedBatch) -> dict[str, str]:
    """Tags the run queue's concurrency limits key on (see deploy/dagster.postgres.yaml)."""
    tags = {
        "platform": batch.platform,
        "task_count": str(len(batch.task_ids)),
        "claim_batch": batch.claim_batch,
    }
    if len(batch.account_ids) == 1:
        tags["account"] = str(batch.account_ids[0])
    else:
        tags["account_count"] = str(len(batch.account_ids))
    return tags


@sensor(
    job=publish_job,
    minimum_interval_seconds=get_settings().sensor_interval_seconds,
    default_status=DefaultSensorStatus.RUNNING,
    description="Claims tasks due within the lookahead; one publish run per platform and window.",
)
def due_tasks_sensor(
    context: SensorEvaluationContext, task_store: TaskStoreResource
) -> SensorResult:
    settings = get_settings()
    now = utcnow()
    batches = claim_due_batches(
        task_store.get_store(),
        now=now,
        lookahead_seconds=settings.claim_lookahead_seconds,
        lease_seconds=settings.lease_seconds,
        max_lateness_seconds=settings.max_lateness_seconds,
    )
    cursor = now.isoformat()
    if not batches:
        return SensorResult(skip_reason="no task due in the coming window", cursor=cursor)
    run_requests = [
        RunRequest(
            run_key=batch.claim_batch,
            run_config={
                "ops": {
                    "publish_claimed_batch": {
                        "config": {"claim_batch": batch.claim_batch, "platform": batch.platform}
                    }
                }
            },
            tags=batch_tags(batch),
        )
        for batch in batches
    ]
    context.log.info("claimed " + ", ".join(f"{len(b.task_ids)} {b.platform}" for b in batches))
    return SensorResult(run_requests=run_requests, cursor=cursor)
