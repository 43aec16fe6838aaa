"""CLI commands of issue 5: `engagement import`, the `model` group and `tasks create-best`.

cli.py imports this module at its bottom and registers the commands.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from scheduling_platform.cli.support import emit, json_option, open_store, user_errors
from scheduling_platform.settings import get_settings

UCI_MAPPING = Path(__file__).parents[1] / "intelligence" / "mappings" / "uci_facebook.json"


def _warehouse() -> Any:
    from scheduling_platform.analytics.warehouse import Warehouse

    return Warehouse(get_settings().resolved_warehouse_url)


# ------------------------------------------------------------------ engagement
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
    from scheduling_platform.intelligence.engagement import store_rows
    from scheduling_platform.intelligence.importer import import_csv

    rows = import_csv(Path(csv_path), Path(mapping_path))
    written = store_rows(_warehouse(), rows)
    span = f"{rows['posted_at'].min():%Y-%m-%d} .. {rows['posted_at'].max():%Y-%m-%d}"
    emit(
        as_json,
        {"rows": written, "source": rows["source"].iloc[0], "posted": span},
        f"imported {written} posts ({span}) from {csv_path}",
    )


# ----------------------------------------------------------------------- model
@click.group()
def model() -> None:
    """The engagement model: retrain, list, promote, roll back, explain, evaluate."""


def _registry() -> Any:
    from scheduling_platform.intelligence.registry import ModelRegistry

    return ModelRegistry(open_store(get_settings()))


@model.command("retrain")
@click.option("--min-r2", default=0.75, show_default=True, type=float)
@click.option("--max-spread", default=0.1, show_default=True, type=float)
@click.option("--no-promote", is_flag=True, help="register the model but keep the current one")
@json_option
@user_errors
def model_retrain(min_r2: float, max_spread: float, no_promote: bool, as_json: bool) -> None:
    """Train on all engagement in the warehouse; promote the model if its checks pass."""
    from scheduling_platform.intelligence.training import Thresholds, retrain

    outcome = retrain(
        open_store(get_settings()),
        _warehouse(),
        Thresholds(min_r2, max_spread),
        promote=not no_promote,
    )
    lines = [
        f"model {outcome.artifact.version} ({outcome.artifact.candidate}, "
        f"{outcome.artifact.rows} rows)"
    ]
    lines += [f"  {'pass' if c.passed else 'FAIL'}: {c.description}" for c in outcome.checks]
    lines.append(
        f"promoted; in use: {outcome.in_use}"
        if outcome.promoted
        else f"not promoted; in use: {outcome.in_use or 'none'}"
    )
    emit(
        as_json,
        {
            "model": outcome.artifact.summary(),
            "checks": [c.__dict__ for c in outcome.checks],
            "promoted": outcome.promoted,
            "in_use": outcome.in_use,
        },
        "\n".join(lines),
    )


@model.command("list")
@json_option
@user_errors
def model_list(as_json: bool) -> None:
    """Every model version, newest first, and which one is in use."""
    entries = _registry().list()
    lines = [
        f"{e.version}  {e.status:<11} {e.candidate:<16} rows={e.rows:<6} "
        f"R²={e.summary.get('holdout_r2')}  spread={e.summary.get('cv_r2_spread')}"
        for e in entries
    ]
    emit(as_json, [e.public_view() for e in entries], "\n".join(lines) or "no models yet")


@model.command("promote")
@click.argument("version")
@json_option
@user_errors
def model_promote(version: str, as_json: bool) -> None:
    """Put VERSION in use (the one in use now is retired; rollback brings it back)."""
    entry = _registry().promote(version)
    emit(as_json, entry.public_view(), f"model {entry.version} is in use")


@model.command("rollback")
@json_option
@user_errors
def model_rollback(as_json: bool) -> None:
    """Go back to the model that was in use before the current one."""
    entry = _registry().rollback()
    emit(as_json, entry.public_view(), f"rolled back; model {entry.version} is in use")


@model.command("explain")
@click.argument("task_id", type=int)
@json_option
@user_errors
def model_explain(task_id: int, as_json: bool) -> None:
    """Which model chose TASK_ID's time, what it was trained on, and why that slot won."""
    from scheduling_platform.intelligence.explain import explain_task

    report = explain_task(open_store(get_settings()), task_id)
    emit(as_json, report, report["text"])


@model.command("evaluate")
@click.option("--csv", "csv_path", required=True, type=click.Path(dir_okay=False))
@click.option("--target", required=True, help="the CSV column to predict")
@click.option(
    "--mapping", "mapping_path", default=str(UCI_MAPPING), show_default="the UCI Facebook mapping"
)
@click.option("--folds", default=5, show_default=True, type=click.IntRange(2, 20))
@click.option("--repeats", default=3, show_default=True, type=click.IntRange(1, 20))
@json_option
@user_errors
def model_evaluate(
    csv_path: str, target: str, mapping_path: str, folds: int, repeats: int, as_json: bool
) -> None:
    """Repeated k-fold CV of every candidate and a mean baseline: R² of log1p(target), MAE."""
    from scheduling_platform.intelligence.evaluation import evaluate_csv

    result = evaluate_csv(Path(csv_path), Path(mapping_path), target, folds=folds, repeats=repeats)
    lines = [
        f"{result['rows']} rows, target {target!r}, {repeats}x repeated {folds}-fold CV",
        f"features: {', '.join(result['features'])}",
        f"{'model':<20} {'R2(log1p) mean':>14} {'± std':>7} {'MAE mean':>10} {'± std':>8}",
    ]
    for name, s in result["scores"].items():
        lines.append(
            f"{name:<20} {s['r2_log1p_mean']:>14.3f} {s['r2_log1p_std']:>7.3f} "
            f"{s['mae_mean']:>10.1f} {s['mae_std']:>8.1f}"
        )
    emit(as_json, result, "\n".join(lines))


# ----------------------------------------------------------------------- tasks
@click.command("create-best")
@click.option("--account", "account_id", required=True, type=int)
@click.option("--content", required=True)
@click.option("--title")
@click.option("--content-type", default="text", show_default=True)
@click.option("--media-count", default=0, show_default=True, type=click.IntRange(0, 50))
@click.option("--within-days", default=7.0, show_default=True, type=float)
@click.option("--priority", default=5, show_default=True, type=int, help="1 (low) to 10 (high)")
@json_option
@user_errors
def tasks_create_best(
    account_id: int,
    content: str,
    title: str | None,
    content_type: str,
    media_count: int,
    within_days: float,
    priority: int,
    as_json: bool,
) -> None:
    """Schedule a post at the model's best 5-minute slot of the coming days."""
    from scheduling_platform.intelligence.choose import schedule_at_best_slot
    from scheduling_platform.timeutil import in_zone

    store = open_store(get_settings())
    task, choice = schedule_at_best_slot(
        store,
        account_id,
        content,
        title=title,
        content_type=content_type,
        media_count=media_count,
        within_days=within_days,
        priority=priority,
    )
    zone_name = store.get_account(account_id).timezone
    emit(
        as_json,
        task.public_view(),
        f"task {task.id} scheduled for {in_zone(task.scheduled_at, zone_name).isoformat()} by "
        f"model {choice.model_version}: expects {choice.predicted:.0f} ± "
        f"{choice.uncertainty:.0f} (median slot {choice.median_slot:.0f})",
    )
