"""review_sensor: starts a review run while posts wait in the platforms' review."""

from dagster import (
    DagsterRunStatus,
    DefaultSensorStatus,
    RunRequest,
    RunsFilter,
    SensorDefinition,
    SensorEvaluationContext,
    SensorResult,
    sensor,
)

from jobs.review import review_job
from resources.store import TaskStoreResource
from scheduling_platform.lifecycle import TaskStatus
from scheduling_platform.timeutil import utcnow

UNFINISHED = [
    DagsterRunStatus.QUEUED,
    DagsterRunStatus.NOT_STARTED,
    DagsterRunStatus.STARTING,
    DagsterRunStatus.STARTED,
]


def build_review_sensor(interval_seconds: int) -> SensorDefinition:
    """The sensor that starts `review_job` every `interval_seconds` while posts wait."""

    @sensor(
        name="review_sensor",
        job=review_job,
        minimum_interval_seconds=interval_seconds,
        default_status=DefaultSensorStatus.RUNNING,
        description="Starts review_job when submitted tasks exist and no review run is under way.",
    )
    def review_sensor(
        context: SensorEvaluationContext, task_store: TaskStoreResource
    ) -> SensorResult:
        submitted = TaskStatus.SUBMITTED.value
        waiting = task_store.get_store().count_by_status(statuses=[submitted]).get(submitted, 0)
        if not waiting:
            return SensorResult(skip_reason="no post is waiting for review")
        running = context.instance.get_runs_count(
            RunsFilter(job_name=review_job.name, statuses=UNFINISHED)
        )
        if running:
            return SensorResult(skip_reason="a review run is under way")
        return SensorResult(
            run_requests=[
                RunRequest(
                    run_key=f"review-{utcnow():%Y%m%dT%H%M%S.%f}",
                    tags={"submitted_tasks": str(waiting)},
                )
            ]
        )

    return review_sensor
