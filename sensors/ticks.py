"""One evaluation of a sensor, with the runs it asks for executed here, on the real instance.

`scheduling-platform tick` uses it for the due-task and review sensors: the runs are stored on
the instance like any daemon-launched run, so the UI shows them.
"""

from dataclasses import dataclass
from typing import Any

from dagster import DagsterInstance, Definitions, build_sensor_context


@dataclass(frozen=True)
class TickRun:
    """One run a tick asked for and how it ended."""

    run_id: str
    tags: dict[str, str]
    success: bool
    output: Any  # the job's one op's output; None when the run failed


def run_sensor_tick(
    instance: DagsterInstance, definitions: Definitions, sensor_name: str, *, trigger: str
) -> list[TickRun]:
    """Evaluate `sensor_name` once and execute each run it requests, in this process."""
    sensor = definitions.resolve_sensor_def(sensor_name)
    if sensor.job_name is None:
        raise ValueError(f"{sensor_name} starts no job")
    job = definitions.resolve_job_def(sensor.job_name)
    (op_name,) = [node.name for node in job.graph.nodes]
    with build_sensor_context(
        instance=instance, definitions=definitions, resources=definitions.resources
    ) as context:
        result = sensor.evaluate_tick(context)
    runs = []
    for request in result.run_requests or []:
        tags = {**request.tags, "trigger": trigger}
        outcome = job.execute_in_process(
            run_config=request.run_config, instance=instance, tags=tags, raise_on_error=False
        )
        output = outcome.output_for_node(op_name) if outcome.success else None
        runs.append(TickRun(outcome.run_id, tags, outcome.success, output))
    return runs


def run_one_tick(instance: DagsterInstance, definitions: Definitions) -> list[dict[str, Any]]:
    """A due-task tick: one summary a run (its id, platform, success, published task ids)."""
    runs = run_sensor_tick(
        instance, definitions, "due_tasks_sensor", trigger="scheduling-platform tick"
    )
    return [
        {
            "run_id": run.run_id,
            "platform": run.tags.get("platform"),
            "success": run.success,
            "published_task_ids": run.output or [],
        }
        for run in runs
    ]


def run_review_tick(instance: DagsterInstance, definitions: Definitions) -> list[dict[str, int]]:
    """A review tick: each review run's counts by status."""
    runs = run_sensor_tick(
        instance, definitions, "review_sensor", trigger="scheduling-platform tick"
    )
    return [run.output for run in runs if run.success]
