"""One asset per file in dbt_like_sql/, its upstream assets read from the SQL."""

from dagster import AssetKey, AssetsDefinition, MaterializeResult, asset

from resources.warehouse import WarehouseResource
from scheduling_platform.analytics.sql_models import SqlModel, load_models


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
        rows = warehouse.get_warehouse().materialize_query(model.name, model.sql)
        return MaterializeResult(metadata={"dagster/row_count": rows})

    return _materialize


def sql_model_assets() -> list[AssetsDefinition]:
    return [_model_asset(model) for model in load_models()]
