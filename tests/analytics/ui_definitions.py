"""The code location the browser test's webserver loads: the time_patterns model alone, on
the warehouse the test names in ANALYTICS_UI_WAREHOUSE_URL."""

import os

from dagster import Definitions

from assets.analytics import sql_model_assets
from resources.warehouse import WarehouseResource


def time_patterns_definitions(warehouse_url: str) -> Definitions:
    return Definitions(
        assets=[a for a in sql_model_assets() if a.key.path[-1] == "time_patterns"],
        resources={"warehouse": WarehouseResource(warehouse_url=warehouse_url)},
    )


defs = time_patterns_definitions(os.environ.get("ANALYTICS_UI_WAREHOUSE_URL", "duckdb:///:memory:"))
