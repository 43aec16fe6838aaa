"""`engagement`: engagement histories from outside the platform."""

from __future__ import annotations

from pathlib import Path

import click

from scheduling_platform.cli.support import context, emit, json_option, user_errors
from scheduling_platform.service import intelligence as service


@click.group()
def engagement() -> None:
    """Engagement histories: import external ones."""


@engagement.command("import")
@click.option("--csv", "csv_path", required=True, type=click.Path(dir_okay=False))
@click.option("--mapping", "mapping_path", required=True, type=click.Path(dir_okay=False))
@json_option
@user_errors
def engagement_import(csv_path: str, mapping_path: str, as_json: bool) -> None:
    """Import a CSV of past posts and their metrics into the warehouse (by a column mapping)."""
    result = service.import_engagement(context(), Path(csv_path), Path(mapping_path))
    emit(as_json, result, f"imported {result.rows} posts ({result.posted}) from {csv_path}")
