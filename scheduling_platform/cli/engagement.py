"""`engagement`: engagement histories from outside the platform."""

from __future__ import annotations

from pathlib import Path

import click

from scheduling_platform.cli.support import context, emit, json_option, user_errors
from scheduling_platform.service import intelligence as service


@click.group()
def engagement() -> None:
    """Engagement: collect it from the platforms now, or import external histories."""


@engagement.command("collect")
@click.option(
    "--days",
    default=7.0,
    show_default=True,
    type=click.FloatRange(0, 90, min_open=True),
    help="posts published this far back",
)
@json_option
@user_errors
def engagement_collect(days: float, as_json: bool) -> None:
    """Ask the platforms now for the metrics of the posts published in the last DAYS."""
    result = service.collect_engagement_now(context(), service.CollectRequest(days=days))
    platforms = ", ".join(f"{p} {n}" for p, n in sorted(result.by_platform.items()))
    lines = [
        f"{result.rows_written} of {result.posts_asked} posts collected"
        + (f" ({platforms})" if platforms else "")
    ]
    lines += [f"  failed: {k}: {v}" for k, v in sorted(result.accounts_failed.items())]
    emit(as_json, result, "\n".join(lines))


@engagement.command("import")
@click.option("--csv", "csv_path", required=True, type=click.Path(dir_okay=False))
@click.option("--mapping", "mapping_path", required=True, type=click.Path(dir_okay=False))
@json_option
@user_errors
def engagement_import(csv_path: str, mapping_path: str, as_json: bool) -> None:
    """Import a CSV of past posts and their metrics into the warehouse (by a column mapping)."""
    result = service.import_engagement(context(), Path(csv_path), Path(mapping_path))
    emit(as_json, result, f"imported {result.rows} posts ({result.posted}) from {csv_path}")
