"""Scheduling a task at the model's best slot, with the model's version and prediction kept."""

from __future__ import annotations

from datetime import datetime

import numpy as np

from scheduling_platform.intelligence.exploration import explores
from scheduling_platform.intelligence.features import CONTENT_TYPES
from scheduling_platform.intelligence.registry import ModelRegistry
from scheduling_platform.intelligence.scoring import SlotChoice, best_slot, draft_for
from scheduling_platform.platforms.rules import rules_for
from scheduling_platform.scheduling.tasks import SchedulingError, schedule_task
from scheduling_platform.store.records import Task
from scheduling_platform.store.task_store import TaskStore
from scheduling_platform.timeutil import utcnow


def schedule_at_best_slot(
    store: TaskStore,
    account_id: int,
    content: str,
    *,
    title: str | None = None,
    content_type: str = "text",
    media_count: int = 0,
    within_days: float = 7.0,
    priority: int = 5,
    now: datetime | None = None,
    actor: str = "cli",
    exploration_share: float = 0.0,
    rng: np.random.Generator | None = None,
) -> tuple[Task, SlotChoice]:
    """Validate, score the coming slots with the model in use, create the task there.

    `exploration_share` of the decisions explore by Thompson sampling (`exploration.py`);
    whether this one did is recorded with the task (`task_decisions`).
    On day one, with no trained model, the shipped prior curves score the slots (the
    choice's `basis` is "prior" and the task's model version names the prior).
    """
    if content_type not in CONTENT_TYPES:
        raise SchedulingError(f"content type must be one of {CONTENT_TYPES}, not {content_type!r}")
    account = store.get_account(account_id)
    rules_for(account.platform).check(content, title)  # refuse before any scoring
    registry = ModelRegistry(store)
    artifact = registry.current_or_prior()
    now = now or utcnow()
    rng = rng if rng is not None else np.random.default_rng()
    choice = best_slot(
        artifact,
        draft_for(account, content, content_type, media_count),
        now,
        within_days=within_days,
        explore=rng if explores(exploration_share, rng) else None,
    )
    task = schedule_task(
        store,
        account_id,
        content,
        choice.slot,
        priority=priority,
        title=title,
        now=now,
        actor=actor,
    )
    task = registry.record_prediction(
        task, artifact.version, choice.predicted, choice.uncertainty, actor=actor
    )
    store.record_decision(task.id, explored=choice.explored, model_version=artifact.version)
    return task, choice
