"""WAL checkpoints of a served SQLite store, on a thread of their own instead of in a commit.

SQLite checkpoints the WAL in the commit that takes it past 1,000 pages, and the request whose
commit it is waits for it: at a million tasks, a timing hook in the API's workers (not a
benchmark) saw those commits take 14 to 25 ms against 1 to 2, about one batch of 50 in eight.
Long-lived processes with a pooled store (the API, and Dagster's code server, daemon and runs
through `TaskStoreResource`) turn automatic checkpoints off on their connections, and a daemon
thread of the process checkpoints every CHECKPOINT_SECONDS instead: PASSIVE, so it waits for no
reader or writer and none waits for it. Processes that open the store per use (the CLI) keep
SQLite's automatic checkpoints.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
import weakref
from contextlib import closing
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event

CHECKPOINT_SECONDS = 1.0

_RUNNING: dict[str, WalCheckpointer] = {}
_RUNNING_LOCK = threading.Lock()


class WalCheckpointer:
    """The checkpoint thread of one SQLite file in this process, while an engine on it lives."""

    def __init__(self, database: Path, interval: float) -> None:
        self.database = database
        self.interval = interval
        self.engines: weakref.WeakSet[Engine] = weakref.WeakSet()
        # (busy, frames in the WAL, frames checkpointed) of the last checkpoint, as SQLite
        # reports them; how many checkpoints ran.
        self.last: tuple[int, int, int] | None = None
        self.runs = 0
        self._thread = threading.Thread(
            target=self._run, name=f"wal-checkpoints {database.name}", daemon=True
        )

    def start(self) -> None:
        self._thread.start()

    def alive(self) -> bool:
        return self._thread.is_alive()

    def _run(self) -> None:
        while True:
            time.sleep(self.interval)
            if not len(self.engines):
                return  # every engine on the file is gone
            try:
                # mode=rw: a store deleted meanwhile (a test's) is not created again.
                uri = f"{self.database.resolve().as_uri()}?mode=rw"
                with closing(sqlite3.connect(uri, uri=True, timeout=1)) as conn:
                    row = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
            except sqlite3.OperationalError:
                if not self.database.exists():
                    return
                continue  # busy or locked: the next interval tries again
            self.last = (int(row[0]), int(row[1]), int(row[2]))
            self.runs += 1


def checkpoint_in_background(
    engine: Engine, database: Path, interval: float = CHECKPOINT_SECONDS
) -> WalCheckpointer:
    """Turn automatic checkpoints off on `engine`'s connections and checkpoint `database`
    from the process's thread for it (started on first use; it stops when no engine on the
    file is left)."""

    @event.listens_for(engine, "connect")
    def _no_automatic_checkpoints(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.execute("PRAGMA wal_autocheckpoint=0")

    key = str(database.resolve())
    with _RUNNING_LOCK:
        checkpointer = _RUNNING.get(key)
        if checkpointer is None or not checkpointer.alive():
            checkpointer = _RUNNING[key] = WalCheckpointer(database, interval)
            checkpointer.engines.add(engine)
            checkpointer.start()
        else:
            checkpointer.engines.add(engine)
    return checkpointer


def _restart_in_child() -> None:
    """A forked child has no threads but the one that forked: its engines' checkpoints would
    stop with the parent's thread, so each checkpointer starts again in the child."""
    global _RUNNING_LOCK
    _RUNNING_LOCK = threading.Lock()  # the parent may have held it while forking
    for key, old in list(_RUNNING.items()):
        fresh = WalCheckpointer(old.database, old.interval)
        for engine in list(old.engines):
            fresh.engines.add(engine)
        _RUNNING[key] = fresh
        if len(fresh.engines):
            fresh.start()


os.register_at_fork(after_in_child=_restart_in_child)


def checkpointer_of(database: Path) -> WalCheckpointer | None:
    """The running checkpointer of `database` in this process, if any."""
    with _RUNNING_LOCK:
        return _RUNNING.get(str(database.resolve()))
