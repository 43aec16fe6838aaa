"""Expansions that run at once: the placement lock covers every account it names, and two
expansions of the same series never make an occurrence twice (SQLite and Postgres)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from scheduling_platform.scheduling.conflicts.rules import ConflictRules
from scheduling_platform.scheduling.expansion import ExpansionReport, expand_series
from scheduling_platform.store.task_store import TaskStore

NOW = datetime(2031, 3, 2, 16, 0, tzinfo=UTC)  # Monday 00:00 in Shanghai


def _try_lock(url: str, account_id: int) -> bool:
    """Whether another session could take the account's placement lock now."""
    engine = sa.create_engine(url)
    try:
        with engine.begin() as conn:
            query = sa.text("SELECT pg_try_advisory_xact_lock(8094003, :a)")
            return bool(conn.execute(query, {"a": account_id}).scalar_one())
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_placing_holds_the_lock_of_every_account_until_it_ends(postgres_url: str) -> None:
    store = TaskStore.from_url(postgres_url)
    try:
        made = [store.add_account("wechat", f"oa-{i}", "Asia/Shanghai", {}) for i in range(4)]
        locked, free = [made[2].id, made[0].id, made[1].id], made[3].id
        with store.placing(locked):
            assert [_try_lock(postgres_url, a) for a in locked] == [False, False, False]
            assert _try_lock(postgres_url, free)
        assert all(_try_lock(postgres_url, a) for a in locked)
    finally:
        store.engine.dispose()


def test_two_expansions_at_once_make_each_occurrence_once(store: TaskStore) -> None:
    accounts = [store.add_account("wechat", f"oa-{i}", "Asia/Shanghai", {}) for i in range(3)]
    series = [
        store.add_series(
            {
                "account_id": accounts[i % 3].id,
                "content": f"第{i}期：本周的新品与活动 {i * 7919}",
                "rrule": f"FREQ=DAILY;BYHOUR={8 + i // 3};BYMINUTE={(i % 3) * 20}",
                "dtstart": "2031-03-03T00:00:00",
                "timezone": "Asia/Shanghai",
            },
            actor="test",
        ).id
        for i in range(12)
    ]
    start = threading.Barrier(2)
    reports: list[ExpansionReport] = []
    failures: list[BaseException] = []

    def expand() -> None:
        start.wait()
        try:
            reports.append(
                expand_series(
                    store, ConflictRules(), now=NOW, horizon=timedelta(days=7), max_ahead=50
                )
            )
        except BaseException as exc:  # reported below, in the test thread
            failures.append(exc)

    workers = [threading.Thread(target=expand) for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
    assert not failures
    made = store.series_tasks(series)
    assert len(made) == 12 * 7
    assert len({(t.series_id, t.occurrence_start) for t in made}) == 12 * 7
    assert sum(len(r.created) for r in reports) == 12 * 7
    assert sum(len(r.refused) for r in reports) == 0
    assert sum(r.existing for r in reports) == 12 * 7  # what one made, the other found
