"""The strategies through the CLI, suggestions' reasons, and the immediate path's Dagster run."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path

import httpx
from click.testing import CliRunner, Result
from dagster import instance_for_test

from scheduling_platform.cli.main import main
from scheduling_platform.definitions import build_definitions
from scheduling_platform.intelligence.artifact import ModelArtifact
from scheduling_platform.lifecycle import TaskStatus
from scheduling_platform.publishing.immediate import JOB_NAME, run_config
from scheduling_platform.settings import Settings
from scheduling_platform.store.task_store import TaskStore
from scheduling_platform.timeutil import in_zone, utcnow
from tests.samples import write_media
from tests.strategies.conftest import put_in_use


def _invoke(*args: str, ok: bool = True) -> Result:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    assert (result.exit_code == 0) == ok, result.output
    return result


def _json(*args: str) -> dict:
    return json.loads(_invoke(*args, "--json").stdout)


def test_every_strategy_from_the_cli_douyin_video_included(
    platform_env: Settings, artifact: ModelArtifact, tmp_path: Path
) -> None:
    store = TaskStore.from_settings(platform_env)
    _invoke("tasks", "create", "--account", "1", "--content", "x", ok=False)  # no account
    _invoke("accounts", "add", "--platform", "weibo", "--name", "brand")
    _invoke("accounts", "add", "--platform", "douyin", "--name", "clips")
    # Day one: no model trained yet, the shipped prior curves choose, and the reasons say so.
    day_one = _invoke("tasks", "create", "--account", "1", "--content", "无模型")
    assert "model prior-" in day_one.output and "no trained model yet" in day_one.output
    (first,) = store.list_tasks()
    assert first.model_version.startswith("prior-") and store.decision_of(first.id) is False
    version = put_in_use(store, artifact)

    default = _json("tasks", "create", "--account", "1", "--content", "默认")
    assert default["strategy"] == "optimal_time" and default["model_version"] == version
    clip = write_media(tmp_path, "clip.mp4")
    video = _json(
        "tasks", "create", "--account", "2", "--content", "开箱", "--media", str(clip),
        "--strategy", "optimal_time", "--window", "2d",
    )  # fmt: skip
    assert video["strategy"] == "optimal_time" and video["predicted_engagement"] > 0
    assert utcnow() < store.get_task(video["id"]).scheduled_at <= utcnow() + timedelta(days=2)

    now = _invoke(
        "tasks", "create", "--account", "1", "--content", "现在", "--strategy", "immediate"
    )
    assert "(immediate)" in now.output and "next claims it" in now.output

    _invoke("accounts", "set-windows", "1", "--window", "sat,sun 10:00-12:00")
    shown = _json("accounts", "windows", "1")
    assert shown["summary"] == "sat,sun 10:00-12:00" and len(shown["windows"]) == 2
    liked = _json("tasks", "create", "--account", "1", "--content", "周末", "--strategy",
                  "user_preference")  # fmt: skip
    local = in_zone(store.get_task(liked["id"]).scheduled_at, "Asia/Shanghai")
    assert liked["strategy"] == "user_preference" and local.weekday() >= 5
    assert 10 <= local.hour < 12

    balanced = _json("tasks", "create", "--account", "1", "--content", "均衡", "--strategy",
                     "load_balance")  # fmt: skip
    assert balanced["strategy"] == "load_balance"
    at = (utcnow() + timedelta(days=3)).isoformat()
    fixed = _json("tasks", "create", "--account", "1", "--content", "定时", "--at", at)
    moved = _json("tasks", "create", "--account", "1", "--content", "挪开", "--at", at,
                  "--strategy", "conflict_avoidance")  # fmt: skip
    assert fixed["strategy"] == "fixed" and moved["moved_from"] is not None
    _invoke("accounts", "set-windows", "1", "--clear")
    assert _json("accounts", "windows", "1")["windows"] == []
    bad = _invoke("accounts", "set-windows", "1", "--window", "sometimes", ok=False)
    assert "is not like 'mon-fri 12:00-14:00'" in bad.output


def test_suggestions_name_real_quantities(platform_env: Settings, artifact: ModelArtifact) -> None:
    store = TaskStore.from_settings(platform_env)
    _invoke("accounts", "add", "--platform", "weibo", "--name", "brand")
    put_in_use(store, artifact)
    taken = _json("tasks", "create", "--account", "1", "--content", "占位")
    found = _json("suggest", "--account", "1", "--content", "新品 #新品#", "--top", "4")
    assert found["model_version"] == artifact.version and len(found["items"]) == 4
    items = found["items"]
    assert [i["predicted"] for i in items] == sorted((i["predicted"] for i in items), reverse=True)
    for item in items:
        assert item["low"] <= item["predicted"] <= item["high"]
        peak, conflicts, quota = item["reasons"]
        local = in_zone(utcnow(), "Asia/Shanghai").fromisoformat(item["local_time"])
        assert peak.startswith(f"Weibo {'weekend' if local.weekday() >= 5 else 'weekday'}")
        assert f"{local:%H:%M} peak" in peak
        # The reason names the prediction to the unit, the answer gives it to two decimals:
        # 934.5012 is "935 expected" and 934.5 (which formats as "934").
        expected = re.search(r": (\d+) expected", peak)
        assert expected and abs(int(expected[1]) - item["predicted"]) <= 0.505, peak
        assert conflicts == "no conflicts"
        assert quota.endswith("of 30 hourly posts left; " + quota.split("; ")[1])
    # The slot the first post took is neither suggested nor within Weibo's gap of one.
    taken_at = store.get_task(taken["id"]).scheduled_at
    for item in items:
        at = in_zone(utcnow(), "UTC").fromisoformat(item["at"])
        assert abs(at - taken_at) >= timedelta(minutes=5)
    same_hour = [i for i in items if i["at"][:13] == taken_at.isoformat()[:13]]
    assert all("29 of 30 hourly posts left" in i["reasons"][2] for i in same_hour)
    text = _invoke("suggest", "--account", "1", "--top", "2").output
    assert text.startswith(f"model {artifact.version}; best 2 free slots:")


def test_publish_now_job_claims_and_sends_once(platform_env: Settings, sandbox_url: str) -> None:
    _invoke("accounts", "add", "--platform", "weibo", "--name", "brand")
    task = _json(
        "tasks", "create", "--account", "1", "--content", "马上", "--strategy", "immediate"
    )
    store = TaskStore.from_settings(platform_env)
    job = build_definitions(platform_env).resolve_job_def(JOB_NAME)
    with instance_for_test() as instance:
        first = job.execute_in_process(run_config=run_config([task["id"]]), instance=instance)
        again = job.execute_in_process(run_config=run_config([task["id"]]), instance=instance)
    assert first.output_for_node("publish_now") == [task["id"]]
    assert again.success and again.output_for_node("publish_now") == []
    sent = store.get_task(task["id"])
    assert sent.status is TaskStatus.PUBLISHED and sent.published_at is not None
    assert httpx.get(f"{sandbox_url}/_sandbox/posts").json()["count"] == 1


def test_the_api_publishes_an_immediate_post_in_process(
    platform_env: Settings, sandbox_url: str
) -> None:
    """The API's immediate path: a run of publish_now_job in its process, on the instance."""
    from dagster import DagsterInstance

    from scheduling_platform.dagster_client import InProcessRuns
    from scheduling_platform.runtime.dagster_home import ensure_dagster_home
    from scheduling_platform.service.context import ServiceContext
    from scheduling_platform.service.tasks import CreateTaskRequest, create_task

    ensure_dagster_home(platform_env)
    _invoke("accounts", "add", "--platform", "weibo", "--name", "brand")
    ctx = ServiceContext(platform_env)
    runs = InProcessRuns(platform_env, wait=True)
    ctx.local_launcher = runs
    made = create_task(ctx, CreateTaskRequest(account_id=1, content="此刻", strategy="immediate"))
    assert made.dispatch and made.dispatch.startswith("publish run ")
    sent = ctx.store.get_task(made.id)
    assert sent.status is TaskStatus.PUBLISHED
    assert (sent.published_at - sent.scheduled_at).total_seconds() < 10
    run_id = made.dispatch.split()[2]
    runs.close()
    with DagsterInstance.from_config(str(platform_env.dagster_home)) as instance:
        run = instance.get_run_by_id(run_id)
    assert run is not None and run.job_name == JOB_NAME and run.tags["trigger"] == "immediate"


