"""Extraction assets: the task store's tables (and the collected engagement) copied into the
warehouse incrementally, as the `raw_*` tables the SQL models read."""

from dagster import AssetKey, AssetsDefinition, MaterializeResult, MetadataValue, asset

from resources.store import TaskStoreResource
from resources.warehouse import WarehouseResource
from scheduling_platform.analytics.extraction import (
    STORE_EXTRACTS,
    Extracted,
    extract_engagement,
)


def _result(extracted: Extracted) -> MaterializeResult:
    return MaterializeResult(
        metadata={
            "dagster/row_count": extracted.total_rows,
            "rows_copied": extracted.rows_copied,
            "incremental": extracted.incremental,
            "since": MetadataValue.text(extracted.since or "the beginning (a full copy)"),
        }
    )


def _store_extract(table: str) -> AssetsDefinition:
    extract = STORE_EXTRACTS[table]

    @asset(
        name=table,
        description=f"{(extract.__doc__ or '').strip()} The task store's rows, copied.",
        group_name="analytics",
        pool="warehouse_writer",
        kinds={"sql"},
    )
    def _copy(task_store: TaskStoreResource, warehouse: WarehouseResource) -> MaterializeResult:
        return _result(extract(task_store.get_store(), warehouse.get_warehouse()))

    return _copy


@asset(
    deps=[AssetKey("engagement_metrics")],
    group_name="analytics",
    pool="warehouse_writer",
    kinds={"sql"},
)
def raw_engagement(warehouse: WarehouseResource) -> MaterializeResult:
    """The collected engagement with each post's local time, re-collected rows replaced."""
    return _result(extract_engagement(warehouse.get_warehouse()))


def extraction_assets() -> list[AssetsDefinition]:
    return [*(_store_extract(table) for table in STORE_EXTRACTS), raw_engagement]
