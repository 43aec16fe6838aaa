"""Tasks for all five platforms scheduled through the CLI go out by the sensor path, each once."""

from __future__ import annotations

import json
import time
from datetime import timedelta
from pathlib import Path

from click.testing import CliRunner
from dagster import Definitions, instance_for_test

from scheduling_platform.cli.main import main
from scheduling_platform.settings import Settings
from scheduling_platform.store.task_store import TaskStore
from scheduling_platform.timeutil import utcnow
from sensors.ticks import run_one_tick, run_review_tick
from tests.platforms.conftest import REVIEW_DELAY, Sandbox
from tests.samples import write_media

TITLES = {
    "weibo": None,
    "wechat": "公众号的标题",
    "toutiao": "头条号的标题",
    "baijiahao": "百家号的标题",
    "douyin": None,
}


def _cli(*args: str, ok: bool = True) -> dict:
    result = CliRunner().invoke(main, [*args, "--json"], catch_exceptions=False)
    assert (result.exit_code == 0) == ok, result.output
    return json.loads(result.stdout)


def test_cli_tasks_are_published_by_the_sensor_path_once(
    platform_env: Settings, platform_defs: Definitions, sandbox: Sandbox, tmp_path: Path
) -> None:
    video = write_media(tmp_path, "clip.mp4")
    cover = write_media(tmp_path, "cover.jpg")

    # Each create names a time just ahead of itself: one computed up front can be past by the
    # last create on a loaded machine.
    def soon() -> str:
        return (utcnow() + timedelta(seconds=2)).isoformat()

    douyin = _cli("accounts", "add", "--platform", "douyin", "--name", "studio")
    refused = _cli(
        "tasks",
        "create",
        "--account",
        str(douyin["id"]),
        "--content",
        "x",
        "--at",
        soon(),
        ok=False,
    )
    assert "needs a video" in refused["error"]
    task_ids = {}
    for platform, title in TITLES.items():
        account = _cli("accounts", "add", "--platform", platform, "--name", f"{platform}-brand")
        extra = ["--title", title] if title else []
        if platform == "douyin":
            extra = ["--media", str(video)]
        if platform == "wechat":
            extra += ["--media", str(cover)]  # an article's cover is required
        task = _cli(
            "tasks", "create", "--account", str(account["id"]), "--content", f"{platform} 正文",
            "--at", soon(), *extra,
        )  # fmt: skip
        task_ids[platform] = task["id"]
    store = TaskStore.from_settings(platform_env)
    with instance_for_test() as instance:
        runs = run_one_tick(instance, platform_defs)
        assert sorted(r["platform"] for r in runs) == sorted(TITLES)
        assert all(r["success"] for r in runs)
        status = {p: store.get_task(i).status.value for p, i in task_ids.items()}
        assert status == {
            "weibo": "published",
            "toutiao": "published",
            "wechat": "submitted",
            "baijiahao": "submitted",
            "douyin": "submitted",
        }
        time.sleep(REVIEW_DELAY + 0.2)
        (counts,) = run_review_tick(instance, platform_defs)
        assert counts == {"published": 3}
        assert run_review_tick(instance, platform_defs) == []  # nothing waits any more
        assert run_one_tick(instance, platform_defs) == []
    assert {store.get_task(i).status.value for i in task_ids.values()} == {"published"}
    posts = sandbox.posts()
    assert sorted(p["platform"] for p in posts) == sorted(TITLES)  # each exactly once
    assert {p["review_status"] for p in posts} == {"published"}
