"""What an analyst sees of a materialised model: its rows, a preview and, for some, a picture."""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from scheduling_platform.analytics.pictures import (
    lateness_histogram,
    lateness_sql,
    optimisation_uplift,
    weekday_hour_heatmap,
)
from scheduling_platform.analytics.sql_models import SqlModel, to_dialect
from scheduling_platform.store.warehouse import Warehouse

PREVIEW_ROWS = 10
# The picture of a model: its name, what it reads of the model's table, how it is drawn.
PICTURES: dict[str, tuple[str, str, Callable[[pd.DataFrame], bytes]]] = {
    "time_patterns": (
        "weekday_hour_heatmap",
        "SELECT platform, weekday, hour, measured_posts, mean_engagement FROM time_patterns"
        " WHERE measured_posts > 0",
        weekday_hour_heatmap,
    ),
    "performance": ("lateness_histogram", lateness_sql("performance"), lateness_histogram),
    "optimization_stats": (
        "optimisation_uplift",
        "SELECT * FROM optimization_stats",
        optimisation_uplift,
    ),
}


@dataclass(frozen=True)
class ModelSummary:
    rows: int
    preview_markdown: str
    pictures: dict[str, bytes] = field(default_factory=dict)  # name -> PNG

    def picture_markdown(self, name: str) -> str:
        encoded = base64.b64encode(self.pictures[name]).decode("ascii")
        return f"![{name}](data:image/png;base64,{encoded})"


def markdown_table(frame: pd.DataFrame) -> str:
    """A small frame as a Markdown table (missing values shown empty, floats to 4 places)."""

    def cell(value: Any) -> str:
        if value is None or (not isinstance(value, str) and pd.isna(value)):
            return ""
        return f"{value:.4g}" if isinstance(value, float) else str(value).replace("|", "\\|")

    lines = ["| " + " | ".join(frame.columns) + " |", "|" + " --- |" * len(frame.columns)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in frame.itertuples(False)]
    return "\n".join(lines)


def materialize_model(warehouse: Warehouse, model: SqlModel) -> ModelSummary:
    """Rebuild the model's table from its SQL (transpiled for Postgres) and describe it."""
    rows = warehouse.materialize_query(model.name, model.sql_for(not warehouse.is_duckdb))
    order = ", ".join(f'"{k}"' for k in model.keys) or "1"
    preview = warehouse.query(f'SELECT * FROM "{model.name}" ORDER BY {order} LIMIT {PREVIEW_ROWS}')
    pictures = {}
    if model.name in PICTURES:
        name, sql, draw = PICTURES[model.name]
        pictures[name] = draw(warehouse.query(to_dialect(sql, not warehouse.is_duckdb)))
    return ModelSummary(rows, markdown_table(preview), pictures)
