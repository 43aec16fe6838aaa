"""One evaluation of the due-task sensor, with its runs executed here, on the real instance."""

from dagster import DagsterInstance, build_sensor_context

from scheduling_platform.definitions import defs


def run_one_tick(instance: DagsterInstance) -> list[dict[str, object]]:
    """Evaluate `due_tasks_sensor` once and execute each run it requests, in this process.

    The runs are stored on `instance` like any daemon-launched run, so the UI shows them.
    Returns one summary a run: its id, platform, success and the task ids it published.
    """
    sensor = defs.resolve_sensor_def("due_tasks_sensor")
    job = defs.resolve_job_def("publish_job")
    with build_sensor_context(
        instance=instance, definitions=defs, resources=defs.resources
    ) as context:
        result = sensor.evaluate_tick(context)
    summaries: list[dict[str, object]] = []
    for request in result.run_requests or []:
        tags = {**request.tags, "trigger": "scheduling-platform tick"}
        outcome = job.execute_in_process(
            run_config=request.run_config,
            instance=instance,
            tags=tags,
            raise_on_error=False,
        )
        summaries.append(
            {
                "run_id": outcome.run_id,
                "platform": request.tags.get("platform"),
                "success": outcome.success,
                "published_task_ids": outcome.output_for_node("publish_claimed_batch")
                if outcome.success
                else [],
            }
        )
    return summaries
