"""Shared fixtures: real SQLite and PostgreSQL stores, Redis, a real sandbox on loopback."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from dagster import Definitions
from dagster._core.storage.defs_state.base import set_defs_state_storage

from scheduling_platform.definitions import build_definitions
from scheduling_platform.sandbox.app import running_sandbox
from scheduling_platform.settings import Settings
from scheduling_platform.store.task_store import TaskStore

POSTGRES_ADMIN_URL = os.environ.get(
    "SCHEDULING_TEST_POSTGRES_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres"
)


def _postgres_reachable() -> str | None:
    engine = sa.create_engine(POSTGRES_ADMIN_URL, connect_args={"connect_timeout": 3})
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
        return None
    except sa.exc.OperationalError as exc:
        return str(exc).splitlines()[0]
    finally:
        engine.dispose()


@pytest.fixture(autouse=True)
def _no_leftover_dagster_state_storage() -> Iterator[None]:
    """Each test starts without a current Dagster defs-state storage. Entering an instance
    sets one in a context variable; one left set (an interrupt inside an instance's exit, in
    a tick test) points at a collected instance, and the next Definitions to load in the same
    worker fail with "undefined DagsterInstance weakref"."""
    with set_defs_state_storage(None):
        yield


@pytest.fixture(scope="session")
def postgres_admin_url() -> str:
    problem = _postgres_reachable()
    if problem:
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL is required in CI and is not reachable: {problem}")
        pytest.skip(f"PostgreSQL at 127.0.0.1:5432 is not reachable here: {problem}")
    return POSTGRES_ADMIN_URL


@pytest.fixture
def postgres_url(postgres_admin_url: str) -> Iterator[str]:
    """A URL whose connections live in a fresh schema of their own, dropped afterwards."""
    schema = f"test_{uuid.uuid4().hex[:12]}"
    # pre_ping: a test may restart Postgres (tests/chaos), which ends the pooled connection.
    admin = sa.create_engine(postgres_admin_url, isolation_level="AUTOCOMMIT", pool_pre_ping=True)
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    url = sa.engine.make_url(postgres_admin_url).update_query_dict(
        {"options": f"-csearch_path={schema}"}
    )
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


REDIS_URL = os.environ.get("SCHEDULING_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture(scope="session")
def redis_url() -> str:
    """The Redis server at 127.0.0.1:6379 (skipped with the reason without it; failed in CI)."""
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3).ping()
    except redis.RedisError as exc:
        if os.environ.get("CI"):
            pytest.fail(f"Redis is required in CI and is not reachable: {exc}")
        pytest.skip(f"Redis at {REDIS_URL} is not reachable here: {exc}")
    return REDIS_URL


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'tasks.sqlite'}"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest) -> str:
    """The task store URL, once on SQLite and once on PostgreSQL."""
    return request.getfixturevalue(f"{request.param}_url")


@pytest.fixture
def store(database_url: str) -> Iterator[TaskStore]:
    task_store = TaskStore.from_url(database_url)
    yield task_store
    task_store.engine.dispose()


@pytest.fixture
def sandbox_url() -> Iterator[str]:
    with running_sandbox() as url:
        yield url


@pytest.fixture
def platform_env(tmp_path: Path, sandbox_url: str, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """The environment of a platform living in `tmp_path`, talking to a fresh sandbox."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SCHEDULING_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("SCHEDULING_SANDBOX_URL", sandbox_url)
    monkeypatch.delenv("SCHEDULING_DATABASE_URL", raising=False)
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    # Tests of the model's choice expect its best slot; exploration has its own tests.
    monkeypatch.setenv("SCHEDULING_EXPLORATION_SHARE", "0")
    # No webserver answers here: an immediate post's run request is refused at once (the
    # post waits for the next tick), never sent to a platform someone runs on :3000.
    monkeypatch.setenv("SCHEDULING_DAGSTER_GRAPHQL_URL", "http://127.0.0.1:9")
    return Settings()


@pytest.fixture
def platform_defs(platform_env: Settings) -> Definitions:
    """The Definitions as a platform in `platform_env` assembles them."""
    return build_definitions(platform_env)
