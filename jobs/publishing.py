"""publish_job: publishes one claimed batch, each post at its exact due time; publish_now_job:
claims and publishes posts created for before the sensor's next tick (the immediate path)."""

import statistics
from datetime import timedelta

from dagster import (
    Config,
    MetadataValue,
    OpExecutionContext,
    Output,
    in_process_executor,
    job,
    op,
)

from resources.platforms import PlatformsResource
from resources.policies import PublishPolicyResource
from resources.store import TaskStoreResource
from scheduling_platform.publishing.immediate import claim_now
from scheduling_platform.publishing.publisher import BatchPublisher, PublishOutcome
from scheduling_platform.timeutil import utcnow


class PublishBatchConfig(Config):
    claim_batch: str
    platform: str


def outcome_metadata(outcomes: list[PublishOutcome]) -> dict[str, MetadataValue]:
    lateness = sorted(o.lateness_seconds for o in outcomes if o.lateness_seconds is not None)
    by_status: dict[str, int] = {}
    for outcome in outcomes:
        by_status[str(outcome.status)] = by_status.get(str(outcome.status), 0) + 1
    return {
        "tasks": MetadataValue.int(len(outcomes)),
        "by_status": MetadataValue.json(by_status),
        "lateness_p50_seconds": MetadataValue.float(
            round(statistics.median(lateness), 3) if lateness else 0.0
        ),
        "lateness_max_seconds": MetadataValue.float(round(lateness[-1], 3) if lateness else 0.0),
        "errors": MetadataValue.md(
            "\n".join(f"- task {o.task_id}: {o.error}" for o in outcomes if o.error) or "none"
        ),
    }


def _publish(
    context: OpExecutionContext,
    claim_batch: str,
    platform: str,
    task_store: TaskStoreResource,
    platforms: PlatformsResource,
    publish_policy: PublishPolicyResource,
) -> list[PublishOutcome]:
    publisher = BatchPublisher(
        store=task_store.get_store(),
        clients={platform: platforms.client(platform)},
        run_id=context.run_id,
        concurrency=publish_policy.publish_concurrency,
        lease_seconds=publish_policy.lease_seconds,
        rate_per_second=publish_policy.rates(),
        default_rate_per_second=publish_policy.default_rate_per_second,
        error_policy=publish_policy.error_policy(),
        clock_skew=timedelta(seconds=publish_policy.verify_clock_skew_seconds),
    )
    outcomes = publisher.publish_batch(claim_batch)
    published = [o.task_id for o in outcomes if o.platform_post_id]
    # One line for what went out, one per task that did not: every log line is a row in the
    # instance's event log, and a line per published post cost a fifth of a publisher's time
    # on 2,000-post batches. The audit log keeps every task's post id.
    context.log.info(f"published {len(published)} of {len(outcomes)} tasks")
    for outcome in outcomes:
        if not outcome.platform_post_id:
            context.log.warning(
                f"task {outcome.task_id}: {outcome.status}"
                + (f" ({outcome.error})" if outcome.error else "")
            )
    return outcomes


@op(tags={"kind": "publish"})
def publish_claimed_batch(
    context: OpExecutionContext,
    config: PublishBatchConfig,
    task_store: TaskStoreResource,
    platforms: PlatformsResource,
    publish_policy: PublishPolicyResource,
) -> Output[list[int]]:
    outcomes = _publish(
        context, config.claim_batch, config.platform, task_store, platforms, publish_policy
    )
    published = [o.task_id for o in outcomes if o.platform_post_id]
    return Output(published, metadata=outcome_metadata(outcomes))


class PublishNowConfig(Config):
    task_ids: list[int]


@op(tags={"kind": "publish"})
def publish_now(
    context: OpExecutionContext,
    config: PublishNowConfig,
    task_store: TaskStoreResource,
    platforms: PlatformsResource,
    publish_policy: PublishPolicyResource,
) -> Output[list[int]]:
    """Claim the given tasks (those the sensor has not) and publish each at its time."""
    batches = claim_now(
        task_store.get_store(),
        config.task_ids,
        now=utcnow(),
        lease_seconds=publish_policy.lease_seconds,
    )
    outcomes: list[PublishOutcome] = []
    for batch in batches:
        outcomes += _publish(
            context, batch.claim_batch, batch.platform, task_store, platforms, publish_policy
        )
    if not batches:
        context.log.info(f"tasks {config.task_ids} were claimed already (by the sensor)")
    published = [o.task_id for o in outcomes if o.platform_post_id]
    return Output(published, metadata=outcome_metadata(outcomes))


# One op: running it in the run's own process saves a step subprocess start (seconds of
# lateness on a 2-core machine).
@job(
    description="Publishes the tasks of one claimed batch at their exact due times.",
    executor_def=in_process_executor,
)
def publish_job() -> None:
    publish_claimed_batch()


@job(
    description="Claims and publishes posts created for before the due-task sensor's next "
    "tick, started by the create that made them (docs/scheduling.md#immediate).",
    executor_def=in_process_executor,
)
def publish_now_job() -> None:
    publish_now()
