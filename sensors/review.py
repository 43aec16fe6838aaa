"""review_sensor: starts a review run while posts wait in the platforms' review."""

from dagster import (
    DagsterInstance,
    DagsterRunStatus,
    DefaultSensorStatus,
    RunRequest,
    RunsFilter,
    SensorEvaluationContext,
    SensorResult,
    build_sensor_context,
    sensor,
)

from jobs.review import review_job
from resources.store import TaskStoreResource
from scheduling_platform.lifecycle import TaskStatus
from scheduling_platform.settings import get_settings
from scheduling_platform.timeutil import utcnow

UNFINISHED = [
    DagsterRunStatus.QUEUED,
    DagsterRunStatus.NOT_STARTED,
    DagsterRunStatus.STARTING,
    DagsterRunStatus.STARTED,
]


@sensor(
    job=review_job,
    minimum_interval_seconds=get_settings().sensor_interval_seconds,
    default_status=DefaultSensorStatus.RUNNING,
    description="Starts review_job when submitted tasks exist and no review run is under way.",
)
def review_sensor(context: SensorEvaluationContext, task_store: TaskStoreResource) -> SensorResult:
    waiting = task_store.get_store().count_by_status().get(TaskStatus.SUBMITTED.value, 0)
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


def run_review_tick(instance: DagsterInstance) -> list[dict[str, int]]:
    """Evaluate `review_sensor` once and execute the run it asks for here; the run's counts."""
    from scheduling_platform.definitions import defs

    sensor_def = defs.resolve_sensor_def("review_sensor")
    job = defs.resolve_job_def("review_job")
    with build_sensor_context(
        instance=instance, definitions=defs, resources=defs.resources
    ) as context:
        result = sensor_def.evaluate_tick(context)
    counts = []
    for request in result.run_requests or []:
        outcome = job.execute_in_process(instance=instance, tags=request.tags)
        counts.append(outcome.output_for_node("poll_submitted_reviews"))
    return counts
