"""Retraining as one core operation: features, training, checks, registration, promotion.

The Dagster assets run the same steps one asset each; `model retrain` runs them in-process.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from scheduling_platform.intelligence.artifact import CV_FOLDS, ModelArtifact
from scheduling_platform.intelligence.engagement import FEATURES_TABLE, load_engagement
from scheduling_platform.intelligence.features import feature_frame
from scheduling_platform.intelligence.registry import ModelRegistry
from scheduling_platform.store.task_store import TaskStore
from scheduling_platform.store.warehouse import Warehouse


@dataclass(frozen=True)
class Thresholds:
    """What a model must reach before it may be used (the original service's promise)."""

    min_holdout_r2: float = 0.75
    max_cv_spread: float = 0.1


@dataclass(frozen=True)
class CheckResult:
    name: str
    passed: bool
    value: float
    threshold: float
    description: str


def check_model(artifact: ModelArtifact, thresholds: Thresholds) -> list[CheckResult]:
    r2 = artifact.metrics["holdout_r2"]
    spread = artifact.metrics["cv_r2_spread"]
    return [
        CheckResult(
            "holdout_r2",
            r2 > thresholds.min_holdout_r2,
            r2,
            thresholds.min_holdout_r2,
            f"holdout R² of log1p(engagement) {r2:.3f}, must be > {thresholds.min_holdout_r2}",
        ),
        CheckResult(
            "cv_spread",
            spread < thresholds.max_cv_spread,
            spread,
            thresholds.max_cv_spread,
            f"std of the {CV_FOLDS} CV folds' R² {spread:.3f}, "
            f"must be < {thresholds.max_cv_spread}",
        ),
    ]


def build_training_features(warehouse: Warehouse) -> pd.DataFrame:
    """Engagement rows with their features, also kept as the warehouse table for analysts."""
    engagement = load_engagement(warehouse)
    if engagement.empty:
        return engagement
    engagement = engagement.sort_values(["posted_at", "post_key"], kind="stable")
    engagement = engagement.reset_index(drop=True)
    frame = pd.concat([engagement, feature_frame(engagement)], axis=1)
    warehouse.replace_table(FEATURES_TABLE, frame)
    return frame


@dataclass(frozen=True)
class RetrainOutcome:
    artifact: ModelArtifact
    checks: list[CheckResult]
    promoted: bool
    in_use: str | None  # the version in use afterwards


def conclude(
    registry: ModelRegistry,
    artifact: ModelArtifact,
    checks: list[CheckResult],
    *,
    actor: str,
    promote: bool = True,
) -> RetrainOutcome:
    """Register the model; promote it only if every check passed, else mark it rejected."""
    registry.register(artifact)
    failed = [c for c in checks if not c.passed]
    if failed:
        registry.reject(artifact.version, "; ".join(c.description for c in failed))
    elif promote:
        registry.promote(artifact.version, actor=actor)
    return RetrainOutcome(
        artifact, checks, promoted=not failed and promote, in_use=registry.current_version()
    )


def retrain(
    store: TaskStore,
    warehouse: Warehouse,
    thresholds: Thresholds,
    *,
    actor: str = "cli",
    promote: bool = True,
) -> RetrainOutcome:
    frame = build_training_features(warehouse)
    from scheduling_platform.intelligence.model import train_model  # scikit-learn, on use

    artifact = train_model(frame)
    return conclude(
        ModelRegistry(store),
        artifact,
        check_model(artifact, thresholds),
        actor=actor,
        promote=promote,
    )
