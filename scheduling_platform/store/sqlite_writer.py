"""One SQLite writer at a time within a process, queued on a lock instead of SQLite's busy wait.

SQLite lets one transaction write at a time. A connection that finds the file locked retries
on SQLite's busy handler, which sleeps 1, 2, 5 ... up to 100 ms between tries: with a publisher's
32 threads each opening two short write transactions a post, most of the time went to those
sleeps while the lock stood free (at 10,000 posts a minute, p50 lateness seconds). Threads of one
process therefore queue on a Python lock, taken before `BEGIN IMMEDIATE` and given back the
moment the driver's COMMIT or ROLLBACK (or close) returns; other processes still meet the busy
handler, as before.
"""

from __future__ import annotations

import sqlite3
import threading
from typing import Any

from sqlalchemy import Engine

# As long as the busy timeout: a writer waits no longer for its turn here than it would there.
WAIT_SECONDS = 60.0


class SqliteWriterLock:
    """The process's write turn for one engine: at most one driver connection holds it.

    Methods take the driver's connection or the pool's proxy of it (the dialect is given either)."""

    def __init__(self, engine: Engine) -> None:
        self._lock = threading.Lock()
        self._holder: int | None = None  # id() of the driver connection in its write turn
        dialect = engine.dialect
        for name in ("do_commit", "do_rollback", "do_close"):
            # The dialect's own methods, wrapped for this engine only (its dialect instance).
            setattr(dialect, name, self._releasing(getattr(dialect, name)))

    def acquire(self, connection: Any) -> None:
        """Wait for the write turn; `sqlite3.OperationalError` if it does not come in time,
        as SQLite's own busy timeout would raise (callers retry on it)."""
        if self._holder == _driver_id(connection):
            return  # a new transaction on a connection that never gave its turn back
        if not self._lock.acquire(timeout=WAIT_SECONDS):
            raise sqlite3.OperationalError("database is locked (no write turn in this process)")
        self._holder = _driver_id(connection)

    def release(self, connection: Any) -> None:
        if self._holder is not None and self._holder == _driver_id(connection):
            self._holder = None
            self._lock.release()

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
