"""Migration 0007: tasks that shared one post before the unique index are sorted out first."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from scheduling_platform.lifecycle import TaskStatus
from scheduling_platform.store.engine import make_engine, migrate
from scheduling_platform.store.task_store import TaskStore
from tests.test_migration_workspaces import _upgrade_to

NOW = datetime.now(UTC)


def _task(conn: sa.Connection, post_id: str, outcome: str, status: str = "published") -> int:
    task_id = conn.execute(
        sa.text(
            "INSERT INTO tasks (account_id, platform, content, scheduled_at, priority, status,"
            " lease_version, attempt_count, platform_post_id, created_at, updated_at,"
            " workspace_id) VALUES (1, 'toutiao', 'x', :at, 5, :status, 1, 1, :post, :at, :at, 1)"
            " RETURNING id"
        ),
        {"at": NOW - timedelta(hours=1), "post": post_id, "status": status},
    ).scalar_one()
    conn.execute(
        sa.text(
            "INSERT INTO publish_attempts (task_id, attempt_no, started_at, finished_at, outcome,"
            " platform_post_id) VALUES (:t, 1, :at, :at, :outcome, :post)"
        ),
        {"t": task_id, "at": NOW - timedelta(hours=1), "outcome": outcome, "post": post_id},
    )
    return task_id


def test_a_post_taken_by_lookup_goes_back_to_a_person(database_url: str) -> None:
    engine = make_engine(database_url)
    _upgrade_to(engine, "0006")
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO accounts (platform, name, timezone, credentials, status, created_at,"
                " workspace_id) VALUES ('toutiao', 'desk', 'Asia/Shanghai', '{}', 'active', :at, 1)"
            ),
            {"at": NOW},
        )
        sent = _task(conn, "p1", "published")
        taken = _task(conn, "p1", "found_published")
        # Both found by lookup: neither had the platform's own answer, neither keeps it.
        guessed = [_task(conn, "p2", "found_published", s) for s in ("published", "submitted")]
        alone = _task(conn, "p3", "found_published")
    migrate(engine)
    store = TaskStore(engine)
    assert store.get_task(sent).platform_post_id == "p1"
    assert store.get_task(alone).platform_post_id == "p3"
    for task_id in (taken, *guessed):
        task = store.get_task(task_id)
        assert (task.status, task.platform_post_id) == (TaskStatus.NEEDS_ATTENTION, None)
        assert "this task's own post was never seen" in (task.last_error or "")
        assert store.audit_trail(task_id)[-1]["actor"] == "migration 0007"
    with engine.begin() as conn, pytest.raises(IntegrityError):
        _task(conn, "p1", "published")
    engine.dispose()
