"""Engines for the task store: SQLite in WAL mode by default, PostgreSQL in production."""

from __future__ import annotations

import threading
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.pool import NullPool
from tenacity import retry, retry_if_exception, stop_after_delay, wait_exponential

from scheduling_platform.private_files import private_file
from scheduling_platform.store.sqlite_writers import WriterQueue
from scheduling_platform.store.wal_checkpoints import checkpoint_in_background

P = ParamSpec("P")
READ_ONLY = "scheduling_read_only"  # an execution option: this connection never writes
R = TypeVar("R")


def normalized_url(url: str) -> URL:
    """Plain postgresql:// means psycopg2 here (SQLAlchemy 2.1 would pick psycopg 3)."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg2")
    return parsed


def make_engine(url: str, *, pool_size: int = 8, pool_sqlite: bool = False) -> Engine:
    """An engine tuned for many short transactions from several processes at once.

    SQLite connections are opened per use unless `pool_sqlite`: a long-lived server (the API)
    keeps `pool_size` of them, since opening one and closing the last one (which checkpoints
    the WAL) cost about 2 ms a query on this machine; its WAL is checkpointed on a thread of
    its own (`wal_checkpoints`).
    """
    parsed = normalized_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = None
        if parsed.database and parsed.database != ":memory:":
            database = private_file(Path(parsed.database))  # the home 0700, the store 0600
        if pool_sqlite:
            # The pool hands a connection to one thread at a time; pysqlite need not check.
            engine = create_engine(
                parsed,
                pool_size=pool_size,
                max_overflow=pool_size,
                connect_args={"timeout": 60, "check_same_thread": False},
            )
        else:
            engine = create_engine(parsed, poolclass=NullPool, connect_args={"timeout": 60})
        _use_wal_and_immediate_transactions(engine, database)
        if pool_sqlite and database is not None:
            checkpoint_in_background(engine, database)  # not in a request's commit
        return engine
    return create_engine(
        parsed,
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_pre_ping=True,
        future=True,
        # An UPDATE for many rows (a publisher's attempts closed together) in pages of 100,
        # not a round trip a row; INSERTs are batched either way.
        executemany_mode="values_plus_batch",
    )


def _use_wal_and_immediate_transactions(engine: Engine, database: Path | None) -> None:
    # pysqlite's own BEGIN is deferred: a reader that later writes can fail with
    # SQLITE_BUSY_SNAPSHOT at once. Taking the write lock at BEGIN makes every writer
    # wait its turn instead: in the writer queue first, then (rarely) SQLite's busy timeout.
    writers = WriterQueue.of(database)
    writers.serve(engine)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=60000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # Read-only connections (StoreBase.reading) begin DEFERRED: under WAL they read beside
        # the writer instead of queueing for its lock.
        if connection.get_execution_options().get(READ_ONLY, False):
            connection.exec_driver_sql("BEGIN")
            return
        dbapi_connection = connection.connection.dbapi_connection
        writers.acquire(dbapi_connection)
        try:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            writers.release(dbapi_connection)
            raise


def is_connection_problem(exc: BaseException) -> bool:
    """A lost or refused database connection, or a busy SQLite file: worth trying again."""
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    return isinstance(exc, OperationalError | InterfaceError)


def retry_on_connection_problems(
    seconds: float = 120.0,
) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Retry a store write while the database is unreachable (a restart, a failover).

    A write whose COMMIT went through but whose answer was lost fails its retry as an
    `InvalidTransitionError` (the row moved on); callers treat that as "someone did it".
    """
    return retry(
        retry=retry_if_exception(is_connection_problem),
        stop=stop_after_delay(seconds),
        wait=wait_exponential(multiplier=0.2, max=5.0),
        reraise=True,
    )


# Alembic's `context` is a module-level proxy: two threads migrating at once (the API's
# immediate publish run beside a request opening its own store) would undo each other's.
_MIGRATING = threading.Lock()


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest Alembic revision (idempotent; one thread at a time)."""
    with _MIGRATING:
        _migrate(engine)


def _migrate(engine: Engine) -> None:
    config = Config()
    config.set_main_option(
        "script_location", str(resources.files("scheduling_platform") / "migrations")
    )
    sqlite = engine.dialect.name == "sqlite"
    with engine.connect() as connection:
        if sqlite:
            # SQLite's own procedure for changing a table (as batch migrations do: copy, drop,
            # rename): foreign keys off meanwhile, or dropping the old table would cascade to
            # its children; checked again before the changes commit. The pragma works outside
            # a transaction only, so it goes to the driver's connection before BEGIN.
            dbapi = connection.connection.dbapi_connection
            assert dbapi is not None
            dbapi.execute("PRAGMA foreign_keys=OFF")
        with connection.begin():
            if engine.dialect.name == "postgresql":
                # Several processes may start at once; let one of them migrate.
                connection.exec_driver_sql("SELECT pg_advisory_xact_lock(8094001)")
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
            if sqlite:
                broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
                if broken:
                    raise RuntimeError(f"the migration broke foreign keys: {broken[:5]}")
