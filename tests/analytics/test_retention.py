"""The retention job: old attempts of finished tasks, old audit rows and old engagement go,
from the store and the warehouse, in batches, counted in the run's metadata; a task keeps its
outcome, and the attempts of a task still on its way stay."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select, update

from jobs.analytics import retention_job
from resources.policies import RetentionPolicyResource
from resources.store import TaskStoreResource
from resources.warehouse import WarehouseResource
from scheduling_platform.lifecycle import TaskStatus
from scheduling_platform.store.schema import audit_log, publish_attempts, tasks
from scheduling_platform.timeutil import utcnow
from tests.analytics.conftest import Setup
from tests.analytics.data import record_attempt


def _count(setup: Setup, query) -> int:
    with setup.store.engine.connect() as conn:
        return int(conn.execute(query).scalar_one())


def test_retention_removes_old_logs_and_keeps_outcomes(fresh: Setup) -> None:
    assert fresh.materialize(models=()).success
    store, history, now = fresh.store, fresh.history, utcnow()
    old = now - timedelta(days=100)
    # A task still on its way (retrying) with an old attempt: that attempt must stay.
    retrying = min(history.upcoming)
    record_attempt(store, retrying, old, 1, TaskStatus.RETRYING)
    with store.engine.begin() as conn:
        conn.execute(update(publish_attempts).values(started_at=old))
        conn.execute(update(audit_log).where(audit_log.c.id <= 10).values(at=old))
    fresh.warehouse.materialize_query(
        "raw_attempts",
        "SELECT * REPLACE (TIMESTAMPTZ '2020-01-01 00:00:00+00' AS started_at) FROM raw_attempts",
    )
    fresh.warehouse.materialize_query(
        "engagement_metrics",
        "SELECT * REPLACE (CASE WHEN reads < 140 THEN posted_at - INTERVAL 400 DAY"
        " ELSE posted_at END AS posted_at) FROM engagement_metrics",
    )
    old_engagement = int(
        fresh.warehouse.scalar("SELECT COUNT(*) FROM engagement_metrics WHERE reads < 140")
    )
    attempts_before = _count(fresh, select(func.count()).select_from(publish_attempts))
    audit_before = _count(fresh, select(func.count()).select_from(audit_log))

    result = retention_job.execute_in_process(
        resources={
            "task_store": TaskStoreResource(database_url=fresh.store_url),
            "warehouse": WarehouseResource(warehouse_url=fresh.warehouse.url),
            "retention_policy": RetentionPolicyResource(batch_rows=4),
        }
    )
    assert result.success
    removed = result.output_for_node("remove_old_data")
    final = len(history.published) + len(history.failed)
    assert removed["store.publish_attempts"] == final  # one attempt each, all old
    assert removed["store.audit_log"] == 10
    assert removed["warehouse.raw_attempts"] == final
    assert removed["warehouse.engagement_metrics"] == old_engagement > 0
    (step,) = [e for e in result.all_events if e.event_type_value == "STEP_OUTPUT"]
    shown = {k: v.value for k, v in step.event_specific_data.metadata.items()}
    assert shown["removed store.publish_attempts"] == final

    assert (
        _count(fresh, select(func.count()).select_from(publish_attempts)) == attempts_before - final
    )
    assert _count(fresh, select(func.count()).select_from(audit_log)) == audit_before - 10
    kept = (
        select(func.count())
        .select_from(publish_attempts)
        .where(publish_attempts.c.task_id == retrying)
    )
    assert _count(fresh, kept) == 1
    outcome = (
        select(func.count())
        .select_from(tasks)
        .where(
            tasks.c.status == "published",
            tasks.c.platform_post_id.is_not(None),
            tasks.c.published_at.is_not(None),
        )
    )
    assert _count(fresh, outcome) == len(history.published)
    # Run again: nothing left to remove.
    again = retention_job.execute_in_process(
        resources={
            "task_store": TaskStoreResource(database_url=fresh.store_url),
            "warehouse": WarehouseResource(warehouse_url=fresh.warehouse.url),
            "retention_policy": RetentionPolicyResource(),
        }
    )
    assert set(again.output_for_node("remove_old_data").values()) == {0}
