"""Assembles the Dagster Definitions from the settings: the one place the Dagster code reads them.

Resources carry the real values (the UI shows them); secrets reach them through `EnvVar`, which
Dagster resolves at launch and never shows.
"""

import warnings

from dagster import Definitions, EnvVar

from assets.analytics import publish_log, sql_model_assets, sql_model_checks
from assets.conflicts import conflict_rules, content_similarity, task_media, task_snapshot
from assets.experiments import experiment_reports
from assets.extraction import extraction_assets
from assets.intelligence import (
    beats_mean_baseline,
    beats_model_in_use,
    cv_spread_below_threshold,
    engagement_metrics,
    engagement_model,
    holdout_r2_above_threshold,
    promoted_engagement_model,
    training_features,
)
from jobs.analytics import analytics_job, retention_job
from jobs.intelligence import engagement_job, retrain_job
from jobs.publishing import publish_job, publish_now_job
from jobs.review import review_job
from jobs.series import series_expansion_job
from resources.platforms import platforms_resource
from resources.policies import (
    AlertsResource,
    ModelPolicyResource,
    PublishPolicyResource,
    RetentionPolicyResource,
    SchedulingPolicyResource,
)
from resources.store import TaskStoreResource
from resources.warehouse import WarehouseResource
from scheduling_platform.settings import Settings, get_settings
from scheduling_platform.vault import KEY_FILE_NAME
from sensors.alerts import build_attention_alerts_sensor
from sensors.analytics import build_analytics_schedule, build_retention_schedule
from sensors.intelligence import (
    daily_engagement_schedule,
    retrain_on_new_engagement,
    weekly_retrain_schedule,
)
from sensors.publishing import build_due_tasks_sensor, publish_run_failure_sensor
from sensors.review import build_review_sensor
from sensors.series import build_series_expansion_schedule

# Dagster itself passes `owners=None` when it binds resources to a sensor's job, and warns that
# the parameter is in beta at every code-location load; the warning is not about our code.
warnings.filterwarnings("ignore", message="Parameter `owners` of initializer `SensorDefinition")


def _secret(value: object, variable: str) -> str | EnvVar:
    """An `EnvVar` when the setting is set (so the value is never shown), else empty."""
    return EnvVar(variable) if value else ""


def build_resources(settings: Settings) -> dict[str, object]:
    """Every resource the assets, jobs and sensors use, configured from `settings`."""
    return {
        "task_store": TaskStoreResource(
            database_url=_secret(settings.database_url, "SCHEDULING_DATABASE_URL")
            or settings.resolved_database_url,
            keyring_file=str(settings.home / KEY_FILE_NAME),
            encryption_key=_secret(settings.encryption_key, "SCHEDULING_ENCRYPTION_KEY"),
            encryption_keys=_secret(settings.encryption_keys, "SCHEDULING_ENCRYPTION_KEYS"),
            create_missing_key=settings.database_url is None,
        ),
        "warehouse": WarehouseResource(
            warehouse_url=_secret(settings.warehouse_url, "SCHEDULING_WAREHOUSE_URL")
            or settings.resolved_warehouse_url
        ),
        "platforms": platforms_resource(settings),
        "publish_policy": PublishPolicyResource(
            claim_lookahead_seconds=settings.claim_lookahead_seconds,
            lease_seconds=settings.lease_seconds,
            max_lateness_seconds=settings.max_lateness_seconds,
            publish_concurrency=settings.publish_concurrency,
            platform_rate_per_second=dict(settings.platform_rate_per_second),
            retry_base_seconds=settings.retry_base_seconds,
            verify_clock_skew_seconds=settings.verify_clock_skew_seconds,
            quota_windows=dict(settings.quota_windows),
        ),
        "model_policy": ModelPolicyResource(retrain_min_new_rows=settings.retrain_min_new_rows),
        "scheduling_policy": SchedulingPolicyResource(
            min_gap_minutes=dict(settings.min_gap_minutes),
            media_gap_minutes=settings.media_gap_minutes,
            hourly_quotas=dict(settings.hourly_quotas),
            daily_quotas=dict(settings.daily_quotas),
            near_duplicate_threshold=settings.near_duplicate_threshold,
            duplicate_window_days=settings.duplicate_window_days,
            series_horizon_days=settings.series_horizon_days,
            series_max_ahead=settings.series_max_ahead,
        ),
        "retention_policy": RetentionPolicyResource(
            log_days=settings.retention_log_days,
            performance_days=settings.retention_performance_days,
            batch_rows=settings.retention_batch_rows,
        ),
        "alerts": AlertsResource(
            webhook_url=_secret(settings.alert_webhook_url, "SCHEDULING_ALERT_WEBHOOK_URL")
        ),
    }


def build_definitions(settings: Settings) -> Definitions:
    """The code location: assets, checks, jobs, schedules, sensors and resources."""
    return Definitions(
        assets=[
            publish_log,
            *extraction_assets(),
            task_snapshot,
            task_media,
            conflict_rules,
            content_similarity,
            *sql_model_assets(),
            engagement_metrics,
            training_features,
            engagement_model,
            promoted_engagement_model,
            experiment_reports,
        ],
        asset_checks=[
            holdout_r2_above_threshold,
            cv_spread_below_threshold,
            beats_mean_baseline,
            beats_model_in_use,
            *sql_model_checks(),
        ],
        jobs=[
            publish_job,
            publish_now_job,
            review_job,
            retrain_job,
            engagement_job,
            series_expansion_job,
            analytics_job,
            retention_job,
        ],
        schedules=[
            weekly_retrain_schedule,
            daily_engagement_schedule,
            build_series_expansion_schedule(settings.series_expansion_cron),
            build_analytics_schedule(settings.analytics_cron),
            build_retention_schedule(settings.retention_cron),
        ],
        sensors=[
            build_due_tasks_sensor(settings.sensor_interval_seconds),
            publish_run_failure_sensor,
            build_attention_alerts_sensor(settings.sensor_interval_seconds),
            build_review_sensor(settings.review_interval_seconds),
            retrain_on_new_engagement,
        ],
        resources=build_resources(settings),
    )


defs = build_definitions(get_settings())
