"""retrain_job: features, model and promotion; engagement_job: one day's metrics."""

from dagster import AssetSelection, define_asset_job

from assets.intelligence import (
    engagement_metrics,
    engagement_model,
    promoted_engagement_model,
    training_features,
)

retrain_job = define_asset_job(
    "retrain_job",
    selection=AssetSelection.assets(training_features, engagement_model, promoted_engagement_model),
    description="Rebuild training features, train and check a model, promote it if it passes.",
)

engagement_job = define_asset_job(
    "engagement_job",
    selection=AssetSelection.assets(engagement_metrics),
    description="Pull one day's engagement of published posts into the warehouse.",
)
