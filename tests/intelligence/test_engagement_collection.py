"""Collected engagement carries each account's size and each post's media, from the store."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
from click.testing import CliRunner

from scheduling_platform.accounts.registration import add_account
from scheduling_platform.cli.main import main
from scheduling_platform.intelligence.engagement import (
    collect_engagement,
    load_engagement,
    store_rows,
)
from scheduling_platform.intelligence.features import DEFAULT_FOLLOWERS, feature_frame
from scheduling_platform.platforms.registry import make_client, sandbox_base_url
from scheduling_platform.settings import Settings
from scheduling_platform.store.records import Account
from scheduling_platform.store.task_store import TaskStore
from scheduling_platform.store.warehouse import Warehouse
from scheduling_platform.timeutil import utcnow
from tests.intelligence.published import publish_on_sandbox

NOON = utcnow().replace(hour=12, minute=0, second=0, microsecond=0) - timedelta(days=1)


def _publish(store: TaskStore, settings: Settings, account: Account, **task: object) -> int:
    text = f"新品 #上新# http://x.cn {len(store.list_tasks())}"  # Weibo refuses a repeat
    return publish_on_sandbox(store, settings, account, text, NOON, **task).id  # type: ignore[arg-type]


def test_rows_carry_the_account_size_and_the_post_media(platform_env: Settings) -> None:
    store = TaskStore.from_settings(platform_env)
    sized = add_account(store, platform_env, platform="weibo", name="big", followers=250_000)
    unsized = add_account(store, platform_env, platform="weibo", name="new")
    video = _publish(store, platform_env, sized, media=("clip.mp4", "cover.jpg"))
    photo = _publish(store, platform_env, unsized, media=("a.png",))
    plain = _publish(store, platform_env, unsized)

    asked_at = []

    def client_for(platform: str):
        asked_at.append(utcnow())
        return make_client(platform, sandbox_base_url(platform, platform_env))

    collection = collect_engagement(store, client_for, NOON, NOON + timedelta(hours=1))
    assert collection.errors == {}
    # Stamped once the platforms have answered: the retrain sensor counts rows by this time.
    assert (collection.rows["collected_at"] > max(asked_at)).all()
    rows = collection.rows.set_index(collection.rows["post_key"].str.split(":").str[1])
    by_task = {t.id: rows.loc[t.platform_post_id] for t in store.list_tasks()}
    assert by_task[video]["followers"] == 250_000.0
    assert np.isnan(by_task[photo]["followers"]) and np.isnan(by_task[plain]["followers"])
    assert (by_task[video]["content_type"], by_task[video]["media_count"]) == ("video", 2)
    assert (by_task[photo]["content_type"], by_task[photo]["media_count"]) == ("image", 1)
    assert (by_task[plain]["content_type"], by_task[plain]["media_count"]) == ("text", 0)

    # Through the warehouse and into features: an unknown size is read as the default.
    warehouse = Warehouse(platform_env.resolved_warehouse_url)
    store_rows(warehouse, collection.rows)
    stored = load_engagement(warehouse).sort_values("followers", na_position="last")
    assert stored["followers"].isna().sum() == 2
    logs = feature_frame(stored)["log_followers"].round(6).tolist()
    assert logs == [round(float(np.log1p(v)), 6) for v in (250_000, *[DEFAULT_FOLLOWERS] * 2)]


def test_operators_set_an_account_size_from_the_cli(platform_env: Settings) -> None:
    runner = CliRunner()
    added = runner.invoke(
        main, ["accounts", "add", "--platform", "douyin", "--name", "d", "--json"]
    )
    assert added.exit_code == 0, added.output
    assert '"followers": null' in added.output
    account_id = TaskStore.from_settings(platform_env).list_accounts()[0].id
    set_ = runner.invoke(main, ["accounts", "set-followers", str(account_id), "12000"])
    assert set_.exit_code == 0 and "12000 followers" in set_.output
    store = TaskStore.from_settings(platform_env)
    assert store.get_account(account_id).followers == 12_000
    listed = runner.invoke(main, ["accounts", "list"])
    assert listed.output.strip().endswith("d  (Asia/Shanghai, 12,000 followers)")
    refused = runner.invoke(main, ["accounts", "set-followers", "--", str(account_id), "-3"])
    assert refused.exit_code == 2 and "-3 is not in the range 0<=x" in refused.output
    missing = runner.invoke(main, ["accounts", "set-followers", "999", "10"])
    assert missing.exit_code == 1 and "no account with id 999" in missing.output
    assert store.get_account(account_id).followers == 12_000
