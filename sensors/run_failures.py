"""publish_run_failure_sensor: a failed publish run's tasks go back at once, and people hear."""

from dagster import DefaultSensorStatus, RunFailureSensorContext, run_failure_sensor

from jobs.publish import publish_job
from resources.store import TaskStoreResource
from scheduling_platform.publishing.alerts import post_alert
from scheduling_platform.settings import get_settings
from scheduling_platform.store.leases import release_batch
from scheduling_platform.timeutil import utcnow


@run_failure_sensor(
    monitored_jobs=[publish_job],
    default_status=DefaultSensorStatus.RUNNING,
    description="Returns a failed publish run's unfinished tasks and posts an alert.",
)
def publish_run_failure_sensor(
    context: RunFailureSensorContext, task_store: TaskStoreResource
) -> None:
    run = context.dagster_run
    claim_batch = run.tags.get("claim_batch")
    returned = 0
    if claim_batch:
        # Claimed tasks are scheduled again; attempts that may have gone out are verified
        # with the platform before any resend.
        returned = release_batch(
            task_store.get_store(), claim_batch, utcnow(), actor="publish_run_failure_sensor"
        )
    context.log.info(f"run {run.run_id} failed; {returned} tasks of {claim_batch} returned")
    post_alert(
        get_settings().alert_webhook_url,
        {
            "event": "publish_run_failed",
            "run_id": run.run_id,
            "platform": run.tags.get("platform"),
            "claim_batch": claim_batch,
            "tasks_returned": returned,
            "error": context.failure_event.message,
        },
    )
