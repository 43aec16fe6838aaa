"""series_expansion_job: makes the coming occurrences of every active series."""

from datetime import timedelta

from dagster import MetadataValue, OpExecutionContext, Output, job, op

from resources.policies import SchedulingPolicyResource
from resources.store import TaskStoreResource
from scheduling_platform.scheduling.expansion import expand_series
from scheduling_platform.timeutil import utcnow


@op(tags={"kind": "series"})
def expand_active_series(
    context: OpExecutionContext,
    task_store: TaskStoreResource,
    scheduling_policy: SchedulingPolicyResource,
) -> Output[dict[str, int]]:
    report = expand_series(
        task_store.get_store(),
        scheduling_policy.rules(),
        now=utcnow(),
        horizon=timedelta(days=scheduling_policy.series_horizon_days),
        max_ahead=scheduling_policy.series_max_ahead,
    )
    counts = {
        "series": report.series,
        "created": len(report.created),
        "refused": len(report.refused),
        "existing": report.existing,
    }
    for outcome in report.refused:
        rules = ", ".join(sorted({str(c.rule) for c in outcome.conflicts}))
        context.log.info(f"series {outcome.series_id} {outcome.occurrence.local}: {rules}")
    refused = "\n".join(
        f"- series {o.series_id} at {o.occurrence.local.isoformat()}: "
        + "; ".join(c.message for c in o.conflicts if c.severity.value == "error")
        for o in report.refused
    )
    return Output(
        counts, metadata={**counts, "refused_occurrences": MetadataValue.md(refused or "none")}
    )


@job(description="Creates the occurrences of recurring series due within the horizon.")
def series_expansion_job() -> None:
    expand_active_series()
