"""Analytics assets: the publish log copied from the task store, and one asset per SQL model."""

from dagster import (
    AssetExecutionContext,
    AssetKey,
    AssetsDefinition,
    MaterializeResult,
    MetadataValue,
    asset,
)

from resources.store import TaskStoreResource
from resources.warehouse import WarehouseResource
from scheduling_platform.analytics.snapshots import publish_log_frame
from scheduling_platform.analytics.sql_models import SqlModel, load_models


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


def _model_asset(model: SqlModel) -> AssetsDefinition:
    @asset(
        name=model.name,
        deps=[AssetKey(table) for table in model.depends_on],
        description=model.description,
        group_name="analytics",
        pool="warehouse_writer",
        kinds={"sql"},
        metadata={"sql": model.sql},
    )
    def _materialize(warehouse: WarehouseResource) -> MaterializeResult:
        target = warehouse.get_warehouse()
        sql = model.sql_for(postgres=not target.is_duckdb)
        rows = target.materialize_query(model.name, sql)
        return MaterializeResult(metadata={"dagster/row_count": rows})

    return _materialize


def sql_model_assets() -> list[AssetsDefinition]:
    return [_model_asset(model) for model in load_models()]
