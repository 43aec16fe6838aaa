"""`tasks batch --file tasks.json` and `tasks import --csv FILE`."""

from __future__ import annotations

from pathlib import Path

import click

from scheduling_platform.cli.support import context, emit, json_option, user_errors
from scheduling_platform.inputs import load_json
from scheduling_platform.service import batches as service


@click.command("batch")
@click.option("--file", "path", required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--all-or-nothing", is_flag=True, help="create none if any item is refused")
@json_option
@user_errors
def tasks_batch(path: Path, all_or_nothing: bool, as_json: bool) -> None:
    """Create up to 50 posts from a JSON list of tasks (account_id, content, at, ...), or an
    object {"items": [...], "all_or_nothing": true}; one result an item."""
    data = load_json(path.read_text(encoding="utf-8"), path.name)
    if isinstance(data, list):
        data = {"items": data}
    if not isinstance(data, dict):
        raise ValueError(f"{path.name} must hold a JSON list of tasks or an object with items")
    if all_or_nothing:
        data["all_or_nothing"] = True
    result = service.create_batch(context(), service.BatchRequest.model_validate(data))
    lines = [f"{result.created} created, {result.refused} refused"]
    for item in result.items:
        what = f"task {item.task_id}" if item.task_id else "; ".join(item.reasons)
        lines.append(f"  item {item.index}: {item.status}: {what}")
    emit(as_json, result, "\n".join(lines))


@click.command("import")
@click.option("--csv", "path", required=True, type=click.Path(exists=True, path_type=Path))
@json_option
@user_errors
def tasks_import(path: Path, as_json: bool) -> None:
    """Import posts from a CSV file (account, content, at; title, media, priority, strategy);
    a re-run of the same file creates nothing twice."""
    report = service.import_csv(context(), path)
    lines = [
        f"{report.rows} rows: {report.created} created, {report.existing} imported before, "
        f"{report.refused} refused"
    ]
    for row in report.results:
        if row.status == "refused":
            lines.append(f"  row {row.row}: refused: {'; '.join(row.reasons)}")
    emit(as_json, report, "\n".join(lines))
