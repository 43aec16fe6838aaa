"""A small history of two workspaces: accounts in two zones, tasks published (some at times the
model chose), failed and still to come, their attempts, a series that could not place an
occurrence, and the engagement collected for the published posts."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pandas as pd
from sqlalchemy import insert, update

from scheduling_platform.intelligence.engagement import store_rows
from scheduling_platform.intelligence.features import ENGAGEMENT_COLUMNS
from scheduling_platform.lifecycle import TaskStatus
from scheduling_platform.store.schema import publish_attempts, series, series_conflicts, tasks
from scheduling_platform.store.task_store import TaskStore
from scheduling_platform.store.tasks import NewTask
from scheduling_platform.store.warehouse import Warehouse

# A Monday, 02:00 UTC: 10:00 in Shanghai, 21:00 on Sunday in New York.
T0 = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


@dataclass
class History:
    """What was written, for the tests' expectations."""

    published: dict[int, dict[str, int]] = field(default_factory=dict)  # task -> metrics
    model_chosen: set[int] = field(default_factory=set)  # the model's best time
    explored: set[int] = field(default_factory=set)  # an exploring draw's time
    failed: set[int] = field(default_factory=set)
    upcoming: set[int] = field(default_factory=set)
    accounts: dict[str, int] = field(default_factory=dict)


def record_attempt(
    store: TaskStore, task_id: int, at: datetime, late: int, status: TaskStatus
) -> None:
    with store.engine.begin() as conn:
        conn.execute(
            insert(publish_attempts).values(
                task_id=task_id,
                attempt_no=1,
                started_at=at + timedelta(seconds=late),
                finished_at=at + timedelta(seconds=late + 2),
                outcome=status.value,
            )
        )
        values: dict[str, object] = {"status": status.value, "attempt_count": 1}
        if status is TaskStatus.PUBLISHED:
            values |= {"platform_post_id": f"p{task_id}", "published_at": at}
        conn.execute(update(tasks).where(tasks.c.id == task_id).values(**values))


def engagement_rows(store: TaskStore, metrics: dict[int, dict[str, int]]) -> pd.DataFrame:
    rows = []
    for task_id, values in metrics.items():
        task = store.get_task(task_id)
        account = store.get_account(task.account_id)
        assert task.published_at is not None
        rows.append(
            {
                "post_key": f"{task.platform}:{task.platform_post_id}",
                "source": "platform",
                "platform": task.platform,
                "account_key": f"account:{task.account_id}",
                "posted_at": task.published_at,
                "timezone": account.timezone,
                "content_type": "text",
                "text_length": 10,
                "media_count": 0,
                "hashtag_count": 0,
                "link_count": 0,
                "followers": float(account.followers) if account.followers else None,
                "paid": 0,
                "category": -1,
                **values,
                "collected_at": task.published_at + timedelta(days=3),
                "partition": task.published_at.date().isoformat(),
            }
        )
    return pd.DataFrame(rows, columns=list(ENGAGEMENT_COLUMNS))


def fill(store: TaskStore, warehouse: Warehouse) -> History:
    history = History()
    other = store.create_workspace("other")
    weibo = store.add_account("weibo", "brand", "Asia/Shanghai", {}, 10_000)
    wechat = store.add_account("wechat", "oa", "America/New_York", {})
    douyin = store.add_account("douyin", "clips", "Asia/Shanghai", {}, 5_000, workspace_id=other.id)
    history.accounts = {"weibo": weibo.id, "wechat": wechat.id, "douyin": douyin.id}
    plan = [(account, i) for account in (weibo, wechat, douyin) for i in range(8)]
    created = store.create_tasks(
        [
            NewTask(account.id, account.platform, f"{account.name} {i}", T0 + i * 25 * HOUR)
            for account, i in plan
        ],
        actor="test",
    )
    for task, (_account, i) in zip(created, plan, strict=True):
        at = task.scheduled_at
        if i == 7:
            history.upcoming.add(task.id)
            continue
        if i == 6:
            record_attempt(store, task.id, at, 4, TaskStatus.FAILED)
            history.failed.add(task.id)
            continue
        record_attempt(store, task.id, at, 3 + i, TaskStatus.PUBLISHED)
        if i % 2 or i == 4:  # the model timed the odd ones; an exploring draw timed the 4th
            store.record_prediction(task, "m1", 150.0 + i, 40.0, actor="test")
            store.record_decision(task.id, explored=i == 4, model_version="m1")
            (history.explored if i == 4 else history.model_chosen).add(task.id)
        base = 100 + 20 * i + (50 if i % 2 else 0)
        if i < 5:  # the last published post of each account is not measured yet
            history.published[task.id] = {
                "reads": base,
                "likes": base // 10,
                "shares": i,
                "comments": 1,
            }
        else:
            history.published.setdefault(task.id, {})
    store_rows(warehouse, engagement_rows(store, {t: m for t, m in history.published.items() if m}))
    _series_with_conflict(store, weibo.id)
    return history


def _series_with_conflict(store: TaskStore, account_id: int) -> None:
    now = datetime.now(UTC)
    with store.engine.begin() as conn:
        series_id = conn.execute(
            insert(series)
            .values(
                account_id=account_id,
                workspace_id=1,
                content="weekly",
                rrule="FREQ=WEEKLY;COUNT=3",
                dtstart="2026-03-02T10:00:00",
                timezone="Asia/Shanghai",
                status="active",
                created_at=now,
                updated_at=now,
            )
            .returning(series.c.id)
        ).scalar_one()
        conn.execute(
            insert(series_conflicts).values(
                series_id=series_id,
                occurrence_start=T0 + 7 * 24 * HOUR,
                conflicts=json.dumps([{"rule": "min_gap"}]),
                checked_at=now,
            )
        )
