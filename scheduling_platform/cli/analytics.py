"""`analytics`: the warehouse's analytics tables, exported."""

from __future__ import annotations

import sys
from contextlib import nullcontext

import click

from scheduling_platform.cli.support import context, user_errors
from scheduling_platform.service import analytics as service
from scheduling_platform.settings import get_settings
from scheduling_platform.timeutil import parse_user_time


@click.group()
def analytics() -> None:
    """The analytics models in the warehouse: export them."""


@analytics.command("export")
@click.option("--table", required=True, type=click.Choice(service.EXPORTABLE))
@click.option(
    "--format", "fmt", default="csv", show_default=True, type=click.Choice(["csv", "parquet"])
)
@click.option("--since", default=None, help="only rows at or after this ISO 8601 time")
@click.option("--output", default=None, type=click.Path(dir_okay=False), help="default: stdout")
@user_errors
def analytics_export(table: str, fmt: str, since: str | None, output: str | None) -> None:
    """Write the workspace's rows of an analytics table as CSV or Parquet."""
    start = parse_user_time(since, get_settings().default_timezone) if since else None
    exported = service.export_table(context(), table, fmt, start)
    if output is None and fmt == "parquet" and sys.stdout.isatty():
        raise ValueError("Parquet is binary: give --output FILE or redirect stdout")
    if exported.note:
        click.echo(f"note: {exported.note}", err=True)
    written = 0
    with open(output, "wb") if output else nullcontext(sys.stdout.buffer) as sink:
        for chunk in exported.chunks:
            sink.write(chunk)
            written += len(chunk)
    if output:
        click.echo(f"wrote {written} bytes of {table} as {fmt} to {output}", err=True)
