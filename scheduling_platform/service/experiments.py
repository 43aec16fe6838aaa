"""A/B experiments of strategies: create, post through, list, report."""

from __future__ import annotations

from pydantic import BaseModel, Field

from scheduling_platform.scheduling.experiments import (
    parse_arms,
    post_in_experiment,
    report_experiment,
)
from scheduling_platform.service.context import ServiceContext
from scheduling_platform.service.views import TaskView, Timestamp, View
from scheduling_platform.store.decisions import Experiment
from scheduling_platform.timeutil import parse_user_time


class CreateExperimentRequest(BaseModel):
    name: str = Field(min_length=1, max_length=120)
    strategies: str  # "optimal_time,fixed"
    shares: str = "50/50"
    account_ids: list[int] = Field(min_length=1)


class ExperimentView(View):
    id: int
    name: str
    arms: dict[str, float]  # strategy -> share
    account_ids: list[int]
    status: str
    created_at: Timestamp

    @classmethod
    def of(cls, e: Experiment) -> ExperimentView:
        return cls(
            id=e.id,
            name=e.name,
            arms=dict(e.arms),
            account_ids=list(e.account_ids),
            status=e.status,
            created_at=e.created_at,
        )


class ExperimentPostRequest(BaseModel):
    experiment_id: int
    account_id: int
    content: str
    at: str  # the requested time (the `fixed` arm keeps it); ISO 8601, default zone if none


class ExperimentPostResult(View):
    task: TaskView
    arm: str


class ArmView(View):
    strategy: str
    tasks: int
    measured: int
    mean_engagement: float | None


class ExperimentReportView(View):
    experiment: ExperimentView
    arms: list[ArmView]
    uplift: float | None  # the second arm's mean engagement over the first's, minus 1
    ci_low: float | None  # 95% percentile bootstrap interval of the uplift
    ci_high: float | None


def create_experiment(ctx: ServiceContext, request: CreateExperimentRequest) -> ExperimentView:
    """An experiment over the workspace's accounts; refused whole on a bad strategy or share."""
    arms = parse_arms(request.strategies, request.shares)
    for account_id in request.account_ids:
        ctx.owned_account(account_id)
    experiment = ctx.store.create_experiment(
        ctx.workspace_id, request.name, arms, sorted(set(request.account_ids))
    )
    return ExperimentView.of(experiment)


def list_experiments(ctx: ServiceContext) -> list[ExperimentView]:
    return [ExperimentView.of(e) for e in ctx.store.list_experiments(workspace_id=ctx.workspace_id)]


def post_to_experiment(ctx: ServiceContext, request: ExperimentPostRequest) -> ExperimentPostResult:
    """A post of the experiment: its arm drawn at random by the shares, then scheduled."""
    experiment = ctx.store.get_experiment(request.experiment_id, workspace_id=ctx.workspace_id)
    account = ctx.owned_account(request.account_id)
    task, arm = post_in_experiment(
        ctx.store,
        experiment,
        account.id,
        request.content,
        parse_user_time(request.at, account.timezone),
        settings=ctx.settings,
        actor=ctx.actor,
    )
    return ExperimentPostResult(task=TaskView.of(task), arm=arm)


def report(ctx: ServiceContext, experiment_id: int) -> ExperimentReportView:
    experiment = ctx.store.get_experiment(experiment_id, workspace_id=ctx.workspace_id)
    result = report_experiment(ctx.store, ctx.warehouse, experiment)
    return ExperimentReportView(
        experiment=ExperimentView.of(experiment),
        arms=[ArmView(**a.__dict__) for a in result.arms],
        uplift=result.uplift,
        ci_low=result.ci_low,
        ci_high=result.ci_high,
    )
