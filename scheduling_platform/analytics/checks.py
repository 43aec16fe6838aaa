"""What each SQL model's checks hold it to: keys unique and never NULL, values within their
ranges, and as many rows as its source says there must be (the `-- @` lines of its SQL)."""

from __future__ import annotations

from dataclasses import dataclass

from scheduling_platform.analytics.sql_models import SqlModel, to_dialect
from scheduling_platform.store.warehouse import Warehouse


@dataclass(frozen=True)
class CheckOutcome:
    passed: bool
    description: str
    counts: dict[str, int]  # what was counted, for the check's metadata


def _count(warehouse: Warehouse, sql: str) -> int:
    return int(warehouse.scalar(to_dialect(sql, not warehouse.is_duckdb)) or 0)


def check_keys(warehouse: Warehouse, model: SqlModel) -> CheckOutcome:
    keys = ", ".join(f'"{k}"' for k in model.keys)
    nulls = " OR ".join(f'"{k}" IS NULL' for k in model.keys)
    null_rows = _count(warehouse, f'SELECT COUNT(*) FROM "{model.name}" WHERE {nulls}')
    repeated = _count(
        warehouse,
        f'SELECT COUNT(*) FROM (SELECT {keys} FROM "{model.name}" GROUP BY {keys}'
        " HAVING COUNT(*) > 1) AS repeated",
    )
    return CheckOutcome(
        null_rows == 0 and repeated == 0,
        f"({', '.join(model.keys)}): {repeated} repeated, {null_rows} rows with a NULL key",
        {"repeated_keys": repeated, "null_key_rows": null_rows},
    )


def check_ranges(warehouse: Warehouse, model: SqlModel) -> CheckOutcome:
    counts = {}
    for bound in model.ranges:
        outside = [f'"{bound.column}" < {bound.low}'] if bound.low is not None else []
        outside += [f'"{bound.column}" > {bound.high}'] if bound.high is not None else []
        where = " OR ".join(outside)
        counts[bound.column] = _count(
            warehouse, f'SELECT COUNT(*) FROM "{model.name}" WHERE {where}'
        )
    bad = {column: n for column, n in counts.items() if n}
    ranges = ", ".join(
        f"{b.column} in [{b.low}, {'∞' if b.high is None else b.high}]" for b in model.ranges
    )
    said = f"rows outside: {bad}" if bad else "every value in range"
    return CheckOutcome(not bad, f"{ranges}: {said}", counts)


def check_row_count(warehouse: Warehouse, model: SqlModel) -> CheckOutcome:
    assert model.rows_sql is not None
    rows = _count(warehouse, f'SELECT COUNT(*) FROM "{model.name}"')
    expected = _count(warehouse, model.rows_sql)
    return CheckOutcome(
        rows == expected,
        f"{rows} rows, the source says {expected}",
        {"rows": rows, "expected_rows": expected},
    )
