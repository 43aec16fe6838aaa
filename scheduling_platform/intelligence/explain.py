"""`model explain`: which model chose a task's time, from what data, and why that slot won."""

from __future__ import annotations

from typing import Any

import pandas as pd

from scheduling_platform.intelligence.artifact import ModelArtifact
from scheduling_platform.intelligence.priors import PRIOR_REASON
from scheduling_platform.intelligence.registry import ModelRegistry, RegistryError
from scheduling_platform.intelligence.scoring import draft_for, score_slots, week_slots
from scheduling_platform.store.records import Task
from scheduling_platform.store.task_store import TaskStore
from scheduling_platform.timeutil import in_zone


def explain_task(store: TaskStore, task_id: int) -> dict[str, Any]:
    task = store.get_task(task_id)
    if task.model_version is None:
        raise RegistryError(f"task {task_id} was scheduled by hand, not by the model")
    registry = ModelRegistry(store)
    artifact = registry.load(task.model_version)
    if artifact.basis == "prior":
        return _explain_prior(store, task, artifact)
    entry = registry.entry(task.model_version)
    account = store.get_account(task.account_id)
    # Re-score the week the model saw when it chose (from the task's creation).
    draft = draft_for(account, task.content, "article" if task.title else "text", 0)
    scores = score_slots(artifact, draft, week_slots(task.created_at))
    chosen = scores.loc[scores["slot"] == pd.Timestamp(task.scheduled_at)]
    ranked = scores.sort_values("predicted", ascending=False)
    rank = (
        int((scores["predicted"] > float(chosen["predicted"].iloc[0])).sum()) + 1
        if len(chosen)
        else None
    )
    zone_name = account.timezone
    runners_up = [
        {"slot": in_zone(slot.to_pydatetime(), zone_name).isoformat(), "predicted": predicted}
        for slot, predicted in zip(
            ranked["slot"].iloc[1:4], ranked["predicted"].iloc[1:4], strict=True
        )
    ]
    why = {
        "slot": in_zone(task.scheduled_at, zone_name).isoformat(),
        "rank_among_slots": rank,
        "slots_scored": len(scores),
        "predicted": task.predicted_engagement,
        "rescored": float(chosen["predicted"].iloc[0]) if len(chosen) else None,
        "uncertainty": task.prediction_uncertainty,
        "median_slot": float(scores["predicted"].median()),
        "platform_curve": float(chosen["platform_curve"].iloc[0]) if len(chosen) else None,
        "account_weight": float(chosen["account_weight"].iloc[0]) if len(chosen) else None,
        "runners_up": runners_up,
        "explored": store.decision_of(task.id),  # a Thompson draw chose, not the best
    }
    summary = entry.summary
    groups = ", ".join(f"{k} {v:.0%}" for k, v in summary["importance_groups"].items())
    text = "\n".join(
        [
            f"task {task.id}: {why['slot']} chosen by model {entry.version} "
            f"({entry.candidate}, now {entry.status})",
            f"trained on {summary['rows']} posts from partitions "
            f"{' .. '.join(summary['partitions'])} ({summary['partition_count']} days); "
            f"holdout R² {summary['holdout_r2']}, MAE {summary['holdout_mae']}",
            f"why: expected {task.predicted_engagement:.0f} ± {task.prediction_uncertainty:.0f}, "
            f"best {rank} of {len(scores)} slots (median slot {why['median_slot']:.0f}); "
            f"the account's own history weighs {why['account_weight'] or 0:.0%} at that hour, "
            f"the platform-wide curve the rest"
            + ("; explored (a Thompson draw chose the slot)" if why["explored"] else ""),
            f"what drives the model: {groups}",
        ]
    )
    return {"task_id": task.id, "model": summary, "why": why, "text": text}


def _explain_prior(store: TaskStore, task: Task, artifact: ModelArtifact) -> dict[str, Any]:
    """A task timed on day one: the shipped prior curve chose, no trained model."""
    account = store.get_account(task.account_id)
    draft = draft_for(account, task.content, "article" if task.title else "text", 0)
    scores = score_slots(artifact, draft, week_slots(task.created_at))
    slot = in_zone(task.scheduled_at, account.timezone).isoformat()
    why = {
        "slot": slot,
        "basis": "prior",
        "reason": PRIOR_REASON,
        "slots_scored": len(scores),
        "predicted": task.predicted_engagement,
        "median_slot": float(scores["predicted"].median()),
    }
    text = (
        f"task {task.id}: {slot} chosen by {artifact.version}: {PRIOR_REASON} "
        f"(expected {task.predicted_engagement or 0:.0f}, median slot {why['median_slot']:.0f}); "
        "retrain once engagement is collected"
    )
    summary = {"version": artifact.version, "candidate": artifact.candidate, "basis": "prior"}
    return {"task_id": task.id, "model": summary, "why": why, "text": text}
