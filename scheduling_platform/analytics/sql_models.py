"""dbt-like SQL models: one SELECT a file, its inputs read from the SQL itself.

A model's header comments describe it; lines of the form `-- @keys a b`, `-- @range col low
[high]` and `-- @rows SELECT COUNT(*) ...` state what its checks hold it to (see checks.py)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import sqlglot
from sqlglot import exp

DEFAULT_MODELS_DIR = Path(__file__).resolve().parents[2] / "dbt_like_sql"


@dataclass(frozen=True)
class ValueRange:
    column: str
    low: float | None
    high: float | None = None


@dataclass(frozen=True)
class SqlModel:
    name: str
    sql: str  # as written: DuckDB's dialect
    depends_on: tuple[str, ...]
    description: str
    keys: tuple[str, ...] = ()
    ranges: tuple[ValueRange, ...] = field(default=())
    rows_sql: str | None = None  # a COUNT(*) the model's row count must equal

    @property
    def code_version(self) -> str:
        """The hash of the SQL: a changed file marks its materialisations stale."""
        return hashlib.sha256(self.sql.encode("utf-8")).hexdigest()[:16]

    def sql_for(self, postgres: bool) -> str:
        """The SELECT in the warehouse's dialect: written once, transpiled for Postgres."""
        return to_dialect(self.sql, postgres)


def to_dialect(sql: str, postgres: bool) -> str:
    if not postgres:
        return sql
    return str(sqlglot.transpile(sql, read="duckdb", write="postgres")[0])


def referenced_tables(sql: str) -> tuple[str, ...]:
    """Tables a SELECT reads, without its own CTE names."""
    tree = sqlglot.parse_one(sql, read="duckdb")
    ctes = {cte.alias_or_name for cte in tree.find_all(exp.CTE)}
    names = {t.name for t in tree.find_all(exp.Table) if t.name not in ctes}
    return tuple(sorted(names))


def _range(words: list[str]) -> ValueRange:
    column, low, *high = words
    return ValueRange(column, float(low), float(high[0]) if high else None)


def parse_model(name: str, text: str) -> SqlModel:
    sql = text.strip().rstrip(";")
    comments = [ln[2:].strip() for ln in sql.splitlines() if ln.startswith("--")]
    stated = [c[1:].split() for c in comments if c.startswith("@")]
    rows = [" ".join(words[1:]) for words in stated if words[0] == "rows"]
    return SqlModel(
        name,
        sql,
        referenced_tables(sql),
        " ".join(c for c in comments if not c.startswith("@")),
        keys=tuple(k for words in stated if words[0] == "keys" for k in words[1:]),
        ranges=tuple(_range(words[1:]) for words in stated if words[0] == "range"),
        rows_sql=rows[0] if rows else None,
    )


def load_models(folder: Path = DEFAULT_MODELS_DIR) -> list[SqlModel]:
    return [
        parse_model(path.stem, path.read_text(encoding="utf-8"))
        for path in sorted(folder.glob("*.sql"))
    ]
