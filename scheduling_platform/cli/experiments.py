"""`experiments`: A/B tests of strategies: create, post, list, report."""

from __future__ import annotations

import click

from scheduling_platform.cli.support import context, emit, json_option, user_errors
from scheduling_platform.service import experiments as service


@click.group()
def experiments() -> None:
    """A/B tests of strategies: tasks assigned to arms at random, engagement compared."""


def _account_ids(text: str) -> list[int]:
    try:
        return [int(a) for a in text.split(",") if a.strip()]
    except ValueError:
        raise click.BadParameter(f"account ids separated by commas, not {text!r}") from None


@experiments.command("create")
@click.option("--name", default="experiment", show_default=True)
@click.option("--strategies", required=True, help="two strategies, e.g. optimal_time,fixed")
@click.option("--share", "shares", default="50/50", show_default=True, help="e.g. 50/50")
@click.option("--accounts", "accounts", required=True, help="account ids, e.g. 1,2,3")
@json_option
@user_errors
def experiments_create(
    name: str, strategies: str, shares: str, accounts: str, as_json: bool
) -> None:
    """Start an experiment: the accounts' posts through it are assigned arms at random."""
    request = service.CreateExperimentRequest(
        name=name, strategies=strategies, shares=shares, account_ids=_account_ids(accounts)
    )
    view = service.create_experiment(context(), request)
    arms = ", ".join(f"{s} {w:.0%}" for s, w in view.arms.items())
    emit(as_json, view, f"experiment {view.id} ({view.name}): {arms} over {view.account_ids}")


@experiments.command("post")
@click.argument("experiment_id", type=int)
@click.option("--account", "account_id", required=True, type=int)
@click.option("--content", required=True)
@click.option("--at", required=True, help="the requested time; the fixed arm keeps it")
@json_option
@user_errors
def experiments_post(
    experiment_id: int, account_id: int, content: str, at: str, as_json: bool
) -> None:
    """A post of the experiment: its arm drawn by the shares, scheduled by that strategy."""
    request = service.ExperimentPostRequest(
        experiment_id=experiment_id, account_id=account_id, content=content, at=at
    )
    result = service.post_to_experiment(context(), request)
    emit(
        as_json,
        result,
        f"task {result.task.id} ({result.arm}) scheduled for {result.task.scheduled_at}",
    )


@experiments.command("list")
@json_option
@user_errors
def experiments_list(as_json: bool) -> None:
    """The workspace's experiments."""
    views = service.list_experiments(context())
    lines = [f"{v.id}  {v.status:<8} {v.name}  {v.arms}  accounts {v.account_ids}" for v in views]
    emit(as_json, views, "\n".join(lines) or "no experiments yet")


@experiments.command("report")
@click.argument("experiment_id", type=int)
@json_option
@user_errors
def experiments_report(experiment_id: int, as_json: bool) -> None:
    """Each arm's engagement per post, and the second arm's uplift with a 95% interval."""
    view = service.report(context(), experiment_id)
    lines = [f"experiment {view.experiment.id} ({view.experiment.name})"]
    for arm in view.arms:
        mean = f"{arm.mean_engagement:,.0f}" if arm.mean_engagement is not None else "-"
        lines.append(
            f"  {arm.strategy:<14} {arm.tasks} tasks, {arm.measured} measured, mean {mean}"
        )
    first, second = view.arms[0].strategy, view.arms[1].strategy
    if view.uplift is None:
        lines.append("uplift: not yet (each arm needs two posts with collected engagement)")
    else:
        lines.append(
            f"uplift of {second} over {first}: {view.uplift:+.1%} "
            f"(95% CI {view.ci_low:+.1%} .. {view.ci_high:+.1%})"
        )
    emit(as_json, view, "\n".join(lines))
