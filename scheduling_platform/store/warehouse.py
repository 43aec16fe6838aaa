"""The analytics warehouse: DuckDB file by default, PostgreSQL in production."""

from __future__ import annotations

import fcntl
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
from sqlalchemy import Connection, create_engine, inspect, text

from scheduling_platform.private_files import private_dir
from scheduling_platform.store.engine import normalized_url

STREAM_MEMORY_LIMIT = "32MB"  # DuckDB's buffer pool while streaming a large import


@dataclass(frozen=True)
class Warehouse:
    url: str  # duckdb:///path/file.duckdb or postgresql://...

    @property
    def is_duckdb(self) -> bool:
        return self.url.startswith("duckdb:")

    @property
    def duckdb_path(self) -> Path:
        return Path(self.url.removeprefix("duckdb:///"))

    @contextmanager
    def _duckdb(self, *, write: bool) -> Iterator[duckdb.DuckDBPyConnection]:
        private_dir(self.duckdb_path.parent)
        # DuckDB lets one process write the file: writers queue on a lock file beside it.
        with open(self.duckdb_path.with_suffix(".lock"), "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX if write else fcntl.LOCK_SH)
            connection = duckdb.connect(str(self.duckdb_path), read_only=False)
            try:
                yield connection
            finally:
                connection.close()

    @contextmanager
    def _postgres(self, *, write: bool) -> Iterator[Connection]:
        """A connection of a short-lived engine: one transaction when writing."""
        engine = create_engine(normalized_url(self.url))
        try:
            with engine.begin() if write else engine.connect() as conn:
                yield conn
        finally:
            engine.dispose()

    def replace_table(self, name: str, frame: pd.DataFrame) -> int:
        """Replace table `name` with `frame`; returns the row count written."""
        if self.is_duckdb:
            with self._duckdb(write=True) as con:
                con.register("incoming", frame)
                con.execute(f'CREATE OR REPLACE TABLE "{name}" AS SELECT * FROM incoming')
            return len(frame)
        with self._postgres(write=True) as conn:
            frame.to_sql(name, conn, if_exists="replace", index=False)
        return len(frame)

    def materialize_query(self, name: str, select_sql: str) -> int:
        """Replace table `name` with the result of `select_sql`; returns its row count."""
        if self.is_duckdb:
            with self._duckdb(write=True) as con:
                con.execute(f'CREATE OR REPLACE TABLE "{name}" AS {select_sql}')
                counted = con.execute(f'SELECT count(*) FROM "{name}"').fetchone()
                return int(counted[0]) if counted else 0
        with self._postgres(write=True) as conn:
            conn.execute(text(f'DROP TABLE IF EXISTS "{name}"'))
            conn.execute(text(f'CREATE TABLE "{name}" AS {select_sql}'))
            return int(conn.execute(text(f'SELECT count(*) FROM "{name}"')).scalar_one())

    def replace_rows(self, name: str, frame: pd.DataFrame, key: str, values: Sequence[Any]) -> int:
        """Delete rows of `name` whose `key` is in `values`, then append `frame` (one
        transaction); creates the table from `frame` the first time. Returns rows written."""
        if self.is_duckdb:
            with self._duckdb(write=True) as con:
                con.register("incoming", frame)
                con.execute(
                    f'CREATE TABLE IF NOT EXISTS "{name}" AS SELECT * FROM incoming WHERE false'
                )
                con.execute("BEGIN")
                con.execute(
                    f'DELETE FROM "{name}" WHERE "{key}" IN (SELECT unnest(?))', [list(values)]
                )
                con.execute(f'INSERT INTO "{name}" BY NAME SELECT * FROM incoming')
                con.execute("COMMIT")
            return len(frame)
        with self._postgres(write=True) as conn:
            # Writers of a table queue, as on DuckDB's lock file: two at once would each
            # delete only the old rows, miss the other's new ones, and both sets would stay.
            conn.execute(
                text("SELECT pg_advisory_xact_lock(8094002, hashtext(:name))"), {"name": name}
            )
            if inspect(conn).has_table(name):
                conn.execute(
                    text(f'DELETE FROM "{name}" WHERE "{key}" = ANY(:values)'),
                    {"values": list(values)},
                )
            frame.to_sql(name, conn, if_exists="append", index=False)
        return len(frame)

    def replace_rows_streamed(self, name: str, frames: Iterable[pd.DataFrame], key: str) -> int:
        """`replace_rows` for frames that arrive one at a time (a large file's chunks): each
        frame replaces the rows sharing its `key` values, one transaction a frame, all on one
        connection. Returns rows written.

        A transaction a frame, not one for all: DuckDB keeps a transaction's new rows in memory
        (about 6 MB per 10,000 rows) until it commits. The caller checks every frame before the
        first write, and rows are keyed, so writing again after a crash changes nothing."""
        written = 0
        if self.is_duckdb:
            with self._duckdb(write=True) as con:
                # A bounded buffer pool and one thread: the import's memory stays small
                # whatever the table's size (DuckDB spills to disk past the limit).
                con.execute(f"SET memory_limit = '{STREAM_MEMORY_LIMIT}'")
                con.execute("SET threads = 1")
                con.execute("SET preserve_insertion_order = false")
                for frame in frames:
                    if frame.empty:
                        continue
                    con.register("incoming", frame)
                    con.execute(
                        f'CREATE TABLE IF NOT EXISTS "{name}" AS SELECT * FROM incoming WHERE false'
                    )
                    con.execute("BEGIN")
                    con.execute(
                        f'DELETE FROM "{name}" WHERE "{key}" IN (SELECT "{key}" FROM incoming)'
                    )
                    con.execute(f'INSERT INTO "{name}" BY NAME SELECT * FROM incoming')
                    con.execute("COMMIT")
                    con.unregister("incoming")
                    written += len(frame)
            return written
        with self._postgres(write=True) as conn:
            conn.execute(
                text("SELECT pg_advisory_xact_lock(8094002, hashtext(:name))"), {"name": name}
            )
            for frame in frames:
                if frame.empty:
                    continue
                if inspect(conn).has_table(name):
                    conn.execute(
                        text(f'DELETE FROM "{name}" WHERE "{key}" = ANY(:values)'),
                        {"values": frame[key].tolist()},
                    )
                frame.to_sql(name, conn, if_exists="append", index=False)
                written += len(frame)
        return written

    def delete_before(self, name: str, column: str, cutoff: datetime) -> int:
        """Remove the rows of `name` whose `column` is before `cutoff` (none when there is no
        such table); returns how many went."""
        if not self.has_table(name):
            return 0
        if self.is_duckdb:
            with self._duckdb(write=True) as con:
                found = con.execute(
                    f'DELETE FROM "{name}" WHERE "{column}" < ? RETURNING 1', [cutoff]
                ).fetchall()
                return len(found)
        with self._postgres(write=True) as conn:
            result = conn.execute(
                text(f'DELETE FROM "{name}" WHERE "{column}" < :cutoff'), {"cutoff": cutoff}
            )
            return int(result.rowcount)

    def has_table(self, name: str) -> bool:
        if self.is_duckdb:
            if not self.duckdb_path.exists():
                return False
            with self._duckdb(write=False) as con:
                found = con.execute(
                    "SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [name]
                ).fetchone()
            return bool(found and found[0])
        with self._postgres(write=False) as conn:
            return inspect(conn).has_table(name)

    def query(self, sql: str) -> pd.DataFrame:
        if self.is_duckdb:
            with self._duckdb(write=False) as con:
                return con.execute(sql).fetch_df()
        with self._postgres(write=False) as conn:
            return pd.read_sql(text(sql), conn)

    def scalar(self, sql: str) -> Any:
        """The one value a query gives (None when it is NULL)."""
        value: Any = self.query(sql).iloc[0, 0]
        return None if pd.isna(value) else value

    def columns(self, name: str) -> list[str] | None:
        """The columns of table `name`, in order; None when there is no such table."""
        if self.is_duckdb:
            if not self.duckdb_path.exists():
                return None
            with self._duckdb(write=False) as con:
                found = con.execute(
                    "SELECT column_name FROM information_schema.columns WHERE table_name = ? "
                    "ORDER BY ordinal_position",
                    [name],
                ).fetchall()
            return [r[0] for r in found] or None
        with self._postgres(write=False) as conn:
            if not inspect(conn).has_table(name):
                return None
            return [c["name"] for c in inspect(conn).get_columns(name)]

    def _where(
        self, equal: dict[str, Any], since: tuple[str, datetime] | None = None
    ) -> tuple[str, dict[str, Any]]:
        clauses = [f'"{column}" = :p{i}' for i, column in enumerate(equal)]
        params = {f"p{i}": value for i, value in enumerate(equal.values())}
        if since is not None:
            clauses.append(f'"{since[0]}" >= :since')
            params["since"] = since[1]
        return (" WHERE " + " AND ".join(clauses)) if clauses else "", params

    def select_rows(
        self, name: str, equal: dict[str, Any], *, limit: int | None = None
    ) -> pd.DataFrame:
        """Rows of `name` whose columns equal the given values (bound parameters; `name`
        and the column names must come from the caller's own list, never from a request)."""
        where, params = self._where(equal)
        sql = f'SELECT * FROM "{name}"{where}' + (f" LIMIT {int(limit)}" if limit else "")
        if self.is_duckdb:
            with self._duckdb(write=False) as con:
                duck_sql = sql
                for key in params:
                    duck_sql = duck_sql.replace(f":{key}", f"${key}")
                return con.execute(duck_sql, params).fetch_df()
        with self._postgres(write=False) as conn:
            return pd.read_sql(text(sql), conn, params=params)

    def iter_rows(
        self,
        name: str,
        equal: dict[str, Any],
        *,
        since: tuple[str, datetime] | None = None,
        batch: int = 5000,
    ) -> Iterator[tuple[list[str], list[tuple[Any, ...]]]]:
        """(columns, rows) of `name` in batches, for streaming exports of any size; `since`:
        only rows whose column is at or after the time."""
        where, params = self._where(equal, since)
        sql = f'SELECT * FROM "{name}"{where}'
        if self.is_duckdb:
            with self._duckdb(write=False) as con:
                duck_sql = sql
                for key in params:
                    duck_sql = duck_sql.replace(f":{key}", f"${key}")
                cursor = con.execute(duck_sql, params)
                columns = [d[0] for d in cursor.description or []]
                while rows := cursor.fetchmany(batch):
                    yield columns, rows
            return
        with self._postgres(write=False) as conn:
            result = conn.execution_options(stream_results=True).execute(text(sql), params)
            columns = list(result.keys())
            while chunk := result.fetchmany(batch):
                yield columns, [tuple(r) for r in chunk]

    def ping(self) -> None:
        """One round trip to the warehouse; raises when it cannot be reached."""
        if self.is_duckdb:
            with self._duckdb(write=False) as con:
                con.execute("SELECT 1").fetchone()
            return
        with self._postgres(write=False) as conn:
            conn.execute(text("SELECT 1"))
