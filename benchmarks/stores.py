"""Task stores for benchmarks: a temporary SQLite file or a throwaway PostgreSQL schema."""

from __future__ import annotations

import io
import os
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import sqlalchemy as sa

from scheduling_platform.store.records import DEFAULT_WORKSPACE_ID
from scheduling_platform.store.task_store import TaskStore

POSTGRES_URL = os.environ.get(
    "SCHEDULING_BENCH_POSTGRES_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres"
)


@contextmanager
def temporary_store(backend: str, *, pool_sqlite: bool = False) -> Iterator[TaskStore]:
    """`pool_sqlite`: keep SQLite connections open, as the API's store does (the CLI's opens
    one per use, and closing one costs a WAL checkpoint, about 2 ms)."""
    if backend == "sqlite":
        with tempfile.TemporaryDirectory() as folder:
            store = TaskStore.from_url(f"sqlite:///{folder}/tasks.sqlite", pool_sqlite=pool_sqlite)
            yield store
            store.engine.dispose()
        return
    with temporary_schema() as url:
        store = TaskStore.from_url(url)
        try:
            yield store
        finally:
            store.engine.dispose()


@contextmanager
def temporary_schema() -> Iterator[str]:
    """The URL of a throwaway PostgreSQL schema, dropped afterwards."""
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    url = sa.engine.make_url(POSTGRES_URL).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def _sqlite_utc(value: datetime) -> str:
    # The store keeps UTC wall time on SQLite (see UTCDateTime).
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def bulk_load_tasks(
    store: TaskStore,
    rows: list[tuple[int, str, str, datetime]],
    platform: str = "weibo",
    workspace_id: int = DEFAULT_WORKSPACE_ID,
) -> None:
    """Insert (account_id, content, status, scheduled_at) rows fast, through the driver; the
    accounts must belong to `workspace_id`."""
    columns = (
        "workspace_id",
        "account_id",
        "platform",
        "content",
        "scheduled_at",
        "priority",
        "status",
        "lease_version",
        "attempt_count",
        "created_at",
        "updated_at",
    )
    now = datetime.now().astimezone()
    raw = store.engine.raw_connection()
    try:
        cursor = raw.cursor()
        if store.dialect == "postgresql":
            buffer = io.StringIO()
            for account_id, content, status, at in rows:
                buffer.write(
                    f"{workspace_id}\t{account_id}\t{platform}\t{content}\t{at.isoformat()}\t5\t{status}"
                    f"\t0\t0\t{now.isoformat()}\t{now.isoformat()}\n"
                )
            buffer.seek(0)
            cursor.copy_expert(f"COPY tasks ({', '.join(columns)}) FROM STDIN", buffer)
            raw.commit()
        else:
            stamp = _sqlite_utc(now)
            cursor.execute("BEGIN IMMEDIATE")
            cursor.executemany(
                f"INSERT INTO tasks ({', '.join(columns)}) VALUES (?,?,?,?,?,5,?,0,0,?,?)",
                (
                    (workspace_id, a, platform, c, _sqlite_utc(at), s, stamp, stamp)
                    for a, c, s, at in rows
                ),
            )
            cursor.execute("COMMIT")
    finally:
        raw.close()
    if store.dialect == "postgresql":
        with store.engine.begin() as conn:
            conn.execute(sa.text("ANALYZE tasks"))


def settle(store: TaskStore) -> None:
    """Postgres: vacuum the loaded tasks, as autovacuum (on by default; off on this machine's
    server) would soon after a bulk load, so the measurement reads the table a running store
    has rather than a million rows nobody has visited yet. SQLite has nothing of the kind."""
    if store.dialect != "postgresql":
        return
    with store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM (ANALYZE) tasks")
