"""Analytics assets: the publish log copied from the task store, one asset per SQL model (its
code version the hash of its SQL), and each model's checks."""

from collections.abc import Callable, Iterator
from typing import Any

from dagster import (
    AssetCheckResult,
    AssetChecksDefinition,
    AssetCheckSpec,
    AssetExecutionContext,
    AssetKey,
    AssetsDefinition,
    MaterializeResult,
    MetadataValue,
    asset,
    multi_asset_check,
)

from resources.store import TaskStoreResource
from resources.warehouse import WarehouseResource
from scheduling_platform.analytics.checks import (
    CheckOutcome,
    check_keys,
    check_ranges,
    check_row_count,
)
from scheduling_platform.analytics.snapshots import publish_log_frame
from scheduling_platform.analytics.sql_models import SqlModel, load_models
from scheduling_platform.analytics.summaries import materialize_model
from scheduling_platform.store.warehouse import Warehouse


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
        code_version=model.code_version,
        metadata={"sql": MetadataValue.md(f"```sql\n{model.sql}\n```")},
    )
    def _materialize(warehouse: WarehouseResource) -> MaterializeResult:
        summary = materialize_model(warehouse.get_warehouse(), model)
        metadata: dict[str, Any] = {
            "dagster/row_count": summary.rows,
            "preview": MetadataValue.md(summary.preview_markdown),
        }
        for name in summary.pictures:
            metadata[name] = MetadataValue.md(summary.picture_markdown(name))
        return MaterializeResult(metadata=metadata)

    return _materialize


def sql_model_assets() -> list[AssetsDefinition]:
    return [_model_asset(model) for model in load_models()]


Check = Callable[[Warehouse, SqlModel], CheckOutcome]


def _checks_of(model: SqlModel) -> dict[str, tuple[str, Check]]:
    checks: dict[str, tuple[str, Check]] = {}
    if model.keys:
        checks["keys_unique_not_null"] = ("keys unique, never NULL", check_keys)
    if model.ranges:
        checks["values_in_range"] = ("values within their ranges", check_ranges)
    if model.rows_sql:
        checks["row_count_matches_source"] = ("as many rows as the source says", check_row_count)
    return checks


def _model_checks(model: SqlModel) -> AssetChecksDefinition | None:
    """The model's checks, run as one step (each still its own result in the UI)."""
    checks = _checks_of(model)
    if not checks:
        return None
    key = AssetKey(model.name)

    @multi_asset_check(
        name=f"{model.name}_checks",
        specs=[AssetCheckSpec(name, asset=key, description=d) for name, (d, _) in checks.items()],
    )
    def _run(warehouse: WarehouseResource) -> Iterator[AssetCheckResult]:
        target = warehouse.get_warehouse()
        for name, (_, run) in checks.items():
            outcome = run(target, model)
            yield AssetCheckResult(
                asset_key=key,
                check_name=name,
                passed=outcome.passed,
                description=outcome.description,
                metadata={k: int(v) for k, v in outcome.counts.items()},
            )

    return _run


def sql_model_checks() -> list[AssetChecksDefinition]:
    """Per model, the checks its SQL states: keys, value ranges, rows against the source."""
    return [c for model in load_models() if (c := _model_checks(model)) is not None]