def test_in_process_runs_go_one_at_a_time_and_close_waits_for_them(
    platform_env: Settings, sandbox_url: str
) -> None:
    """The API's runs in a thread: Dagster reconfigures logging as each starts, so two at once
    in one process could deadlock; they run in turn, and close returns when they are done."""
    from dagster import DagsterInstance, RunsFilter

    from scheduling_platform.dagster_client import InProcessRuns
    from scheduling_platform.runtime.dagster_home import ensure_dagster_home
    from scheduling_platform.service.context import ServiceContext
    from scheduling_platform.service.tasks import CreateTaskRequest, create_task

    ensure_dagster_home(platform_env)
    for name in ("a", "b", "c"):  # one post each: an account's posts keep minutes apart
        _invoke("accounts", "add", "--platform", "weibo", "--name", name)
    ctx = ServiceContext(platform_env)
    runs = InProcessRuns(platform_env, wait=False)
    ctx.local_launcher = runs
    made = [
        create_task(ctx, CreateTaskRequest(account_id=i, content="此刻", strategy="immediate"))
        for i in (1, 2, 3)
    ]
    runs.close()  # returns once every run started above has ended
    assert all(ctx.store.get_task(m.id).status is TaskStatus.PUBLISHED for m in made)
    with DagsterInstance.from_config(str(platform_env.dagster_home)) as instance:
        records = instance.get_run_records(RunsFilter(job_name=JOB_NAME))
    spans = sorted((r.start_time, r.end_time) for r in records)
    assert len(spans) == 3 and all(start and end for start, end in spans)
    assert all(spans[i][1] <= spans[i + 1][0] for i in range(2)), spans
