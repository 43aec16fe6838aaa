"""How model-timed tasks were decided (explored or not), and A/B experiments' arms."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Row, insert, select, update

from scheduling_platform.store.base import StoreBase
from scheduling_platform.store.records import NotFoundError
from scheduling_platform.store.schema import experiment_assignments, experiments, task_decisions
from scheduling_platform.timeutil import utcnow


@dataclass(frozen=True)
class Experiment:
    """An A/B test: strategies with shares over some accounts' new tasks."""

    id: int
    workspace_id: int
    name: str
    arms: tuple[tuple[str, float], ...]  # (strategy, share), shares summing to 1
    account_ids: tuple[int, ...]
    status: str
    created_at: datetime

    @classmethod
    def from_row(cls, row: Row[Any]) -> Experiment:
        return cls(
            id=row.id,
            workspace_id=row.workspace_id,
            name=row.name,
            arms=tuple((a["strategy"], float(a["share"])) for a in json.loads(row.arms)),
            account_ids=tuple(json.loads(row.account_ids)),
            status=row.status,
            created_at=row.created_at,
        )


class DecisionQueries(StoreBase):
    """Rows of task_decisions, experiments and experiment_assignments."""

    def record_decision(self, task_id: int, *, explored: bool, model_version: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                insert(task_decisions).values(
                    task_id=task_id,
                    explored=explored,
                    model_version=model_version,
                    decided_at=utcnow(),
                )
            )

    def decision_of(self, task_id: int) -> bool | None:
        """Whether the task's slot was explored; None when the model did not time it."""
        query = select(task_decisions.c.explored).where(task_decisions.c.task_id == task_id)
        with self.engine.connect() as conn:
            value = conn.execute(query).scalar_one_or_none()
        return None if value is None else bool(value)

    def create_experiment(
        self,
        workspace_id: int,
        name: str,
        arms: list[tuple[str, float]],
        account_ids: list[int],
    ) -> Experiment:
        with self.engine.begin() as conn:
            row = conn.execute(
                insert(experiments)
                .values(
                    workspace_id=workspace_id,
                    name=name,
                    arms=json.dumps([{"strategy": s, "share": w} for s, w in arms]),
                    account_ids=json.dumps(sorted(account_ids)),
                    status="running",
                    created_at=utcnow(),
                )
                .returning(*experiments.c)
            ).one()
        return Experiment.from_row(row)

    def get_experiment(self, experiment_id: int, *, workspace_id: int | None = None) -> Experiment:
        query = select(experiments).where(experiments.c.id == experiment_id)
        if workspace_id is not None:
            query = query.where(experiments.c.workspace_id == workspace_id)
        with self.engine.connect() as conn:
            row = conn.execute(query).one_or_none()
        if row is None:
            raise NotFoundError(f"no experiment with id {experiment_id}")
        return Experiment.from_row(row)

    def list_experiments(self, *, workspace_id: int | None = None) -> list[Experiment]:
        query = select(experiments).order_by(experiments.c.id)
        if workspace_id is not None:
            query = query.where(experiments.c.workspace_id == workspace_id)
        with self.engine.connect() as conn:
            return [Experiment.from_row(r) for r in conn.execute(query)]

    def stop_experiment(self, experiment_id: int) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                update(experiments)
                .where(experiments.c.id == experiment_id)
                .values(status="stopped")
            )

    def assign_arm(self, task_id: int, experiment_id: int, arm: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                insert(experiment_assignments).values(
                    task_id=task_id, experiment_id=experiment_id, arm=arm, assigned_at=utcnow()
                )
            )

    def assignments(self, experiment_id: int) -> dict[int, str]:
        """task id -> arm, for every task the experiment assigned."""
        query = select(experiment_assignments.c.task_id, experiment_assignments.c.arm).where(
            experiment_assignments.c.experiment_id == experiment_id
        )
        with self.engine.connect() as conn:
            return {int(r.task_id): str(r.arm) for r in conn.execute(query)}
