"""The statements a store sends to its database, and SQLite's query plans of them: SQLite's
planner goes by rules, not table sizes, so a small test store shows a large store's plan."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event


@contextmanager
def statements_of(store) -> Iterator[list[tuple[str, object]]]:
    """The statements (with their parameters) the store sends to the database meanwhile."""
    seen: list[tuple[str, object]] = []

    def capture(conn, cursor, statement, parameters, context, executemany) -> None:
        seen.append((statement, parameters))

    event.listen(store.engine, "before_cursor_execute", capture)
    try:
        yield seen
    finally:
        event.remove(store.engine, "before_cursor_execute", capture)


def plan_of(store, seen: list[tuple[str, object]], marker: str) -> str:
    """SQLite's query plan of the first statement containing `marker`, as one line."""
    statement, parameters = next((s, p) for s, p in seen if marker in s)
    with store.engine.connect() as conn:
        plan = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters).all()
    return " ".join(str(step[-1]) for step in plan)
