"""Assembles the Dagster Definitions: the one module of the core that imports Dagster."""

from dagster import Definitions

from assets.engagement import engagement_metrics
from assets.model import (
    cv_spread_below_threshold,
    engagement_model,
    holdout_r2_above_threshold,
    promoted_engagement_model,
    training_features,
)
from assets.publish_log import publish_log
from assets.sql_models import sql_model_assets
from jobs.publish import publish_job
from jobs.retrain import engagement_job, retrain_job
from jobs.review import review_job
from resources.model_policy import ModelPolicyResource
from resources.platforms import PlatformsResource, platform_resource_from_env
from resources.store import TaskStoreResource
from resources.warehouse import WarehouseResource
from sensors.due_tasks import due_tasks_sensor
from sensors.retrain import (
    daily_engagement_schedule,
    retrain_on_new_engagement,
    weekly_retrain_schedule,
)
from sensors.review import review_sensor
from sensors.run_failures import publish_run_failure_sensor

defs = Definitions(
    assets=[
        publish_log,
        *sql_model_assets(),
        engagement_metrics,
        training_features,
        engagement_model,
        promoted_engagement_model,
    ],
    asset_checks=[holdout_r2_above_threshold, cv_spread_below_threshold],
    jobs=[publish_job, review_job, retrain_job, engagement_job],
    schedules=[weekly_retrain_schedule, daily_engagement_schedule],
    sensors=[
        due_tasks_sensor,
        publish_run_failure_sensor,
        review_sensor,
        retrain_on_new_engagement,
    ],
    resources={
        "task_store": TaskStoreResource(),
        "platforms": PlatformsResource(
            weibo=platform_resource_from_env("weibo"),
            wechat=platform_resource_from_env("wechat"),
            douyin=platform_resource_from_env("douyin"),
            toutiao=platform_resource_from_env("toutiao"),
            baijiahao=platform_resource_from_env("baijiahao"),
        ),
        "warehouse": WarehouseResource(),
        "model_policy": ModelPolicyResource(),
    },
)
