"""dbt-like SQL models: one SELECT a file, its inputs read from the SQL itself."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import sqlglot
from sqlglot import exp

DEFAULT_MODELS_DIR = Path(__file__).resolve().parents[2] / "dbt_like_sql"


@dataclass(frozen=True)
class SqlModel:
    name: str
    sql: str  # as written: DuckDB's dialect
    depends_on: tuple[str, ...]
    description: str

    def sql_for(self, postgres: bool) -> str:
        """The SELECT in the warehouse's dialect: written once, transpiled for Postgres."""
        if not postgres:
            return self.sql
        return str(sqlglot.transpile(self.sql, read="duckdb", write="postgres")[0])


def referenced_tables(sql: str) -> tuple[str, ...]:
    """Tables a SELECT reads, without its own CTE names."""
    tree = sqlglot.parse_one(sql, read="duckdb")
    ctes = {cte.alias_or_name for cte in tree.find_all(exp.CTE)}
    names = {t.name for t in tree.find_all(exp.Table) if t.name not in ctes}
    return tuple(sorted(names))


def load_models(folder: Path = DEFAULT_MODELS_DIR) -> list[SqlModel]:
    models = []
    for path in sorted(folder.glob("*.sql")):
        sql = path.read_text(encoding="utf-8").strip().rstrip(";")
        comment_lines = [ln[2:].strip() for ln in sql.splitlines() if ln.startswith("--")]
        models.append(SqlModel(path.stem, sql, referenced_tables(sql), " ".join(comment_lines)))
    return models
