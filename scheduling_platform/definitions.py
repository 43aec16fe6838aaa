"""Assembles the Dagster Definitions: the one module of the core that imports Dagster."""

from dagster import Definitions

from assets.publish_log import publish_log
from assets.sql_models import sql_model_assets
from jobs.publish import publish_job
from jobs.review import review_job
from resources.platforms import PlatformsResource, platform_resource_from_env
from resources.store import TaskStoreResource
from resources.warehouse import WarehouseResource
from sensors.due_tasks import due_tasks_sensor
from sensors.review import review_sensor

defs = Definitions(
    assets=[publish_log, *sql_model_assets()],
    jobs=[publish_job, review_job],
    sensors=[due_tasks_sensor, review_sensor],
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
    },
)
