"""Rows into Postgres by COPY on the transaction's own connection (psycopg2).

For the bulk writes (an expansion's tasks, their audit rows and band keys): an executemany
spends more in SQLAlchemy's per-parameter handling than the server spends on the rows. Errors
come back as SQLAlchemy's (an IntegrityError for a unique key), as an INSERT's would.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, Table
from sqlalchemy.exc import DBAPIError, StatementError

# Rows from which COPY pays: below, an INSERT's one round trip costs less than COPY's setup
# (and, for tasks, reserving the ids and reading the rows back).
COPY_FROM = 32

_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _field(value: Any) -> str:
    """One value in COPY's text format."""
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value)  # shortest exact form; inf and nan read back as such
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, str):
        return value.translate(_ESCAPES)
    raise TypeError(f"no COPY text form for {type(value).__name__}")


def copy_lines(
    conn: Connection, table: Table, columns: Sequence[str], lines: Iterable[str]
) -> None:
    """COPY ready-made text lines (tab-separated fields, each ending in a newline)."""
    preparer = conn.dialect.identifier_preparer
    names = ", ".join(preparer.quote(name) for name in columns)
    statement = f"COPY {preparer.format_table(table)} ({names}) FROM STDIN"
    dbapi = conn.dialect.dbapi
    assert dbapi is not None  # a connected dialect has its driver
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.copy_expert(statement, io.StringIO("".join(lines)))
    except dbapi.Error as exc:
        raise DBAPIError.instance(statement, None, exc, dbapi.Error) from exc
    finally:
        cursor.close()


def copy_rows(conn: Connection, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """COPY `rows` (column values by name, every row the same names, as an insert takes them),
    each value bound as its column's type binds it (aware times to UTC, naive ones refused)."""
    if not rows:
        return
    columns = list(rows[0])
    processors = [
        table.c[name].type.dialect_impl(conn.dialect).bind_processor(conn.dialect)
        for name in columns
    ]
    try:
        lines = [
            "\t".join(
                _field(process(row[name]) if process else row[name])
                for name, process in zip(columns, processors, strict=True)
            )
            + "\n"
            for row in rows
        ]
    except (TypeError, ValueError) as exc:  # as SQLAlchemy reports a value it cannot bind
        raise StatementError(str(exc), f"COPY {table.name}", None, exc) from exc
    copy_lines(conn, table, columns, lines)
