"""Importing external engagement histories from CSV with a column mapping.

A mapping (JSON) says how the CSV's columns become rows of the engagement schema:
- `name`: the source's name; rows get `source = import:<name>` and keys `import:<name>:<row>`;
- `separator`: the CSV's field separator (default `,`);
- `constants`: schema fields with one value for every row (platform, account_key, timezone...);
- `columns`: schema field -> CSV column;
- `values`: schema field -> {CSV value -> schema value} (e.g. `Photo` -> `image`);
- `value_source`: schema field -> the CSV column `values` are looked up in, when it is not
  the field's own column (e.g. media_count derived from the post type);
- `posted_at`: either `{"column": NAME}` (an ISO time; naive read in the `timezone` constant),
  or `{"year": Y, "month": COL, "weekday": COL, "hour": COL, "weekday_first": "sunday"|"monday"}`
  for sources that give only the parts (the day becomes the month's first such weekday);
- `features` (optional): the model features the source really provides; `model evaluate`
  uses only these (importing and training use every feature).
Empty metric cells count as 0, an empty `paid` as 0; every other gap is an error.
"""

from __future__ import annotations

import json
from datetime import UTC
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from scheduling_platform.intelligence.features import (
    CONTENT_TYPES,
    DEFAULT_FOLLOWERS,
    ENGAGEMENT_COLUMNS,
    METRIC_COLUMNS,
)
from scheduling_platform.intelligence.metric_meaning import comparable
from scheduling_platform.timeutil import utcnow, zone

DEFAULTS: dict[str, Any] = {
    "text_length": 0,
    "media_count": 0,
    "hashtag_count": 0,
    "link_count": 0,
    "followers": DEFAULT_FOLLOWERS,
    "paid": 0,
    "category": -1,
    "content_type": "text",
    "timezone": "UTC",
}
ZERO_WHEN_EMPTY = (*METRIC_COLUMNS, "paid")


class MappingError(ValueError):
    """The CSV or the mapping cannot be imported; nothing was written."""


def load_mapping(path: Path) -> dict[str, Any]:
    try:
        mapping = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise MappingError(f"cannot read mapping {path}: {exc.strerror}") from exc
    except json.JSONDecodeError as exc:
        raise MappingError(f"mapping {path} is not valid JSON: {exc}") from exc
    if not isinstance(mapping, dict) or "name" not in mapping or "posted_at" not in mapping:
        raise MappingError(f"mapping {path} needs at least 'name' and 'posted_at'")
    return mapping


def read_csv(csv_path: Path, mapping: dict[str, Any]) -> pd.DataFrame:
    try:
        return pd.read_csv(csv_path, sep=mapping.get("separator", ","), skipinitialspace=True)
    except (OSError, pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise MappingError(f"cannot read {csv_path}: {exc}") from exc


def _posted_at(raw: pd.DataFrame, spec: dict[str, Any], timezone: str) -> pd.Series:
    if "column" in spec:
        parsed = pd.to_datetime(raw[spec["column"]], errors="coerce")
        if parsed.isna().any():
            raise MappingError(f"column {spec['column']!r} has empty or unreadable times")
        if parsed.dt.tz is None:
            parsed = parsed.dt.tz_localize(zone(timezone))
        return parsed.dt.tz_convert(UTC)
    year = int(spec["year"])
    month, weekday, hour = (raw[spec[k]].astype(int) for k in ("month", "weekday", "hour"))
    # Source weekdays count from 1; convert to Python's 0 = Monday.
    offset = 6 if spec.get("weekday_first", "monday") == "sunday" else 0
    python_weekday = (weekday - 1 + offset) % 7
    first = pd.to_datetime({"year": year, "month": month, "day": 1})
    day = 1 + (python_weekday - first.dt.day_of_week) % 7
    local = pd.to_datetime({"year": year, "month": month, "day": day, "hour": hour})
    return local.dt.tz_localize(zone(timezone)).dt.tz_convert(UTC)


def map_rows(raw: pd.DataFrame, mapping: dict[str, Any]) -> pd.DataFrame:
    """The CSV's rows as rows of the engagement schema; raises before anything is written."""
    columns: dict[str, str] = mapping.get("columns", {})
    constants: dict[str, Any] = mapping.get("constants", {})
    unknown = (set(columns) | set(constants)) - set(ENGAGEMENT_COLUMNS)
    if unknown:
        raise MappingError(f"mapping names fields the schema lacks: {sorted(unknown)}")
    spec = mapping["posted_at"]
    needed = set(columns.values()) | set(mapping.get("value_source", {}).values())
    needed |= {spec[k] for k in ("column", "month", "weekday", "hour") if k in spec}
    missing = needed - set(raw.columns)
    if missing:
        raise MappingError(f"the CSV lacks columns {sorted(missing)}; it has {list(raw.columns)}")
    name = str(mapping["name"])
    out = pd.DataFrame(index=raw.index)
    for field in ENGAGEMENT_COLUMNS:
        if field in columns:
            out[field] = raw[columns[field]]
        elif field in constants:
            out[field] = constants[field]
        elif field in mapping.get("value_source", {}):
            out[field] = raw[mapping["value_source"][field]]
        elif field in DEFAULTS:
            out[field] = DEFAULTS[field]
    for field, table in mapping.get("values", {}).items():
        unmapped = set(out[field].dropna().unique()) - set(table)
        if unmapped:
            raise MappingError(f"{field}: values {sorted(map(str, unmapped))} have no mapping")
        out[field] = out[field].map(table)
    for field in ZERO_WHEN_EMPTY:
        if field in out:
            out[field] = out[field].fillna(0)
    gaps = [f for f in out.columns if out[f].isna().any()]
    if gaps:
        raise MappingError(f"empty cells in {gaps}; fill them or map them")
    if not set(out["content_type"]).issubset(CONTENT_TYPES):
        raise MappingError(f"content_type must become one of {CONTENT_TYPES}")
    timezone = str(constants.get("timezone", DEFAULTS["timezone"]))
    out["posted_at"] = _posted_at(raw, spec, timezone)
    out["post_key"] = [f"import:{name}:{i}" for i in range(len(raw))]
    out["source"] = f"import:{name}"
    out["platform"] = constants.get("platform", "other")
    out["account_key"] = constants.get("account_key", f"import:{name}")
    out["collected_at"] = utcnow()
    out["partition"] = out["posted_at"].dt.strftime("%Y-%m-%d")
    for field in (*METRIC_COLUMNS, "text_length", "media_count", "hashtag_count", "link_count"):
        out[field] = out[field].astype(np.int64)
    out["paid"] = out["paid"].astype(np.int64)
    out["category"] = out["category"].astype(np.int64)
    out["followers"] = out["followers"].astype(float)
    # A metric the platform's API does not report is 0, as in collected rows.
    return comparable(out[list(ENGAGEMENT_COLUMNS)])


def import_csv(csv_path: Path, mapping_path: Path) -> pd.DataFrame:
    """Read and map a CSV; the caller writes the rows (see `engagement.store_rows`)."""
    mapping = load_mapping(mapping_path)
    return map_rows(read_csv(csv_path, mapping), mapping)
