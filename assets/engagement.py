"""engagement_metrics: each day's published posts' metrics, pulled through the platforms."""

from dagster import (
    AssetExecutionContext,
    DailyPartitionsDefinition,
    MaterializeResult,
    MetadataValue,
    asset,
)

from resources.platforms import PlatformsResource
from resources.store import TaskStoreResource
from resources.warehouse import WarehouseResource
from scheduling_platform.intelligence.engagement import collect_engagement, store_rows

# Posting days in UTC; a day is collected again later to catch the growth of its metrics.
engagement_partitions = DailyPartitionsDefinition(start_date="2025-01-01")


@asset(
    partitions_def=engagement_partitions,
    group_name="intelligence",
    pool="warehouse_writer",
    kinds={"duckdb"},
)
def engagement_metrics(
    context: AssetExecutionContext,
    task_store: TaskStoreResource,
    platforms: PlatformsResource,
    warehouse: WarehouseResource,
) -> MaterializeResult:
    """Metrics (reads, likes, shares, comments) of the posts published on the partition's day."""
    window = context.partition_time_window
    collection = collect_engagement(
        task_store.get_store(), platforms.client, window.start, window.end
    )
    written = store_rows(warehouse.get_warehouse(), collection.rows)
    by_platform = collection.rows.groupby("platform").size().to_dict() if written else {}
    return MaterializeResult(
        metadata={
            "posts_asked": collection.posts_asked,
            "rows_written": written,
            "by_platform": MetadataValue.json({k: int(v) for k, v in by_platform.items()}),
            "accounts_failed": MetadataValue.json(collection.errors),
            # Rows whose account size is unknown train on the default size: set it with
            # `scheduling-platform accounts set-followers`.
            "rows_without_account_size": int(collection.rows["followers"].isna().sum()),
        }
    )
