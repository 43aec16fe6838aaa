"""publish_log: every task's outcome and lateness, copied into the warehouse for analysts."""

from dagster import AssetExecutionContext, MaterializeResult, MetadataValue, asset

from resources.store import TaskStoreResource
from resources.warehouse import WarehouseResource
from scheduling_platform.analytics.snapshots import publish_log_frame


@asset(group_name="analytics", pool="warehouse_writer", kinds={"duckdb"})
def publish_log(
    context: AssetExecutionContext, task_store: TaskStoreResource, warehouse: WarehouseResource
) -> MaterializeResult:
    frame = publish_log_frame(task_store.get_store())
    rows = warehouse.get_warehouse().replace_table("publish_log", frame)
    counts = frame["status"].value_counts().to_dict() if rows else {}
    return MaterializeResult(
        metadata={
            "dagster/row_count": rows,
            "by_status": MetadataValue.json({str(k): int(v) for k, v in counts.items()}),
            "p99_lateness_seconds": float(frame["lateness_seconds"].quantile(0.99))
            if frame["lateness_seconds"].notna().any()
            else 0.0,
        }
    )
