"""analytics_job: the extraction copies, the SQL models and their checks; retention_job: old
logs and performance data removed."""

from dagster import AssetSelection, OpExecutionContext, Output, define_asset_job, job, op

from resources.policies import RetentionPolicyResource
from resources.store import TaskStoreResource
from resources.warehouse import WarehouseResource
from scheduling_platform.analytics.retention import apply_retention
from scheduling_platform.timeutil import utcnow

analytics_job = define_asset_job(
    "analytics_job",
    selection=AssetSelection.groups("analytics"),
    description="Copy the store's changes into the warehouse, rebuild every SQL model, check them.",
)


@op(description="Remove logs and performance data past their age; the counts in metadata.")
def remove_old_data(
    context: OpExecutionContext,
    task_store: TaskStoreResource,
    warehouse: WarehouseResource,
    retention_policy: RetentionPolicyResource,
) -> Output[dict[str, int]]:
    report = apply_retention(
        task_store.get_store(), warehouse.get_warehouse(), retention_policy.policy(), utcnow()
    )
    context.log.info(f"retention removed {report.removed}")
    return Output(
        report.removed,
        metadata={
            **{f"removed {table}": rows for table, rows in report.removed.items()},
            "log_cutoff": report.log_cutoff.isoformat(),
            "performance_cutoff": report.performance_cutoff.isoformat(),
        },
    )


@job(description="Remove scheduling logs and performance data older than the policy keeps.")
def retention_job() -> None:
    remove_old_data()
