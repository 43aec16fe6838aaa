"""The SQLite store's writer queue: held from BEGIN IMMEDIATE to COMMIT or ROLLBACK, by write
transactions only, whatever ends them; another process sees it as a held file lock."""

from __future__ import annotations

import fcntl
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import Engine, event, text
from sqlalchemy.exc import OperationalError

from scheduling_platform.store.base import READ_ONLY
from scheduling_platform.store.engine import make_engine


def queue_is_free(database: Path) -> bool:
    """Whether another open of the lock file could take it now (as another process would)."""
    fd = os.open(f"{database}-writers.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    finally:
        os.close(fd)  # closing the description drops a lock it took
    return True


@contextmanager
def engine_on(tmp_path: Path, pooled: bool) -> Iterator[tuple[Engine, Path]]:
    database = tmp_path / "tasks.sqlite"
    engine = make_engine(f"sqlite:///{database}", pool_sqlite=pooled)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (n INTEGER)"))
    try:
        yield engine, database
    finally:
        engine.dispose()


@pytest.mark.parametrize("pooled", [False, True])
def test_a_write_transaction_holds_the_queue_until_it_commits(tmp_path, pooled):
    with engine_on(tmp_path, pooled) as (engine, database):
        assert queue_is_free(database)
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO t VALUES (1)"))
            assert not queue_is_free(database)
        assert queue_is_free(database)


@pytest.mark.parametrize("pooled", [False, True])
def test_a_failed_write_transaction_frees_the_queue(tmp_path, pooled):
    with engine_on(tmp_path, pooled) as (engine, database):
        with pytest.raises(ZeroDivisionError), engine.begin() as conn:
            conn.execute(text("INSERT INTO t VALUES (1)"))
            _ = 1 / 0
        assert queue_is_free(database)
        with engine.connect() as conn:  # an explicit rollback frees it too
            conn.execute(text("INSERT INTO t VALUES (2)"))
            conn.rollback()
        assert queue_is_free(database)
        with engine.connect() as conn:  # and a close without either
            conn.execute(text("INSERT INTO t VALUES (3)"))
        assert queue_is_free(database)
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM t")).scalar() == 0


def test_readers_do_not_queue(tmp_path):
    with engine_on(tmp_path, pooled=True) as (engine, database), engine.connect() as conn:
        conn.execution_options(**{READ_ONLY: True})
        conn.execute(text("SELECT count(*) FROM t"))
        assert queue_is_free(database)


def test_a_second_thread_waits_for_the_first_writer(tmp_path):
    with engine_on(tmp_path, pooled=True) as (engine, _database):
        order: list[str] = []
        inside = threading.Event()

        def second() -> None:
            with engine.begin() as conn:
                order.append("second")
                conn.execute(text("INSERT INTO t VALUES (2)"))

        with engine.begin() as conn:
            conn.execute(text("INSERT INTO t VALUES (1)"))
            waiting = threading.Thread(target=second)
            waiting.start()
            inside.wait(0.3)  # time for the second writer to reach the queue
            order.append("first commits")
        waiting.join(10)
        assert not waiting.is_alive()
        assert order == ["first commits", "second"]


def test_a_nested_write_in_the_same_thread_meets_sqlites_lock_not_a_hang(tmp_path):
    with engine_on(tmp_path, pooled=True) as (engine, _database):
        # A second engine on the same file shares the process's queue, so the thread passes
        # its own turn and SQLite's busy timeout refuses the nested write, as before the queue
        # (cut to 0.1 s here to keep the test short).
        other = make_engine(f"sqlite:///{tmp_path / 'tasks.sqlite'}", pool_sqlite=True)
        event.listen(
            other, "connect", lambda dbapi, _record: dbapi.execute("PRAGMA busy_timeout=100")
        )
        try:
            with engine.begin() as conn, pytest.raises(OperationalError, match="locked"):
                conn.execute(text("INSERT INTO t VALUES (1)"))
                with other.begin() as nested:
                    nested.execute(text("INSERT INTO t VALUES (2)"))
        finally:
            other.dispose()
