"""The analytics warehouse (DuckDB or Postgres) as a Dagster resource."""

from dagster import ConfigurableResource
from pydantic import Field

from scheduling_platform.analytics.warehouse import Warehouse
from scheduling_platform.settings import get_settings


class WarehouseResource(ConfigurableResource):
    """Empty `warehouse_url` means `SCHEDULING_WAREHOUSE_URL` or the DuckDB file in the home."""

    warehouse_url: str | None = Field(default=None, description="duckdb:///file or postgresql://")

    def get_warehouse(self) -> Warehouse:
        return Warehouse(self.warehouse_url or get_settings().resolved_warehouse_url)
