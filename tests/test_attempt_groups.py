"""Attempts opened and closed many to a transaction, as a publisher's threads commit them:
each task moves only if still as read, and one task's refusal leaves the others written."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import text

from scheduling_platform.lifecycle import InvalidTransitionError, TaskStatus
from scheduling_platform.publishing.group_commit import GroupCommit
from scheduling_platform.store.attempts import AttemptEnd, AttemptStart
from scheduling_platform.store.engine import make_engine
from scheduling_platform.store.post_identity import PostHeldError
from scheduling_platform.store.records import Task
from scheduling_platform.store.task_store import TaskStore
from scheduling_platform.timeutil import utcnow
from tests.statements import plan_of, statements_of


def _claimed(store: TaskStore, count: int) -> list[Task]:
    account = store.add_account("toutiao", "desk", "Asia/Shanghai", {"access_token": "t"})
    now = utcnow()
    for n in range(count):
        store.create_task(account, f"post {n}", now + timedelta(seconds=5), title=f"t{n}")
    return store.claim_due_tasks(
        horizon=now + timedelta(minutes=1),
        claim_batch_prefix="w",
        lease_until=now + timedelta(minutes=5),
    )


def test_a_group_opens_what_is_still_claimed_and_refuses_the_rest(store: TaskStore) -> None:
    first, moved_away, third = _claimed(store, 3)
    store.transition(moved_away, TaskStatus.CANCELLED, actor="test")
    lease = utcnow() + timedelta(minutes=5)
    opened = store.begin_attempts(
        [AttemptStart(t, "run-1", lease) for t in (first, moved_away, third)]
    )
    assert [type(r) for r in opened] == [Task, InvalidTransitionError, Task]
    assert {t.status for t in opened if isinstance(t, Task)} == {TaskStatus.PUBLISHING}
    assert [len(store.attempts(t.id)) for t in (first, moved_away, third)] == [1, 0, 1]
    assert store.get_task(moved_away.id).status is TaskStatus.CANCELLED
    assert store.audit_trail(first.id)[-1]["to_status"] == "publishing"
    # Opened once: the same claim cannot open a second attempt.
    (again,) = store.begin_attempts([AttemptStart(first, "run-2", lease)])
    assert isinstance(again, InvalidTransitionError)


def test_a_held_post_refuses_its_task_alone(store: TaskStore) -> None:
    tasks = _claimed(store, 4)
    lease = utcnow() + timedelta(minutes=5)
    a, b, c, d = store.begin_attempts([AttemptStart(t, "run", lease) for t in tasks])
    assert isinstance(a, Task) and isinstance(b, Task) and isinstance(c, Task)
    assert isinstance(d, Task)
    store.finish_attempt(a, TaskStatus.PUBLISHED, outcome="published", platform_post_id="p1")
    done = store.finish_attempts(
        [
            AttemptEnd(b, TaskStatus.PUBLISHED, "published", platform_post_id="p2"),
            AttemptEnd(c, TaskStatus.PUBLISHED, "found_published", platform_post_id="p1"),
            AttemptEnd(d, TaskStatus.RETRYING, "error", error_kind="retryable", error="HTTP 500"),
        ]
    )
    assert [type(r) for r in done] == [Task, PostHeldError, Task]
    assert store.get_task(b.id).platform_post_id == "p2"
    assert store.get_task(b.id).published_at is not None
    assert store.get_task(c.id).status is TaskStatus.PUBLISHING  # held: nothing written
    assert store.attempts(c.id)[-1]["finished_at"] is None
    retried = store.get_task(d.id)
    assert (retried.status, retried.last_error) == (TaskStatus.RETRYING, "HTTP 500")
    assert store.attempts(d.id)[-1]["error_kind"] == "retryable"
    assert store.attempts(b.id)[-1]["platform_post_id"] == "p2"


def test_threads_get_their_own_results_from_shared_writes() -> None:
    groups: list[int] = []
    release = threading.Event()

    def write_all(requests):
        groups.append(len(requests))
        release.wait(5)  # the first write holds the rest back, so they pile up
        return [ValueError(r) if r % 7 == 0 else r * 10 for r in requests]

    commit: GroupCommit[int, int] = GroupCommit(write_all)
    results: dict[int, object] = {}

    def call(n: int) -> None:
        try:
            results[n] = commit(n)
        except ValueError as exc:
            results[n] = exc

    threads = [threading.Thread(target=call, args=(n,)) for n in range(1, 41)]
    for thread in threads:
        thread.start()
    release.set()
    for thread in threads:
        thread.join(10)
    assert sum(groups) == 40 and len(groups) < 40
    for n in range(1, 41):
        if n % 7 == 0:
            assert isinstance(results[n], ValueError)
        else:
            assert results[n] == n * 10


def test_a_failed_write_fails_each_of_its_callers() -> None:
    def write_all(_requests):
        raise OSError("database gone")

    with pytest.raises(OSError, match="database gone"):
        GroupCommit(write_all)(1)


def test_sqlite_writers_of_one_process_take_turns(tmp_path) -> None:
    """Threads writing at once all commit, and a rolled-back writer gives its turn back."""
    engine = make_engine(f"sqlite:///{tmp_path}/turns.sqlite", pool_sqlite=True, pool_size=2)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (n INTEGER)"))
    with pytest.raises(RuntimeError), engine.begin() as conn:
        conn.execute(text("INSERT INTO t VALUES (-1)"))
        raise RuntimeError("rolled back")

    def write(n: int) -> None:
        for i in range(20):
            with engine.begin() as conn:
                conn.execute(text("INSERT INTO t VALUES (:n)"), {"n": n * 100 + i})

    threads = [threading.Thread(target=write, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*), min(n) FROM t")).one() == (160, 0)
    engine.dispose()


def test_group_moves_find_their_tasks_by_primary_key_on_sqlite(tmp_path) -> None:
    # SQLite plans a row-value IN as a scan of the whole table: at a million tasks each group
    # write of a publisher took 160 ms.
    store = TaskStore.from_url(f"sqlite:///{tmp_path}/tasks.sqlite")
    tasks = _claimed(store, 3)
    lease = utcnow() + timedelta(minutes=5)
    with statements_of(store) as seen:
        opened = store.begin_attempts([AttemptStart(t, "run", lease) for t in tasks])
        store.finish_attempts(
            [
                AttemptEnd(t, TaskStatus.PUBLISHED, "published", platform_post_id=f"p{t.id}")
                for t in opened
                if isinstance(t, Task)
            ]
        )
    assert {store.get_task(t.id).status for t in tasks} == {TaskStatus.PUBLISHED}
    # The move to publishing, then the one to published.
    for marker in ("attempt_count + ", "platform_post_id=CASE"):
        plan = plan_of(store, seen, marker)
        assert "SEARCH tasks USING INTEGER PRIMARY KEY (rowid=?)" in plan, plan
        assert "SCAN tasks" not in plan, plan
    store.engine.dispose()
