"""The lineage on a real Dagster instance: metrics from the sandbox, features, model, checks.

A passing model is promoted; a model failing a (stricter) check is blocked and the one in use
stays in use.
"""

from __future__ import annotations

from datetime import timedelta

from dagster import AssetKey, DagsterInstance, instance_for_test, materialize

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
from resources.policies import ModelPolicyResource
from scheduling_platform.accounts.registration import add_account
from scheduling_platform.definitions import build_resources
from scheduling_platform.intelligence.engagement import load_engagement, store_rows
from scheduling_platform.intelligence.registry import ModelRegistry
from scheduling_platform.sandbox.engagement_profile import load_profile
from scheduling_platform.sandbox.history import simulate_history
from scheduling_platform.settings import Settings
from scheduling_platform.store.task_store import TaskStore
from scheduling_platform.store.warehouse import Warehouse
from scheduling_platform.timeutil import utcnow
from tests.intelligence.published import publish_on_sandbox

YESTERDAY_NOON = (utcnow() - timedelta(days=1)).replace(hour=12, minute=0)
MODEL_CHAIN = [
    training_features,
    engagement_model,
    holdout_r2_above_threshold,
    beats_mean_baseline,
    beats_model_in_use,
    cv_spread_below_threshold,
    promoted_engagement_model,
]


def _published_weibo_posts(store: TaskStore, settings: Settings, count: int) -> list[str]:
    """Posts really published on the sandbox, recorded as published tasks."""
    account = add_account(store, settings, platform="weibo", name="brand")
    return [
        str(
            publish_on_sandbox(
                store,
                settings,
                account,
                f"post {n} http://example.cn",
                YESTERDAY_NOON + timedelta(minutes=n),
            ).platform_post_id
        )
        for n in range(count)
    ]


def _resources(settings: Settings, min_r2: float = 0.75) -> dict:
    return {**build_resources(settings), "model_policy": ModelPolicyResource(min_holdout_r2=min_r2)}


def _check_outcomes(instance: DagsterInstance, run_id: str) -> dict[str, bool]:
    events = instance.all_logs(run_id)
    return {
        e.dagster_event.event_specific_data.check_name: e.dagster_event.event_specific_data.passed
        for e in events
        if e.dagster_event and e.dagster_event.event_type_value == "ASSET_CHECK_EVALUATION"
    }


def test_chain_materializes_and_failing_checks_block_promotion(platform_env: Settings) -> None:
    store = TaskStore.from_settings(platform_env)
    warehouse = Warehouse(platform_env.resolved_warehouse_url)
    ids = _published_weibo_posts(store, platform_env, 5)
    # Eight weeks of simulated history give the model enough to learn from.
    history = simulate_history(
        load_profile(), end=utcnow() - timedelta(days=3), platforms=("weibo",), seed=2
    )
    store_rows(warehouse, history)

    with instance_for_test() as instance:
        day = YESTERDAY_NOON.date().isoformat()
        pulled = materialize(
            [engagement_metrics],
            partition_key=day,
            resources=_resources(platform_env),
            instance=instance,
        )
        assert pulled.success
        metadata = pulled.asset_materializations_for_node("engagement_metrics")[0].metadata
        assert metadata["rows_written"].value == 5 and metadata["posts_asked"].value == 5
        assert metadata["rows_without_account_size"].value == 5  # "brand" has no size set
        rows = load_engagement(warehouse)
        assert set(rows["post_key"]) >= {f"weibo:{i}" for i in ids}

        first = materialize(
            MODEL_CHAIN, resources=_resources(platform_env, min_r2=0.5), instance=instance
        )
        assert first.success
        assert _check_outcomes(instance, first.run_id) == {
            "holdout_r2_above_threshold": True,
            "cv_spread_below_threshold": True,
            "beats_mean_baseline": True,
            "beats_model_in_use": True,
        }
        model_meta = first.asset_materializations_for_node("engagement_model")[0].metadata
        version = model_meta["version"].value
        assert model_meta["training_rows"].value == len(rows)
        assert model_meta["holdout_r2"].value > 0.5
        assert set(model_meta["importance_groups"].value) == {
            "time",
            "content",
            "account",
            "platform",
        }
        registry = ModelRegistry(store)
        assert registry.current_version() == version

        strict = materialize(
            MODEL_CHAIN,
            resources=_resources(platform_env, min_r2=0.9999),
            instance=instance,
            raise_on_error=False,
        )
        assert _check_outcomes(instance, strict.run_id) == {
            "holdout_r2_above_threshold": False,
            "cv_spread_below_threshold": True,
            "beats_mean_baseline": True,
            "beats_model_in_use": True,  # no holdout row is newer than the model in use
        }
        promoted = strict.asset_materializations_for_node("promoted_engagement_model")
        assert promoted == []  # blocked: the failing check stopped the promotion
        assert registry.current_version() == version
        statuses = {e.version: e.status for e in registry.list()}
        assert sorted(statuses.values()) == ["promoted", "rejected"]
        lineage = instance.get_latest_materialization_event(AssetKey("engagement_model"))
        assert lineage is not None
