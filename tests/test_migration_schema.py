"""The migrations build the schema the code declares, and the indexes the store's reads rely on
are there to be used."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from scheduling_platform.store.schema import metadata
from scheduling_platform.store.task_store import TaskStore
from scheduling_platform.timeutil import utcnow
from tests.statements import plan_of, statements_of


def test_the_migrated_store_has_the_declared_schema(store: TaskStore) -> None:
    # A table, column or index declared in schema.py without its migration (or the other way
    # round) would exist in a test's store and not in a user's, or not in both.
    with store.engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), metadata) == []


def test_the_holder_of_a_post_is_found_by_index_on_sqlite(tmp_path) -> None:
    # Verification asks who holds a post after every unknown outcome, in any status and on
    # any account of the platform: without its own index that read scanned every task.
    store = TaskStore.from_url(f"sqlite:///{tmp_path}/tasks.sqlite")
    account = store.add_account("weibo", "desk", "Asia/Shanghai", {})
    task = store.create_task(account, "post", utcnow())
    with statements_of(store) as seen:
        assert store.post_holders("weibo", ["p1"], other_than=task.id) == {}
    plan = plan_of(store, seen, "platform_post_id IN")
    assert plan.startswith("SEARCH tasks") and "ix_tasks_platform_post_id" in plan, plan
    store.engine.dispose()
