"""A/B experiments of strategies: tasks of the chosen accounts assigned to arms at random.

An experiment names two strategies and their shares (`optimal_time,fixed`, `50/50`) over
some accounts. Each post made through it draws its arm with those shares and is scheduled
by that arm's strategy: `fixed` keeps the requested time, `optimal_time` takes the model's
best free slot of the coming week (`strategies.create`, exploring as configured). The arm
is recorded per task; the report compares the arms' collected engagement
(`intelligence/experiment_report.py`).
"""

from __future__ import annotations

from datetime import datetime

import numpy as np

from scheduling_platform.intelligence.engagement import load_engagement
from scheduling_platform.intelligence.experiment_report import ExperimentReport, experiment_report
from scheduling_platform.scheduling.conflicts.rules import ConflictRules
from scheduling_platform.scheduling.placement import Strategy
from scheduling_platform.scheduling.strategies.create import create_by_strategy
from scheduling_platform.scheduling.strategies.scores import DEFAULT_WINDOW
from scheduling_platform.scheduling.tasks import SchedulingError, schedule_task
from scheduling_platform.settings import Settings
from scheduling_platform.store.decisions import Experiment
from scheduling_platform.store.records import Task
from scheduling_platform.store.task_store import TaskStore
from scheduling_platform.store.warehouse import Warehouse
from scheduling_platform.timeutil import utcnow

# The strategies an experiment can compare (the others join as they become strategies).
EXPERIMENT_STRATEGIES = ("optimal_time", "fixed")


def parse_arms(strategies: str, shares: str) -> list[tuple[str, float]]:
    """ "optimal_time,fixed" and "50/50" -> [("optimal_time", 0.5), ("fixed", 0.5)]."""
    names = [s.strip() for s in strategies.split(",") if s.strip()]
    if len(names) != 2 or len(set(names)) != 2:
        raise SchedulingError(f"an experiment compares two different strategies, not {names}")
    unknown = [n for n in names if n not in EXPERIMENT_STRATEGIES]
    if unknown:
        raise SchedulingError(f"strategies must be among {EXPERIMENT_STRATEGIES}, not {unknown}")
    try:
        weights = [float(w) for w in shares.split("/")]
    except ValueError:
        raise SchedulingError(f"shares look like 50/50, not {shares!r}") from None
    if len(weights) != 2 or min(weights) <= 0:
        raise SchedulingError(f"shares are two positive numbers like 50/50, not {shares!r}")
    total = sum(weights)
    return [(n, w / total) for n, w in zip(names, weights, strict=True)]


def post_in_experiment(
    store: TaskStore,
    experiment: Experiment,
    account_id: int,
    content: str,
    at: str | datetime,
    *,
    rng: np.random.Generator | None = None,
    settings: Settings | None = None,
    actor: str = "cli",
    now: datetime | None = None,
) -> tuple[Task, str]:
    """Draw the post's arm, schedule it by that arm's strategy, record the arm."""
    if experiment.status != "running":
        raise SchedulingError(f"experiment {experiment.id} is {experiment.status}")
    if account_id not in experiment.account_ids:
        raise SchedulingError(
            f"account {account_id} is not in experiment {experiment.id} "
            f"(accounts {list(experiment.account_ids)})"
        )
    rng = rng if rng is not None else np.random.default_rng()
    names = [s for s, _ in experiment.arms]
    arm = str(rng.choice(names, p=[w for _, w in experiment.arms]))
    if arm == "optimal_time":
        task, _ = create_by_strategy(
            store,
            ConflictRules.from_settings(settings) if settings is not None else ConflictRules(),
            account_id,
            content,
            None,
            strategy=Strategy.OPTIMAL_TIME,
            window=DEFAULT_WINDOW,
            now=now or utcnow(),
            actor=actor,
            settings=settings,
            rng=rng,
        )
    else:
        task = schedule_task(store, account_id, content, at, now=now, actor=actor)
    store.assign_arm(task.id, experiment.id, arm)
    return task, arm


def report_experiment(
    store: TaskStore, warehouse: Warehouse, experiment: Experiment
) -> ExperimentReport:
    """Each arm's collected engagement per post and the uplift of the second arm."""
    assigned = store.assignments(experiment.id)
    keys = {}
    for task_id, arm in assigned.items():
        task = store.get_task(task_id)
        post = f"{task.platform}:{task.platform_post_id}" if task.platform_post_id else None
        keys[post or f"task:{task_id}"] = arm
    return experiment_report(
        [s for s, _ in experiment.arms], keys, load_engagement(warehouse), seed=experiment.id
    )


def report_all(store: TaskStore, warehouse: Warehouse) -> list[tuple[Experiment, ExperimentReport]]:
    """The report of every running experiment, of every workspace (the Dagster asset's)."""
    return [
        (e, report_experiment(store, warehouse, e))
        for e in store.list_experiments()
        if e.status == "running"
    ]
