"""Migration 0005: a store from before workspaces moves whole into the default workspace."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from importlib import resources

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.config import Config

from scheduling_platform.store.engine import make_engine, migrate
from scheduling_platform.store.records import DEFAULT_WORKSPACE_ID, NotFoundError
from scheduling_platform.store.task_store import TaskStore


def _upgrade_to(engine: sa.Engine, revision: str) -> None:
    config = Config()
    config.set_main_option(
        "script_location", str(resources.files("scheduling_platform") / "migrations")
    )
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def test_rows_from_before_workspaces_land_in_the_default_one(database_url: str) -> None:
    engine = make_engine(database_url)
    _upgrade_to(engine, "0004")
    due = datetime.now(UTC) + timedelta(days=1)
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO accounts (platform, name, timezone, credentials, status, created_at)"
                " VALUES ('weibo', 'old', 'Asia/Shanghai', '{}', 'active', :at)"
            ),
            {"at": datetime.now(UTC)},
        )
        conn.execute(
            sa.text(
                "INSERT INTO tasks (account_id, platform, content, scheduled_at, priority, status,"
                " lease_version, attempt_count, created_at, updated_at)"
                " VALUES (1, 'weibo', 'before', :due, 5, 'scheduled', 0, 0, :at, :at)"
            ),
            {"due": due, "at": datetime.now(UTC)},
        )
        conn.execute(
            sa.text(
                "INSERT INTO audit_log (task_id, account_id, at, actor, to_status)"
                " VALUES (1, 1, :at, 'cli', 'scheduled')"
            ),
            {"at": datetime.now(UTC)},
        )
    migrate(engine)  # to head: 0005 and whatever follows
    store = TaskStore(engine)
    (workspace,) = store.list_workspaces()
    assert (workspace.id, workspace.name) == (DEFAULT_WORKSPACE_ID, "default")
    (account,) = store.list_accounts(workspace_id=DEFAULT_WORKSPACE_ID)
    task = store.get_task(1, workspace_id=DEFAULT_WORKSPACE_ID)
    assert account.workspace_id == task.workspace_id == DEFAULT_WORKSPACE_ID
    assert store.audit_trail(1)[0]["workspace_id"] == DEFAULT_WORKSPACE_ID

    # New workspaces get fresh ids after the default one, and own nothing of it.
    other = store.create_workspace("acme")
    assert other.id == DEFAULT_WORKSPACE_ID + 1
    with pytest.raises(NotFoundError):
        store.get_task(1, workspace_id=other.id)
    assert store.list_accounts(workspace_id=other.id) == []
    # The same account name may now exist once in each workspace.
    twin = store.add_account("weibo", "old", "Asia/Shanghai", {}, workspace_id=other.id)
    assert twin.workspace_id == other.id
    engine.dispose()


def test_the_migration_goes_down_and_up_again(database_url: str) -> None:
    engine = make_engine(database_url)
    migrate(engine)
    _downgrade_to(engine, "0004")
    assert not sa.inspect(engine).has_table("workspaces")
    migrate(engine)
    assert TaskStore(engine).list_workspaces()[0].name == "default"
    engine.dispose()


def _downgrade_to(engine: sa.Engine, revision: str) -> None:
    config = Config()
    config.set_main_option(
        "script_location", str(resources.files("scheduling_platform") / "migrations")
    )
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            dbapi = connection.connection.dbapi_connection
            assert dbapi is not None
            dbapi.execute("PRAGMA foreign_keys=OFF")
        with connection.begin():
            config.attributes["connection"] = connection
            command.downgrade(config, revision)
