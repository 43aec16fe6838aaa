"""Each check can fail (the data is broken on purpose and the check says so), and the copies
are incremental: a second run reads only what changed."""

from __future__ import annotations

from datetime import timedelta

from scheduling_platform.intelligence.engagement import store_rows
from scheduling_platform.lifecycle import TaskStatus
from tests.analytics.conftest import Setup
from tests.analytics.data import engagement_rows


def _copied(result, table: str) -> dict:
    (event,) = result.asset_materializations_for_node(table)
    return {k: v.value for k, v in event.metadata.items()}


def test_each_check_of_performance_fails_on_broken_data(fresh: Setup) -> None:
    assert fresh.materialize(models=("performance",)).success
    warehouse = fresh.warehouse
    published = sorted(fresh.history.published)
    measured = [t for t in published if fresh.history.published[t]]
    # A task copied twice (its key repeats), a post with more likes than reads (rate above 1),
    # one sent before its time (negative lateness), an account missing (rows against source).
    warehouse.materialize_query(
        "raw_tasks",
        f"SELECT * FROM raw_tasks UNION ALL SELECT * FROM raw_tasks WHERE task_id = {published[0]}",
    )
    warehouse.materialize_query(
        "raw_engagement",
        "SELECT post_key, platform, account_key, posted_at, followers, reads,"
        f" CASE WHEN post_key = 'weibo:p{measured[1]}' THEN reads * 5 ELSE likes END AS likes,"
        " shares, comments, collected_at, local_weekday, local_hour, engagement"
        " FROM raw_engagement",
    )
    warehouse.materialize_query(
        "raw_tasks",
        f"SELECT * REPLACE (CASE WHEN task_id = {published[2]} THEN scheduled_epoch - 60"
        " ELSE sent_epoch END AS sent_epoch) FROM raw_tasks",
    )
    douyin = fresh.history.accounts["douyin"]
    warehouse.materialize_query(
        "raw_accounts", f"SELECT * FROM raw_accounts WHERE account_id <> {douyin}"
    )
    result = fresh.materialize(models=("performance",), extract=False)
    outcomes = {e.check_name: e for e in result.get_asset_check_evaluations()}
    assert {name: e.passed for name, e in outcomes.items()} == {
        "keys_unique_not_null": False,
        "values_in_range": False,
        "row_count_matches_source": False,
    }
    keys = outcomes["keys_unique_not_null"].metadata
    assert keys["repeated_keys"].value == 1 and keys["null_key_rows"].value == 0
    ranges = outcomes["values_in_range"].metadata
    assert ranges["engagement_rate"].value == 1 and ranges["lateness_seconds"].value == 1
    rows = outcomes["row_count_matches_source"].metadata
    assert rows["expected_rows"].value - rows["rows"].value == 6  # douyin's six published posts


def test_a_second_copy_reads_only_what_changed(fresh_anywhere: Setup) -> None:
    fresh = fresh_anywhere
    first = fresh.materialize(models=())
    assert first.success
    assert _copied(first, "raw_tasks")["rows_copied"] == 24
    assert _copied(first, "raw_tasks")["incremental"] is False

    store, history = fresh.store, fresh.history
    upcoming = min(history.upcoming)
    store.transition(store.get_task(upcoming), TaskStatus.CANCELLED, actor="test")
    again = next(iter(t for t, m in history.published.items() if m))
    recollected = engagement_rows(
        store, {again: {"reads": 999, "likes": 1, "shares": 0, "comments": 0}}
    )
    recollected["collected_at"] = recollected["collected_at"] + timedelta(days=30)
    store_rows(fresh.warehouse, recollected)

    second = fresh.materialize(models=())
    assert second.success
    tasks = _copied(second, "raw_tasks")
    # The changed task, and any stamped at the same instant as the newest copied one.
    assert tasks["incremental"] is True and 1 <= tasks["rows_copied"] <= 2
    assert tasks["dagster/row_count"] == 24
    assert _copied(second, "raw_attempts")["rows_copied"] == 0  # every attempt had finished
    engagement = _copied(second, "raw_engagement")
    # The re-collected row, and the three collected at the previous newest instant (read
    # again from there, so a row written in that same instant is never missed).
    assert engagement["rows_copied"] == 4 and engagement["dagster/row_count"] == 15
    status = fresh.warehouse.scalar(f"SELECT status FROM raw_tasks WHERE task_id = {upcoming}")
    assert status == "cancelled"
    key = f"{store.get_task(again).platform}:p{again}"
    (reads,) = fresh.warehouse.select_rows("raw_engagement", {"post_key": key})["reads"]
    assert reads == 999


def test_a_copy_older_than_its_columns_is_copied_whole_again(fresh_anywhere: Setup) -> None:
    """A warehouse copied before raw_tasks gained `explored` (an upgrade): the next copy
    rebuilds the table in its new shape rather than failing to add rows to the old one."""
    fresh = fresh_anywhere
    assert fresh.materialize(models=()).success
    old = fresh.warehouse.query("SELECT * FROM raw_tasks").drop(columns=["explored"])
    fresh.warehouse.replace_table("raw_tasks", old)
    again = fresh.materialize(models=("performance",))
    assert again.success
    tasks = _copied(again, "raw_tasks")
    assert tasks["incremental"] is False and tasks["rows_copied"] == 24
    explored = min(fresh.history.explored)
    assert fresh.warehouse.scalar(f"SELECT explored FROM raw_tasks WHERE task_id = {explored}") == 1
    choice = fresh.warehouse.scalar(f"SELECT choice FROM performance WHERE task_id = {explored}")
    assert choice == "explored"


def test_a_new_platform_copies_and_builds_empty_tables(sqlite_url: str, tmp_path) -> None:
    """The first hourly run, before any task or engagement: typed empty copies, empty models
    whose checks pass, and pictures that say there is nothing yet."""
    from scheduling_platform.analytics.checks import check_keys, check_ranges, check_row_count
    from scheduling_platform.analytics.extraction import STORE_EXTRACTS, extract_engagement
    from scheduling_platform.analytics.sql_models import load_models
    from scheduling_platform.analytics.summaries import materialize_model
    from scheduling_platform.store.task_store import TaskStore
    from scheduling_platform.store.warehouse import Warehouse
    from tests.analytics.conftest import MODELS, duckdb_url

    store, warehouse = TaskStore.from_url(sqlite_url), Warehouse(duckdb_url(tmp_path))
    assert extract_engagement(warehouse).total_rows == 0
    for extract in STORE_EXTRACTS.values():
        assert extract(store, warehouse).rows_copied == 0
    types = dict(warehouse.query("DESCRIBE raw_engagement")[["column_name", "column_type"]].values)
    assert types["post_key"] == "VARCHAR" and types["posted_at"] == "TIMESTAMP WITH TIME ZONE"
    models = {m.name: m for m in load_models()}
    for name in MODELS:  # in their dependency order
        summary = materialize_model(warehouse, models[name])
        assert summary.rows == 0
        checks = (check_keys, check_ranges, check_row_count)
        assert all(check(warehouse, models[name]).passed for check in checks)
    store.engine.dispose()
