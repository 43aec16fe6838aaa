"""A served SQLite store checkpoints its WAL on a thread, not in a request's commit; a store
opened per use keeps SQLite's automatic checkpoints."""

from __future__ import annotations

import gc
import multiprocessing
import time
from datetime import timedelta
from pathlib import Path

from scheduling_platform.store.task_store import TaskStore
from scheduling_platform.store.tasks import NewTask
from scheduling_platform.store.wal_checkpoints import CHECKPOINT_SECONDS, checkpointer_of
from scheduling_platform.timeutil import utcnow


def _autocheckpoint(store: TaskStore) -> int:
    with store.engine.connect() as conn:
        return int(conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar_one())


def _write(store: TaskStore, count: int) -> None:
    account = store.add_account("weibo", f"w{time.monotonic_ns()}", "Asia/Shanghai", {})
    now = utcnow()
    store.create_tasks(
        [
            NewTask(account.id, "weibo", f"post {n} " + "x" * 500, now + timedelta(hours=n + 1))
            for n in range(count)
        ],
        actor="test",
    )


def _until(condition, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def test_a_served_store_checkpoints_on_its_thread_with_the_default_interval(
    tmp_path: Path,
) -> None:
    path = tmp_path / "tasks.sqlite"
    store = TaskStore.from_url(f"sqlite:///{path}", pool_sqlite=True)
    assert _autocheckpoint(store) == 0  # no commit of the server runs a checkpoint
    checkpointer = checkpointer_of(path)
    assert checkpointer is not None and checkpointer.interval == CHECKPOINT_SECONDS
    _write(store, 400)
    written = checkpointer.runs
    # A later run of the thread finds the frames and copies them all into the database.
    assert _until(
        lambda: (
            checkpointer.runs > written
            and checkpointer.last is not None
            and checkpointer.last[1] > 0
            and checkpointer.last[1] == checkpointer.last[2]
        ),
        10 * CHECKPOINT_SECONDS,
    ), checkpointer.last
    assert store.list_tasks()  # the store reads as before
    # The thread ends once no engine on the file is left.
    store.engine.dispose()
    del store
    gc.collect()
    assert _until(lambda: not checkpointer.alive(), 5 * CHECKPOINT_SECONDS)


def test_a_deleted_store_is_not_created_again_by_its_checkpointer(tmp_path: Path) -> None:
    path = tmp_path / "tasks.sqlite"
    store = TaskStore.from_url(f"sqlite:///{path}", pool_sqlite=True)
    checkpointer = checkpointer_of(path)
    assert checkpointer is not None
    store.engine.dispose()
    for leftover in tmp_path.iterdir():
        leftover.unlink()
    assert _until(lambda: not checkpointer.alive(), 5 * CHECKPOINT_SECONDS)
    assert not path.exists()
    del store


def test_a_store_opened_per_use_keeps_automatic_checkpoints(tmp_path: Path) -> None:
    path = tmp_path / "tasks.sqlite"
    store = TaskStore.from_url(f"sqlite:///{path}")
    assert _autocheckpoint(store) == 1000  # SQLite's default
    assert checkpointer_of(path) is None


def test_a_forked_child_checkpoints_its_engines_again(tmp_path: Path) -> None:
    """Threads do not survive a fork: the child starts its own checkpointer for the engines it
    inherited, or their WAL would grow with automatic checkpoints off."""
    path = tmp_path / "tasks.sqlite"
    store = TaskStore.from_url(f"sqlite:///{path}", pool_sqlite=True)
    parent = checkpointer_of(path)
    context = multiprocessing.get_context("fork")
    answer = context.Queue()

    def child() -> None:
        mine = checkpointer_of(path)
        answer.put((mine is not parent, mine is not None and mine.alive()))

    process = context.Process(target=child)
    process.start()
    process.join(30)
    assert answer.get(timeout=5) == (True, True)
    assert parent is not None and parent.alive()  # the parent's own goes on
    store.engine.dispose()
