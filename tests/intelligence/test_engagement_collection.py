"""Collected engagement carries each account's size and each post's media, from the store."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pandas as pd
from click.testing import CliRunner
from sqlalchemy import update

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
from scheduling_platform.store.schema import tasks
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


def test_a_post_two_tasks_name_is_counted_once(platform_env: Settings) -> None:
    """The same Weibo account in two workspaces, and both tasks naming one post."""
    store = TaskStore.from_settings(platform_env)
    here = add_account(store, platform_env, platform="weibo", name="brand")
    there_ws = store.create_workspace("agency")
    there = add_account(
        store, platform_env, platform="weibo", name="brand", workspace_id=there_ws.id
    )
    first = publish_on_sandbox(store, platform_env, here, "同一条 http://x.cn", NOON)
    second = store.create_task(there, "同一条 http://x.cn", NOON)
    with store.engine.begin() as conn:
        conn.execute(
            update(tasks)
            .where(tasks.c.id == second.id)
            .values(status="published", platform_post_id=first.platform_post_id, published_at=NOON)
        )

    def client_for(platform: str):
        return make_client(platform, sandbox_base_url(platform, platform_env))

    collection = collect_engagement(store, client_for, NOON, NOON + timedelta(hours=1))
    assert collection.rows["post_key"].tolist() == [f"weibo:{first.platform_post_id}"]
    assert collection.rows["account_key"].tolist() == [f"account:{here.id}"]
    warehouse = Warehouse(platform_env.resolved_warehouse_url)
    twice = pd.concat([collection.rows, collection.rows])
    assert store_rows(warehouse, twice) == 1
    assert len(load_engagement(warehouse)) == 1


def test_engagement_collect_runs_the_loop_without_the_ui(platform_env: Settings) -> None:
    store = TaskStore.from_settings(platform_env)
    weibo = add_account(store, platform_env, platform="weibo", name="w", followers=5_000)
    first = _publish(store, platform_env, weibo)
    _publish(store, platform_env, weibo)
    runner = CliRunner()
    collected = runner.invoke(main, ["engagement", "collect", "--days", "3", "--json"])
    assert collected.exit_code == 0, collected.output
    assert '"rows_written": 2' in collected.output and '"weibo": 2' in collected.output
    rows = load_engagement(Warehouse(platform_env.resolved_warehouse_url))
    assert len(rows) == 2 and (rows["collected_at"] > NOON).all()
    # Weibo's counts API has no reads field: none is read, the metric is 0 as in imports.
    assert (rows["reads"] == 0).all() and (rows["likes"] + rows["shares"] >= 0).all()
    assert f"weibo:{store.get_task(first).platform_post_id}" in set(rows["post_key"])
    # Collected again: the same posts, replaced rather than added.
    again = runner.invoke(main, ["engagement", "collect"])
    assert again.exit_code == 0 and again.output.startswith("2 of 2 posts collected (weibo 2)")
    assert len(load_engagement(Warehouse(platform_env.resolved_warehouse_url))) == 2
    refused = runner.invoke(main, ["engagement", "collect", "--days", "0"])
    assert refused.exit_code == 2 and "--days" in refused.output
