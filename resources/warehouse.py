"""The analytics warehouse (DuckDB or Postgres) as a Dagster resource."""

from dagster import ConfigurableResource
from pydantic import Field

from scheduling_platform.store.warehouse import Warehouse


class WarehouseResource(ConfigurableResource):
    """`duckdb:///file` (the embedded default) or `postgresql://...` (EnvVar if secret)."""

    warehouse_url: str = Field(description="duckdb:///file or postgresql://")

    def get_warehouse(self) -> Warehouse:
        return Warehouse(self.warehouse_url)
