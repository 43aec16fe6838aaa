"""experiment_reports: every running A/B experiment's arms, uplift and its interval."""

from dagster import MaterializeResult, MetadataValue, asset

from resources.store import TaskStoreResource
from resources.warehouse import WarehouseResource
from scheduling_platform.scheduling.experiments import report_all


@asset(group_name="intelligence", kinds={"duckdb"})
def experiment_reports(
    task_store: TaskStoreResource, warehouse: WarehouseResource
) -> MaterializeResult:
    """Per experiment: each arm's collected engagement per post and the uplift with a 95% CI."""
    reports = report_all(task_store.get_store(), warehouse.get_warehouse())
    table = {
        str(experiment.id): {
            "name": experiment.name,
            "arms": {
                a.strategy: {"tasks": a.tasks, "measured": a.measured, "mean": a.mean_engagement}
                for a in report.arms
            },
            "uplift": report.uplift,
            "ci_95": [report.ci_low, report.ci_high],
        }
        for experiment, report in reports
    }
    return MaterializeResult(
        metadata={"experiments": len(reports), "reports": MetadataValue.json(table)}
    )
