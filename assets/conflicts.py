"""The inputs of the `conflicts` SQL model: the task snapshot and its media, the rules, and
the near-duplicate pairs (a Python asset: MinHash LSH does not fit in SQL)."""

from dagster import AssetExecutionContext, AssetKey, MaterializeResult, asset

from resources.policies import SchedulingPolicyResource
from resources.store import TaskStoreResource
from resources.warehouse import WarehouseResource
from scheduling_platform.analytics.conflicts import task_media_frame, task_snapshot_frame
from scheduling_platform.scheduling.conflicts.tables import (
    conflict_rules_frame,
    content_similarity_frame,
)


@asset(group_name="analytics", pool="warehouse_writer", kinds={"duckdb"})
def task_snapshot(task_store: TaskStoreResource, warehouse: WarehouseResource) -> MaterializeResult:
    """Every task with its account's status and zone, copied from the task store."""
    frame = task_snapshot_frame(task_store.get_store())
    rows = warehouse.get_warehouse().replace_table("task_snapshot", frame)
    return MaterializeResult(metadata={"dagster/row_count": rows})


@asset(group_name="analytics", pool="warehouse_writer", deps=[AssetKey("task_snapshot")])
def task_media(warehouse: WarehouseResource) -> MaterializeResult:
    """One row a (task, media item) of the snapshot."""
    target = warehouse.get_warehouse()
    frame = task_media_frame(target.query("SELECT task_id, media FROM task_snapshot"))
    return MaterializeResult(
        metadata={"dagster/row_count": target.replace_table("task_media", frame)}
    )


@asset(group_name="analytics", pool="warehouse_writer")
def conflict_rules(
    warehouse: WarehouseResource, scheduling_policy: SchedulingPolicyResource
) -> MaterializeResult:
    """The gaps and quotas a platform, from the settings, as the SQL joins them."""
    frame = conflict_rules_frame(scheduling_policy.rules())
    rows = warehouse.get_warehouse().replace_table("conflict_rules", frame)
    return MaterializeResult(metadata={"dagster/row_count": rows})


@asset(group_name="analytics", pool="warehouse_writer", deps=[AssetKey("task_snapshot")])
def content_similarity(
    context: AssetExecutionContext,
    warehouse: WarehouseResource,
    scheduling_policy: SchedulingPolicyResource,
) -> MaterializeResult:
    """Pairs of posts of one account with near-identical texts, and their similarity."""
    target = warehouse.get_warehouse()
    snapshot = target.query("SELECT task_id, account_id, status, content FROM task_snapshot")
    frame = content_similarity_frame(snapshot, scheduling_policy.near_duplicate_threshold)
    rows = target.replace_table("content_similarity", frame)
    context.log.info(f"{rows // 2} near-duplicate pairs among {len(snapshot)} tasks")
    return MaterializeResult(metadata={"dagster/row_count": rows})
