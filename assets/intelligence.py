"""Intelligence assets: engagement_metrics -> training_features -> engagement_model (+ blocking
checks) -> promoted_engagement_model.

The model travels between these assets through the IO manager; the promoted version reaches
the scheduler through the model registry, which only `promoted_engagement_model` writes to.
"""

import pandas as pd
from dagster import (
    AssetCheckResult,
    AssetChecksDefinition,
    AssetCheckSeverity,
    AssetExecutionContext,
    DailyPartitionsDefinition,
    MaterializeResult,
    MetadataValue,
    Output,
    asset,
    asset_check,
)

from resources.platforms import PlatformsResource
from resources.policies import ModelPolicyResource
from resources.store import TaskStoreResource
from resources.warehouse import WarehouseResource
from scheduling_platform.intelligence.artifact import ModelArtifact
from scheduling_platform.intelligence.engagement import collect_engagement, store_rows
from scheduling_platform.intelligence.features import FEATURES
from scheduling_platform.intelligence.registry import ModelRegistry
from scheduling_platform.intelligence.training import (
    CheckResult,
    build_training_features,
    check_model,
    conclude,
)

# Posting days in UTC; a day is collected again later to catch the growth of its metrics.
engagement_partitions = DailyPartitionsDefinition(start_date="2025-01-01")


@asset(
    partitions_def=engagement_partitions,
    group_name="intelligence",
    pool="warehouse_writer",
    kinds={"duckdb"},
)
def engagement_metrics(
    context: AssetExecutionContext,
    task_store: TaskStoreResource,
    platforms: PlatformsResource,
    warehouse: WarehouseResource,
) -> MaterializeResult:
    """Metrics (reads, likes, shares, comments) of the posts published on the partition's day."""
    window = context.partition_time_window
    collection = collect_engagement(
        task_store.get_store(), platforms.client, window.start, window.end
    )
    written = store_rows(warehouse.get_warehouse(), collection.rows)
    by_platform = collection.rows.groupby("platform").size().to_dict() if written else {}
    return MaterializeResult(
        metadata={
            "posts_asked": collection.posts_asked,
            "rows_written": written,
            "by_platform": MetadataValue.json({str(k): int(v) for k, v in by_platform.items()}),
            "accounts_failed": MetadataValue.json(collection.errors),
            # Rows whose account size is unknown train on the default size: set it with
            # `scheduling-platform accounts set-followers`.
            "rows_without_account_size": int(collection.rows["followers"].isna().sum()),
        }
    )


@asset(deps=[engagement_metrics], group_name="intelligence", pool="warehouse_writer")
def training_features(warehouse: WarehouseResource) -> Output[pd.DataFrame]:
    """Every engagement row with its features (also the warehouse table training_features)."""
    frame = build_training_features(warehouse.get_warehouse())
    return Output(
        frame,
        metadata={
            "rows": len(frame),
            "partitions": int(frame["partition"].nunique()) if len(frame) else 0,
            "features": MetadataValue.md(
                "\n".join(f"- `{n}` ({g}): {d}" for n, (g, d) in FEATURES.items())
            ),
        },
    )


@asset(group_name="intelligence")
def engagement_model(
    context: AssetExecutionContext, training_features: pd.DataFrame, task_store: TaskStoreResource
) -> Output[ModelArtifact]:
    """RandomForest baseline vs gradient-boosting candidates; the best on the holdout wins."""
    # Imported here: scikit-learn is for training runs, not for every process that loads defs.
    from scheduling_platform.intelligence.model import train_model

    registry = ModelRegistry(task_store.get_store())
    artifact = train_model(training_features, incumbent=registry.current())
    registry.register(artifact, detail=f"run {context.run_id}")
    summary = artifact.summary()
    return Output(
        artifact,
        metadata={
            "version": artifact.version,
            "candidate": artifact.candidate,
            "training_rows": artifact.rows,
            "partitions": MetadataValue.json(
                {
                    "first": summary["partitions"][0],
                    "last": summary["partitions"][-1],
                    "count": summary["partition_count"],
                }
            ),
            "holdout_r2": artifact.metrics["holdout_r2"],
            "holdout_mae": artifact.metrics["holdout_mae"],
            "cv_r2_mean": artifact.metrics["cv_r2_mean"],
            "cv_r2_spread": artifact.metrics["cv_r2_spread"],
            "baseline_holdout_r2": artifact.metrics["baseline_holdout_r2"],
            "compared_with": artifact.compared_with or "none",
            "importance_groups": MetadataValue.json(summary["importance_groups"]),
            "candidates": MetadataValue.json(artifact.candidates),
        },
    )


def _result(
    check: CheckResult, artifact: ModelArtifact, store: TaskStoreResource
) -> AssetCheckResult:
    if not check.passed:
        # Rejected on record; the blocking check keeps promoted_engagement_model from running.
        ModelRegistry(store.get_store()).reject(artifact.version, check.description)
    return AssetCheckResult(
        passed=check.passed,
        severity=AssetCheckSeverity.ERROR,
        description=check.description,
        metadata={"value": check.value, "threshold": check.threshold, "version": artifact.version},
    )


def _model_check(check_name: str, asset_check_name: str, description: str) -> AssetChecksDefinition:
    """A blocking check of `engagement_model`: the `check_model` result named `check_name`."""

    @asset_check(
        asset=engagement_model, name=asset_check_name, blocking=True, description=description
    )
    def _check(
        engagement_model: ModelArtifact,
        model_policy: ModelPolicyResource,
        task_store: TaskStoreResource,
    ) -> AssetCheckResult:
        checks = check_model(engagement_model, model_policy.thresholds())
        (check,) = [c for c in checks if c.name == check_name]
        return _result(check, engagement_model, task_store)

    return _check


holdout_r2_above_threshold = _model_check(
    "holdout_r2",
    "holdout_r2_above_threshold",
    "Holdout R² of log1p(engagement) above `model_policy.min_holdout_r2`.",
)
cv_spread_below_threshold = _model_check(
    "cv_spread",
    "cv_spread_below_threshold",
    "Standard deviation of the CV folds' R² below `model_policy.max_cv_spread`.",
)
beats_mean_baseline = _model_check(
    "beats_baseline",
    "beats_mean_baseline",
    "Holdout R² above the mean baseline's by `model_policy.min_gain`.",
)
beats_model_in_use = _model_check(
    "beats_in_use",
    "beats_model_in_use",
    "Holdout R² above the model in use's, on the holdout rows it never saw, by `min_gain`.",
)


@asset(group_name="intelligence")
def promoted_engagement_model(
    engagement_model: ModelArtifact,
    model_policy: ModelPolicyResource,
    task_store: TaskStoreResource,
) -> Output[str]:
    """The model in use: runs only when both checks passed, then puts the new version in use."""
    registry = ModelRegistry(task_store.get_store())
    previous = registry.current_version()
    outcome = conclude(
        registry,
        engagement_model,
        check_model(engagement_model, model_policy.thresholds()),
        actor="dagster",
    )
    return Output(
        outcome.in_use or "",
        metadata={
            "in_use": outcome.in_use or "",
            "previous": previous or "none",
            "promoted": outcome.promoted,
        },
    )
