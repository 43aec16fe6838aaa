"""Rows into Postgres by COPY on the transaction's own connection (psycopg2).

For the bulk writes (an expansion's tasks, their audit rows and band keys): an executemany
spends more in SQLAlchemy's per-parameter handling than the server spends on the rows. Errors
come back as SQLAlchemy's (an IntegrityError for a unique key), as an INSERT's would.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Mapping, Sequence
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
    if isinstance(value, str):
        # Tab, newline and carriage return are not printable; the backslash is.
        return value if value.isprintable() and "\\" not in value else value.translate(_ESCAPES)
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value)  # shortest exact form; inf and nan read back as such
    if isinstance(value, datetime | date):
        return value.isoformat()
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


def _formatter(table: Table, name: str, conn: Connection) -> Callable[[Any], str]:
    """How one column's values are written: bound as its type binds them, then as text."""
    process = table.c[name].type.dialect_impl(conn.dialect).bind_processor(conn.dialect)
    if process is None:
        return _field
    return lambda value: _field(process(value))


def copy_rows(conn: Connection, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """COPY `rows` (column values by name, every row the same names, as an insert takes them),
    each value bound as its column's type binds it (aware times to UTC, naive ones refused)."""
    if not rows:
        return
    columns = list(rows[0])
    formats = [(name, _formatter(table, name, conn)) for name in columns]
    try:
        lines = ["\t".join([write(row[name]) for name, write in formats]) + "\n" for row in rows]
    except (TypeError, ValueError) as exc:  # as SQLAlchemy reports a value it cannot bind
        raise StatementError(str(exc), f"COPY {table.name}", None, exc) from exc
    copy_lines(conn, table, columns, lines)
