"""A filled task store and warehouse, and the analytics assets materialised over them."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa
from dagster import AssetsDefinition, ExecuteInProcessResult, materialize

from assets.analytics import sql_model_assets, sql_model_checks
from assets.extraction import extraction_assets
from resources.store import TaskStoreResource
from resources.warehouse import WarehouseResource
from scheduling_platform.store.task_store import TaskStore
from scheduling_platform.store.warehouse import Warehouse
from tests.analytics.data import History, fill

# The models of this analytics (the conflict models need their own inputs).
MODELS = (
    "performance",
    "time_patterns",
    "platform_comparison",
    "optimization_stats",
    "dashboard",
)


@dataclass
class Setup:
    store: TaskStore
    store_url: str
    warehouse: Warehouse
    history: History

    def materialize(
        self, *, models: tuple[str, ...] = MODELS, extract: bool = True
    ) -> ExecuteInProcessResult:
        """The extraction copies, the models and their checks, as one in-process run."""
        chosen: list[AssetsDefinition] = [
            *(extraction_assets() if extract else []),
            *(a for a in sql_model_assets() if a.key.path[-1] in models),
        ]
        checks = [
            c for c in sql_model_checks() if next(iter(c.check_keys)).asset_key.path[-1] in models
        ]
        return materialize(
            [*chosen, *checks],
            resources={
                "task_store": TaskStoreResource(database_url=self.store_url),
                "warehouse": WarehouseResource(warehouse_url=self.warehouse.url),
            },
            raise_on_error=False,
        )


def duckdb_url(folder: Path) -> str:
    return f"duckdb:///{folder / 'warehouse.duckdb'}"


def _setup(store_url: str, warehouse_url: str) -> Setup:
    store = TaskStore.from_url(store_url)
    warehouse = Warehouse(warehouse_url)
    return Setup(store, store_url, warehouse, fill(store, warehouse))


@dataclass
class Materialised:
    setup: Setup
    result: ExecuteInProcessResult


@pytest.fixture(scope="session")
def on_duckdb(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Materialised]:
    """The history materialised once on DuckDB, for the tests that only read it."""
    folder = tmp_path_factory.mktemp("duckdb")
    setup = _setup(f"sqlite:///{folder / 'tasks.sqlite'}", duckdb_url(folder))
    yield Materialised(setup, setup.materialize())
    setup.store.engine.dispose()


@pytest.fixture(scope="session")
def on_postgres(
    tmp_path_factory: pytest.TempPathFactory, postgres_admin_url: str
) -> Iterator[Materialised]:
    """The same history materialised once on Postgres (a schema of its own, dropped after)."""
    schema = f"test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(postgres_admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    url = sa.engine.make_url(postgres_admin_url).update_query_dict(
        {"options": f"-csearch_path={schema}"}
    )
    folder = tmp_path_factory.mktemp("postgres")
    setup = _setup(
        f"sqlite:///{folder / 'tasks.sqlite'}", url.render_as_string(hide_password=False)
    )
    try:
        yield Materialised(setup, setup.materialize())
    finally:
        setup.store.engine.dispose()
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def fresh(sqlite_url: str, tmp_path: Path) -> Iterator[Setup]:
    """A history of the test's own on DuckDB, for tests that change it."""
    setup = _setup(sqlite_url, duckdb_url(tmp_path))
    yield setup
    setup.store.engine.dispose()


@pytest.fixture(params=["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)])
def warehouse_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "duckdb":
        return duckdb_url(tmp_path)
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture
def fresh_anywhere(sqlite_url: str, warehouse_url: str) -> Iterator[Setup]:
    """A history of the test's own, once on DuckDB and once on Postgres."""
    setup = _setup(sqlite_url, warehouse_url)
    yield setup
    setup.store.engine.dispose()
