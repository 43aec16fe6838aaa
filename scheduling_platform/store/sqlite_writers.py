"""One queue for the SQLite store's writers, across threads and processes.

SQLite lets one writer in at a time; a writer that finds the lock taken waits in SQLite's busy
handler, which sleeps 1, 2, 5 ... up to 100 ms between tries. Under many writers (the API's
request threads, a publisher's 32) the lock stood free most of the time while they slept: 50
API clients got 19 creates a second and a p95 of 10 s, and at 10,000 posts a minute the
publisher's p50 lateness was seconds. Here the threads of a process queue on a lock, and one
thread of each process on a kernel file lock (`<store>-writers.lock`), both held from BEGIN
IMMEDIATE until the driver's COMMIT or ROLLBACK (or close) returns, so the next writer starts
the moment the last one is done. Every process of the platform opens the store through
`make_engine`, so they all queue here; SQLite's own lock stays underneath.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

# As long as the busy timeout: a writer waits no longer for its turn here than it would there.
WAIT_SECONDS = 60.0
# Between looks at another process's file lock; only one thread of a process looks (the
# others wait on the thread lock), so this is not the busy handler's crowd of sleepers.
POLL_SECONDS = 0.0005

_QUEUES: dict[str, WriterQueue] = {}
_QUEUES_LOCK = threading.Lock()


class WriterQueue:
    """The write turn for one SQLite file. A thread that opens a second write transaction
    inside its first passes its own turn (and meets SQLite's lock, as before the queue)."""

    def __init__(self, database: Path | None) -> None:
        self._path = database.with_name(database.name + "-writers.lock") if database else None
        self._reset()
        os.register_at_fork(after_in_child=self._reset)

    @classmethod
    def of(cls, database: Path | None) -> WriterQueue:
        """The process's one queue for `database`: engines on the same file share it."""
        if database is None:
            return cls(None)
        key = str(database.resolve())
        with _QUEUES_LOCK:
            if key not in _QUEUES:
                _QUEUES[key] = cls(database)
            return _QUEUES[key]

    def _reset(self) -> None:
        # A forked child holds neither lock: it starts with its own file description.
        self._threads = threading.Lock()
        self._owner: int | None = None
        self._depth = 0
        self._fd: int | None = None
        self._holders: dict[int, int] = {}  # id(driver connection) -> turns it holds

    def serve(self, engine: Engine) -> None:
        """Give the turn back when this engine's driver commits, rolls back or closes."""
        dialect = engine.dialect
        for name in ("do_commit", "do_rollback", "do_close"):
            # The dialect instance is this engine's own: the wrap reaches no other engine.
            setattr(dialect, name, self._releasing(getattr(dialect, name)))

    def acquire(self, connection: Any) -> None:
        """Wait for the write turn; `sqlite3.OperationalError` if it does not come within
        WAIT_SECONDS, as SQLite's own busy timeout would raise (callers retry on it)."""
        me = threading.get_ident()
        if self._owner != me:
            deadline = time.monotonic() + WAIT_SECONDS
            if not self._threads.acquire(timeout=WAIT_SECONDS):
                raise sqlite3.OperationalError("database is locked (no write turn in time)")
            try:
                self._lock_file(deadline)
            except BaseException:
                self._threads.release()
                raise
            self._owner = me
        self._depth += 1
        key = _driver_id(connection)
        self._holders[key] = self._holders.get(key, 0) + 1

    def release(self, connection: Any) -> None:
        """Give back the turns `connection` holds, if any (safe to call more than once)."""
        for _ in range(self._holders.pop(_driver_id(connection), 0)):
            self._depth -= 1
            if self._depth == 0:
                self._owner = None
                if self._fd is not None:
                    fcntl.flock(self._fd, fcntl.LOCK_UN)
                self._threads.release()

    def _lock_file(self, deadline: float) -> None:
        if self._path is None:
            return
        if self._fd is None:
            self._fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o600)
        while True:
            try:
                fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise sqlite3.OperationalError(
                        "database is locked (no write turn in time)"
                    ) from None
                time.sleep(POLL_SECONDS)

    def _releasing(self, method: Any) -> Any:
        def wrapped(connection: Any, *args: Any, **kwargs: Any) -> Any:
            try:
                return method(connection, *args, **kwargs)
            finally:
                self.release(connection)

        return wrapped


def _driver_id(connection: Any) -> int:
    """The driver connection's identity, whether given it or the pool's proxy around it."""
    return id(getattr(connection, "dbapi_connection", connection))
