"""`model`: the engagement model: retrain, list, promote, roll back, explain, evaluate."""

from __future__ import annotations

from pathlib import Path

import click

from scheduling_platform.cli.support import context, emit, json_option, user_errors
from scheduling_platform.service import intelligence as service


@click.group()
def model() -> None:
    """The engagement model: retrain, list, promote, roll back, explain, evaluate."""


@model.command("retrain")
@click.option(
    "--min-gain",
    default=service.DEFAULT_MIN_GAIN,
    show_default=True,
    type=float,
    help="holdout R² to gain over the mean baseline and the model in use",
)
@click.option("--min-r2", default=None, type=float, help="also require holdout R² above this")
@click.option("--max-spread", default=None, type=float, help="also require CV spread below this")
@click.option("--no-promote", is_flag=True, help="register the model but keep the current one")
@json_option
@user_errors
def model_retrain(
    min_gain: float, min_r2: float | None, max_spread: float | None, no_promote: bool, as_json: bool
) -> None:
    """Train on all engagement in the warehouse; promote the model if its checks pass.

    It must beat the mean baseline and the model in use on the same time-ordered holdout.
    """
    request = service.RetrainRequest(
        min_gain=min_gain, min_r2=min_r2, max_spread=max_spread, promote=not no_promote
    )
    result = service.retrain_model(context(), request)
    summary = result.model
    lines = [f"model {summary['version']} ({summary['candidate']}, {summary['rows']} rows)"]
    lines += [f"  {'pass' if c.passed else 'FAIL'}: {c.description}" for c in result.checks]
    lines.append(
        f"promoted; in use: {result.in_use}"
        if result.promoted
        else f"not promoted; in use: {result.in_use or 'none'}"
    )
    emit(as_json, result, "\n".join(lines))


@model.command("list")
@json_option
@user_errors
def model_list(as_json: bool) -> None:
    """Every model version, newest first, and which one is in use."""
    views = service.list_models(context())
    lines = [
        f"{m.version}  {m.status:<11} {m.candidate:<16} rows={m.rows:<6} "
        f"R²={m.holdout_r2}  spread={m.cv_r2_spread}"
        for m in views
    ]
    emit(as_json, views, "\n".join(lines) or "no models yet")


@model.command("promote")
@click.argument("version")
@click.option("--force", is_flag=True, help="promote a version whose checks failed")
@json_option
@user_errors
def model_promote(version: str, force: bool, as_json: bool) -> None:
    """Put VERSION in use (the one in use now is retired; rollback brings it back)."""
    view = service.promote_model(context(), version, force=force)
    emit(as_json, view, f"model {view.version} is in use")


@model.command("rollback")
@json_option
@user_errors
def model_rollback(as_json: bool) -> None:
    """Go back to the model that was in use before the current one."""
    view = service.rollback_model(context())
    emit(as_json, view, f"rolled back; model {view.version} is in use")


@model.command("explain")
@click.argument("task_id", type=int)
@json_option
@user_errors
def model_explain(task_id: int, as_json: bool) -> None:
    """Which model chose TASK_ID's time, what it was trained on, and why that slot won."""
    report = service.explain_task(context(), task_id)
    emit(as_json, report, report.text)


@model.command("evaluate")
@click.option("--csv", "csv_path", required=True, type=click.Path(dir_okay=False))
@click.option("--target", required=True, help="the CSV column to predict")
@click.option(
    "--mapping",
    "mapping_path",
    default=str(service.UCI_MAPPING),
    show_default="the UCI Facebook mapping",
)
@click.option("--folds", default=5, show_default=True, type=click.IntRange(2, 20))
@click.option("--repeats", default=3, show_default=True, type=click.IntRange(1, 20))
@json_option
@user_errors
def model_evaluate(
    csv_path: str, target: str, mapping_path: str, folds: int, repeats: int, as_json: bool
) -> None:
    """Repeated k-fold CV of every candidate and a mean baseline: R² of log1p(target), MAE."""
    report = service.evaluate_csv(
        Path(csv_path), target, mapping_path=Path(mapping_path), folds=folds, repeats=repeats
    )
    lines = [
        f"{report.rows} rows, target {target!r}, {repeats}x repeated {folds}-fold CV",
        f"features: {', '.join(report.features)}",
        f"{'model':<20} {'R2(log1p) mean':>14} {'± std':>7} {'MAE mean':>10} {'± std':>8}",
    ]
    for name, s in report.scores.items():
        lines.append(
            f"{name:<20} {s['r2_log1p_mean']:>14.3f} {s['r2_log1p_std']:>7.3f} "
            f"{s['mae_mean']:>10.1f} {s['mae_std']:>8.1f}"
        )
    emit(as_json, report, "\n".join(lines))
