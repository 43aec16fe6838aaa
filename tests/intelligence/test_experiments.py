"""A/B experiments of strategies: random arms by share, the report's uplift and interval, in
the CLI and as a Dagster asset."""

from __future__ import annotations

import json
from datetime import timedelta

import numpy as np
import pandas as pd
from click.testing import CliRunner
from dagster import materialize
from sqlalchemy import update

from assets.experiments import experiment_reports
from scheduling_platform.accounts.registration import add_account
from scheduling_platform.cli.main import main
from scheduling_platform.definitions import build_resources
from scheduling_platform.intelligence.engagement import store_rows
from scheduling_platform.intelligence.features import ENGAGEMENT_COLUMNS
from scheduling_platform.lifecycle import TaskStatus
from scheduling_platform.service.experiments import ExperimentPostRequest, post_to_experiment
from scheduling_platform.service.workspaces import admin_context
from scheduling_platform.settings import Settings
from scheduling_platform.store.schema import tasks
from scheduling_platform.store.task_store import TaskStore
from scheduling_platform.store.warehouse import Warehouse
from scheduling_platform.timeutil import utcnow


def _cli(*args: str, code: int = 0) -> str:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    assert result.exit_code == code, result.output
    return result.output


def _published_with(store: TaskStore, warehouse: Warehouse, engagement: dict[int, int]) -> None:
    """The tasks as if out, and engagement rows for them (as collection writes them)."""
    rows = []
    for task_id, total in engagement.items():
        task = store.get_task(task_id)
        with store.engine.begin() as conn:
            conn.execute(
                update(tasks)
                .where(tasks.c.id == task_id)
                .values(status=TaskStatus.PUBLISHED.value, platform_post_id=f"p{task_id}")
            )
        rows.append(
            {
                **dict.fromkeys(ENGAGEMENT_COLUMNS, 0),
                "post_key": f"weibo:p{task_id}",
                "source": "platform",
                "platform": "weibo",
                "account_key": f"account:{task.account_id}",
                "posted_at": task.scheduled_at,
                "timezone": "Asia/Shanghai",
                "content_type": "text",
                "followers": 1000.0,
                "likes": total,
                "collected_at": utcnow(),
                "partition": task.scheduled_at.date().isoformat(),
            }
        )
    store_rows(warehouse, pd.DataFrame(rows))


def test_arms_by_share_and_a_report_with_uplift_and_interval(platform_env: Settings) -> None:
    store = TaskStore.from_settings(platform_env)
    warehouse = Warehouse(platform_env.resolved_warehouse_url)
    account = add_account(store, platform_env, platform="weibo", name="w")
    for bad, says in (
        (["--strategies", "optimal_time,fixed,immediate"], "two different strategies"),
        (["--strategies", "optimal_time,psychic"], "strategies must be among"),
        (["--strategies", "optimal_time,fixed", "--share", "50/x"], "shares look like 50/50"),
        (["--strategies", "optimal_time,fixed", "--accounts", "99"], "no account with id 99"),
    ):
        accounts = [] if "--accounts" in bad else ["--accounts", str(account.id)]
        assert says in _cli("experiments", "create", *bad, *accounts, code=1)
    assert store.list_experiments() == []  # refused whole, nothing stored

    created = json.loads(
        _cli(
            "experiments",
            "create",
            "--name",
            "timing",
            "--strategies",
            "fixed,optimal_time",
            "--share",
            "30/70",
            "--accounts",
            str(account.id),
            "--json",
        )
    )
    assert created["arms"] == {"fixed": 0.3, "optimal_time": 0.7}
    at = (utcnow() + timedelta(days=1)).replace(microsecond=0).isoformat()
    arms: dict[int, str] = {}
    one = _cli(
        "experiments",
        "post",
        str(created["id"]),
        "--account",
        str(account.id),
        "--content",
        "post 0",
        "--at",
        at,
        "--json",
    )
    posted = json.loads(one)
    arms[posted["task"]["id"]] = posted["arm"]
    ctx = admin_context(Settings(), "default")  # the CLI's service, without a process a post
    for i in range(1, 40):
        request = ExperimentPostRequest(
            experiment_id=created["id"], account_id=account.id, content=f"post {i}", at=at
        )
        result = post_to_experiment(ctx, request)
        arms[result.task.id] = result.arm
        if result.arm == "fixed":  # the fixed arm keeps the requested time
            assert result.task.scheduled_at.isoformat().startswith(at[:16])
    # 30% of 40 at random: 12 expected; outside 2..24 once in about 100,000 runs.
    assert 2 <= list(arms.values()).count("fixed") <= 24
    assert store.assignments(created["id"]) == arms

    before = _cli("experiments", "report", str(created["id"]))
    assert "uplift: not yet" in before and "0 measured" in before
    # Observed engagement: the optimal_time arm's posts earn about twice the fixed arm's.
    # The arms are drawn at random, so the fixed arm may hold as few as 2 posts. With 10%
    # noise a post the uplift (1.0) left 0.6..1.4 in none of 200,000 simulated draws; with
    # the 30% this test had, it left 0.7..1.3 in one draw in six (and failed in CI runs).
    rng = np.random.default_rng(0)
    base = {"fixed": 1000, "optimal_time": 2000}
    _published_with(
        store, warehouse, {t: int(base[a] * rng.lognormal(0, 0.1)) for t, a in arms.items()}
    )
    report = json.loads(_cli("experiments", "report", str(created["id"]), "--json"))
    assert [a["measured"] for a in report["arms"]] == [a["tasks"] for a in report["arms"]]
    assert 0.6 < report["uplift"] < 1.4
    assert 0 < report["ci_low"] < report["uplift"] < report["ci_high"]
    text = _cli("experiments", "report", str(created["id"]))
    assert "uplift of optimal_time over fixed: +" in text and "95% CI" in text

    result = materialize([experiment_reports], resources=build_resources(platform_env))
    assert result.success
    meta = result.asset_materializations_for_node("experiment_reports")[0].metadata
    assert meta["experiments"].value == 1
    table = meta["reports"].value[str(created["id"])]
    assert table["uplift"] == report["uplift"] and table["arms"]["fixed"]["measured"] > 0
