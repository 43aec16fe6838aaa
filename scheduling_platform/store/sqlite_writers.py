"""One queue for the SQLite store's writers, across threads and processes.

SQLite lets one writer in at a time; a writer that finds the lock taken waits in SQLite's busy
handler, which sleeps in steps of up to 100 ms and wakes only to poll. Under many writers (the
API's request threads, the publisher's) the lock was free most of the time while they slept:
50 clients creating tasks got 19 creates a second and a p95 of 10 s. Here a writer waits on
a kernel file lock instead (held from BEGIN IMMEDIATE to COMMIT or ROLLBACK), which wakes the
next one the moment it is released. Every process of the platform opens the store through
`make_engine`, so they all queue here; SQLite's own lock and busy timeout stay underneath.
"""

from __future__ import annotations

import fcntl
import os
import threading
from pathlib import Path
from typing import Any

_QUEUES: dict[str, WriterQueue] = {}
_QUEUES_LOCK = threading.Lock()


class WriterQueue:
    """An exclusive lock for one SQLite file's write transactions: a thread lock (threads of a
    process share one file description, and `flock` does not tell them apart) over a `flock`
    on `<database>-writers.lock` (between processes). A thread that opens a second write
    transaction inside its first passes (it then meets SQLite's own lock, as before)."""

    def __init__(self, database: Path | None) -> None:
        self._path = database.with_name(database.name + "-writers.lock") if database else None
        self._reset()
        os.register_at_fork(after_in_child=self._reset)

    @classmethod
    def of(cls, database: Path | None) -> WriterQueue:
        """The process's one queue for `database`: engines on the same file share it, so a
        thread writing through two of them at once passes its own turn (and meets SQLite's
        lock, as before) instead of waiting for itself."""
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
        self._holders: dict[int, int] = {}  # id(DBAPI connection) -> times it took the lock

    def acquire(self, holder: Any) -> None:
        me = threading.get_ident()
        if self._owner != me:
            self._threads.acquire()
            try:
                if self._path is not None:
                    if self._fd is None:
                        self._fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o600)
                    fcntl.flock(self._fd, fcntl.LOCK_EX)
            except BaseException:
                self._threads.release()
                raise
            self._owner = me
        self._depth += 1
        self._holders[id(holder)] = self._holders.get(id(holder), 0) + 1

    def release(self, holder: Any) -> None:
        """Release what `holder` took, if it took it (safe to call more than once)."""
        for _ in range(self._holders.pop(id(holder), 0)):
            self._depth -= 1
            if self._depth == 0:
                self._owner = None
                if self._fd is not None:
                    fcntl.flock(self._fd, fcntl.LOCK_UN)
                self._threads.release()
