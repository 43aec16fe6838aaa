"""The `conflicts` SQL model, materialised as Dagster assets on DuckDB and on Postgres, finds
exactly the conflicts the online checker finds on the same tasks."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pandas as pd
import pytest
from dagster import materialize

from assets.analytics import sql_model_assets
from assets.conflicts import conflict_rules, content_similarity, task_media, task_snapshot
from resources.policies import SchedulingPolicyResource
from resources.store import TaskStoreResource
from resources.warehouse import WarehouseResource
from scheduling_platform.lifecycle import OCCUPYING, AccountStatus, TaskStatus
from scheduling_platform.scheduling.conflicts.checker import ConflictChecker
from scheduling_platform.scheduling.conflicts.model import Post
from scheduling_platform.store.records import Task
from scheduling_platform.store.task_store import TaskStore
from scheduling_platform.store.tasks import NewTask
from scheduling_platform.store.warehouse import Warehouse
from tests.conflicts.conftest import T0
from tests.conflicts.test_duplicates import NEAR, ORIGINAL, OTHER

MIN, HOUR, DAY = timedelta(minutes=1), timedelta(hours=1), timedelta(days=1)
POLICY = SchedulingPolicyResource(
    hourly_quotas={"weibo": 3}, daily_quotas={"wechat": 2}, min_gap_minutes={"douyin": 0}
)


@pytest.fixture(params=["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)])
def warehouse_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "duckdb":
        return f"duckdb:///{tmp_path / 'warehouse.duckdb'}"
    return request.getfixturevalue("postgres_url")


def fill(store: TaskStore) -> None:
    weibo = store.add_account("weibo", "brand", "Asia/Shanghai", {})
    wechat = store.add_account("wechat", "oa", "America/New_York", {})
    douyin = store.add_account("douyin", "clips", "Asia/Shanghai", {})
    held = store.add_account("toutiao", "held", "Asia/Shanghai", {})
    store.set_account_status(held.id, AccountStatus.NEEDS_REAUTH, actor="test")
    posts = [
        NewTask(weibo.id, "weibo", "一", T0),
        NewTask(weibo.id, "weibo", "二", T0 + 2 * MIN),  # overlap; hour 10:00 holds 4 > 3
        NewTask(weibo.id, "weibo", "三", T0 + 20 * MIN),
        NewTask(weibo.id, "weibo", "三", T0 + 40 * MIN),  # identical and consecutive
        NewTask(weibo.id, "weibo", ORIGINAL, T0 + DAY),
        NewTask(weibo.id, "weibo", OTHER, T0 + 2 * DAY),
        NewTask(weibo.id, "weibo", NEAR, T0 + 3 * DAY),  # near-duplicate, not consecutive
        NewTask(weibo.id, "weibo", ORIGINAL, T0 + 200 * DAY),  # outside the 90-day window
        NewTask(wechat.id, "wechat", "早报", T0, media=("a.jpg",)),
        NewTask(wechat.id, "wechat", "晚报", T0 + 5 * HOUR, media=("a.jpg", "b.jpg")),
        NewTask(wechat.id, "wechat", "夜报", T0 + 9 * HOUR),  # 3 on one China day > 2
        NewTask(wechat.id, "wechat", "早报", T0 + DAY),  # identical, but WeChat allows it
        NewTask(douyin.id, "douyin", "视频一", T0, media=("v.mp4",)),
        NewTask(douyin.id, "douyin", "视频二", T0, media=("v.mp4",)),  # no gap on douyin here
        NewTask(held.id, "toutiao", "头条", T0),
    ]
    created = store.create_tasks(posts, actor="test")
    cancelled = store.create_tasks([NewTask(weibo.id, "weibo", "一", T0 + MIN)], actor="test")
    store.transition(cancelled[0], TaskStatus.CANCELLED, actor="test")
    assert len(created) == 15


def conflict_models():
    return [a for a in sql_model_assets() if a.key.path[-1] in ("conflicts", "conflict_patterns")]


def online(store: TaskStore) -> set[tuple[int, str, str, int | None]]:
    found = set()
    accounts = {a.id: a for a in store.list_accounts()}
    for task in store.list_tasks():
        if task.status not in OCCUPYING:
            continue
        result = ConflictChecker(store, POLICY.rules()).check(
            accounts[task.account_id], _post(task), T0 - DAY
        )
        for c in result.conflicts:
            for other in c.other_task_ids or (None,):
                found.add((task.id, str(c.type), str(c.rule), other))
    return found


def _post(task: Task) -> Post:
    return Post(
        task.account_id, task.platform, task.content, task.scheduled_at, task.media, task.id
    )


def test_sql_and_online_checks_find_the_same_conflicts(sqlite_url: str, warehouse_url: str) -> None:
    store = TaskStore.from_url(sqlite_url)
    fill(store)
    expected = online(store)
    assert {rule for _, _, rule, _ in expected} == {
        "min_gap",
        "account_status",
        "media_reuse",
        "hourly_quota",
        "daily_quota",
        "identical_consecutive",
        "near_duplicate",
    }
    result = materialize(
        [task_snapshot, task_media, conflict_rules, content_similarity, *conflict_models()],
        resources={
            "task_store": TaskStoreResource(database_url=sqlite_url),
            "warehouse": WarehouseResource(warehouse_url=warehouse_url),
            "scheduling_policy": POLICY,
        },
    )
    assert result.success
    warehouse = Warehouse(warehouse_url)
    table = warehouse.query("SELECT * FROM conflicts")
    found = {
        (
            int(r.task_id),
            r.conflict_type,
            r.rule,
            None if pd.isna(r.other_task_id) else int(r.other_task_id),
        )
        for r in table.itertuples()
    }
    assert found == expected
    near = table[table["rule"] == "near_duplicate"]
    # NEAR against ORIGINAL both ways, and WeChat's repeated text (identical, not refused).
    assert sorted(near["similarity"].round(2)) == [0.6, 0.6, 1.0, 1.0]
    assert (near["severity"] == "warning").all()
    patterns = warehouse.query("SELECT * FROM conflict_patterns")
    assert set(patterns["conflict_type"]) == {
        "time_overlap",
        "resource",
        "platform_limit",
        "duplicate_content",
    }
    assert int(patterns["pairs"].sum()) == len(table)
    store.engine.dispose()
