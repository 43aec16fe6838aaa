"""review_job: asks the platforms where each submitted post's review stands."""

from dagster import MetadataValue, OpExecutionContext, Output, job, op

from resources.platforms import PlatformsResource
from resources.store import TaskStoreResource
from scheduling_platform.publishing.review import poll_reviews


@op(tags={"kind": "review"})
def poll_submitted_reviews(
    context: OpExecutionContext, task_store: TaskStoreResource, platforms: PlatformsResource
) -> Output[dict[str, int]]:
    outcomes = poll_reviews(task_store.get_store(), platforms.client)
    by_status: dict[str, int] = {}
    for outcome in outcomes:
        by_status[str(outcome.status)] = by_status.get(str(outcome.status), 0) + 1
        if outcome.status.value != "submitted":
            context.log.info(f"task {outcome.task_id}: {outcome.status} ({outcome.detail})")
    return Output(
        by_status,
        metadata={
            "tasks": len(outcomes),
            "by_status": MetadataValue.json(by_status),
            "failed": MetadataValue.md(
                "\n".join(
                    f"- task {o.task_id} ({o.platform}): {o.detail}"
                    for o in outcomes
                    if o.status.value == "failed"
                )
                or "none"
            ),
        },
    )


@job(description="Moves submitted posts to published or failed as the platforms' review ends.")
def review_job() -> None:
    poll_submitted_reviews()
