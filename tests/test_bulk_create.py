"""Creating many tasks at once (COPY on Postgres from `COPY_FROM` rows, an INSERT below, and
SQLite's own path): every value comes back as given, each task has its audit row and band
keys, and a unique key or a naive time is refused as by a single INSERT."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from scheduling_platform.fingerprints import band_keys
from scheduling_platform.lifecycle import TaskStatus
from scheduling_platform.store.copy import COPY_FROM
from scheduling_platform.store.schema import content_bands
from scheduling_platform.store.task_store import TaskStore
from scheduling_platform.store.tasks import NewTask

SHANGHAI = timezone(timedelta(hours=8))
START = datetime(2031, 3, 3, 9, 0, 0, 123456, tzinfo=SHANGHAI)
# What COPY's text format must escape, and text it need not.
AWKWARD = "制表\t换行\n回车\r反斜杠\\N 和 \\t，引号'\" 以及 emoji 🎉"


def _new(account, series_id: int, i: int) -> NewTask:
    return NewTask(
        account.id,
        account.platform,
        f"{AWKWARD} #{i}",
        START + i * timedelta(minutes=17),
        priority=1 + i % 9,
        title=None if i % 2 else f"标题 {i}\t",
        media=() if i % 3 else (f"/media/sha256/ab/{i}.jpg", "/media/x\\y.png"),
        series_id=series_id,
        occurrence_start=START + i * timedelta(days=1),
        idempotency_key=f"key-{i}" if i % 4 == 0 else None,
        detail=f"occurrence {i}\nof the series",
        strategy="fixed" if i % 2 else None,
        model_version="m-1" if i % 5 == 0 else None,
        predicted_engagement=1234.5678901234567 if i % 5 == 0 else None,
        prediction_uncertainty=float(i) / 3 if i % 5 == 0 else None,
    )


def _series(store: TaskStore, account) -> int:
    values = {
        "account_id": account.id,
        "content": "x",
        "rrule": "FREQ=DAILY",
        "dtstart": "2031-03-03T09:00:00",
        "timezone": "Asia/Shanghai",
    }
    return store.add_series(values, actor="test").id


@pytest.mark.parametrize("count", [1, COPY_FROM - 1, COPY_FROM, 3 * COPY_FROM + 5])
def test_every_value_comes_back_with_its_audit_row_and_band_keys(
    store: TaskStore, count: int
) -> None:
    account = store.add_account("wechat", "oa", "Asia/Shanghai", {})
    series_id = _series(store, account)
    new = [_new(account, series_id, i) for i in range(count)]
    created = store.create_tasks(new, actor="bulk")
    assert [t.content for t in created] == [n.content for n in new]  # in the order given
    assert len({t.id for t in created}) == count
    for task, item in zip(created, new, strict=True):
        again = store.get_task(task.id)
        assert again == task
        assert (again.account_id, again.platform, again.workspace_id) == (
            account.id,
            "wechat",
            account.workspace_id,
        )
        assert again.scheduled_at == item.scheduled_at and again.scheduled_at.tzinfo == UTC
        assert again.occurrence_start == item.occurrence_start
        assert (again.title, again.media, again.priority) == (item.title, item.media, item.priority)
        assert (again.series_id, again.idempotency_key, again.strategy) == (
            series_id,
            item.idempotency_key,
            item.strategy,
        )
        assert (again.model_version, again.predicted_engagement) == (
            item.model_version,
            item.predicted_engagement,
        )
        assert again.prediction_uncertainty == item.prediction_uncertainty
        assert (again.status, again.lease_version, again.attempt_count) == (
            TaskStatus.SCHEDULED,
            0,
            0,
        )
        assert again.claim_batch is None and again.published_at is None
        (entry,) = store.audit_trail(task.id)
        assert (entry["actor"], entry["to_status"], entry["detail"]) == (
            "bulk",
            "scheduled",
            item.detail,
        )
        assert entry["account_id"] == account.id
    with store.engine.connect() as conn:
        rows = conn.execute(sa.select(content_bands.c.task_id, content_bands.c.band_key)).all()
    assert sorted(rows) == sorted((t.id, k) for t in created for k in band_keys(t.content))


@pytest.mark.parametrize("count", [1, COPY_FROM + 3])
def test_an_occurrence_made_twice_is_an_integrity_error_and_nothing_is_kept(
    store: TaskStore, count: int
) -> None:
    account = store.add_account("wechat", "oa", "Asia/Shanghai", {})
    series_id = _series(store, account)
    store.create_tasks([_new(account, series_id, count - 1)], actor="test")
    with pytest.raises(IntegrityError):
        store.create_tasks([_new(account, series_id, i) for i in range(count)], actor="test")
    assert len(store.series_tasks([series_id])) == 1
    with store.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(content_bands)).scalar() == 20


@pytest.mark.parametrize("count", [1, COPY_FROM + 3])
def test_a_naive_time_is_refused_and_nothing_is_kept(store: TaskStore, count: int) -> None:
    account = store.add_account("wechat", "oa", "Asia/Shanghai", {})
    new = [
        NewTask(account.id, "wechat", f"text {i}", START.replace(tzinfo=None) + timedelta(hours=i))
        for i in range(count)
    ]
    with pytest.raises(sa.exc.StatementError, match="naive"):
        store.create_tasks(new, actor="test")
    assert store.list_tasks() == []
