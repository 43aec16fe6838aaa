"""Publishing sensors: claim what is due and start publish runs; give back a failed run's tasks."""

from dagster import (
    DagsterRunStatus,
    DefaultSensorStatus,
    RunFailureSensorContext,
    RunRequest,
    RunsFilter,
    SensorDefinition,
    SensorEvaluationContext,
    SensorResult,
    run_failure_sensor,
    sensor,
)

from jobs.publishing import publish_job
from resources.policies import AlertsResource, PublishPolicyResource
from resources.store import TaskStoreResource
from scheduling_platform.publishing.alerts import post_alert
from scheduling_platform.publishing.claiming import ClaimedBatch, claim_due_batches
from scheduling_platform.store.leases import release_batch
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


def publish_run_request(batch: ClaimedBatch) -> RunRequest:
    """One publish run for a claimed batch; the batch's name is its run key."""
    return RunRequest(
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


# Runs the run queue holds: alive but not yet running, so their claims are renewed for them.
# Not NOT_STARTED or STARTING: a process killed while creating or launching a run leaves it so
# for good (or until run monitoring fails it), and its claims must run out.
WAITING_TO_START = [DagsterRunStatus.QUEUED]


def build_due_tasks_sensor(interval_seconds: int) -> SensorDefinition:
    """The sensor that claims due tasks every `interval_seconds`."""

    @sensor(
        name="due_tasks_sensor",
        job=publish_job,
        minimum_interval_seconds=interval_seconds,
        default_status=DefaultSensorStatus.RUNNING,
        description="Claims tasks due within the lookahead; one publish run per platform and "
        "window.",
    )
    def due_tasks_sensor(
        context: SensorEvaluationContext,
        task_store: TaskStoreResource,
        publish_policy: PublishPolicyResource,
    ) -> SensorResult:
        now = utcnow()
        queued = context.instance.get_runs(
            RunsFilter(job_name=publish_job.name, statuses=WAITING_TO_START)
        )
        batches = claim_due_batches(
            task_store.get_store(),
            now=now,
            lookahead_seconds=publish_policy.claim_lookahead_seconds,
            lease_seconds=publish_policy.lease_seconds,
            max_lateness_seconds=publish_policy.max_lateness_seconds,
            waiting_batches=[r.tags["claim_batch"] for r in queued if r.tags.get("claim_batch")],
        )
        cursor = now.isoformat()
        if not batches:
            return SensorResult(skip_reason="no task due in the coming window", cursor=cursor)
        claimed = ", ".join(f"{len(b.task_ids)} {b.platform}" for b in batches)
        context.log.info(f"claimed {claimed}")
        return SensorResult(run_requests=[publish_run_request(b) for b in batches], cursor=cursor)

    return due_tasks_sensor


# At once, not at the daemon's default 30 s: a failed run's posts may be due now.
FAILURE_SENSOR_INTERVAL_SECONDS = 5


@run_failure_sensor(
    monitored_jobs=[publish_job],
    minimum_interval_seconds=FAILURE_SENSOR_INTERVAL_SECONDS,
    default_status=DefaultSensorStatus.RUNNING,
    description="Returns a failed publish run's unfinished tasks and posts an alert.",
)
def publish_run_failure_sensor(
    context: RunFailureSensorContext, task_store: TaskStoreResource, alerts: AlertsResource
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
        alerts.webhook_url or None,
        {
            "event": "publish_run_failed",
            "run_id": run.run_id,
            "platform": run.tags.get("platform"),
            "claim_batch": claim_batch,
            "tasks_returned": returned,
            "error": context.failure_event.message,
        },
    )
