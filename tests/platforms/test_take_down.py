"""`tasks delete-post`: a live post taken down where the platform can, through the service
and the CLI, against the sandbox; elsewhere a one-line refusal that changes nothing (the API:
tests/api/test_cancel_api.py)."""

from __future__ import annotations

import json
import time
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from scheduling_platform.cli.main import main
from scheduling_platform.fingerprints import band_keys
from scheduling_platform.platforms.base import PlatformError
from scheduling_platform.publishing.publisher import BatchPublisher
from scheduling_platform.service.accounts import AddAccountRequest, add_account
from scheduling_platform.service.cancellation import cancel_task, delete_post
from scheduling_platform.service.context import ServiceContext
from scheduling_platform.service.errors import NotCancelledError
from scheduling_platform.service.tasks import CreateTaskRequest, create_task
from scheduling_platform.settings import Settings
from scheduling_platform.timeutil import utcnow
from tests.platforms.conftest import REVIEW_DELAY, Sandbox
from tests.samples import write_media

PLATFORMS = ("weibo", "wechat", "baijiahao", "toutiao", "douyin")
CAN_DELETE = {"weibo", "wechat", "baijiahao"}


def published_on_each_platform(
    ctx: ServiceContext, sandbox: Sandbox, tmp_path: Path, platforms: tuple[str, ...] = PLATFORMS
) -> dict[str, int]:
    """One task a platform, sent by the real publisher; the reviews are over."""
    media = {
        "wechat": [str(write_media(tmp_path, "cover.jpg"))],
        "douyin": [str(write_media(tmp_path, "clip.mp4"))],
    }
    band_keys("warm up")  # their first use builds tables for seconds
    ids = {}
    for platform in platforms:
        account = add_account(ctx, AddAccountRequest(platform=platform, name=f"{platform}-1"))
        at = utcnow() + timedelta(seconds=1)
        request = CreateTaskRequest(
            account_id=account.id,
            content=f"{platform} 正文",
            title=None if platform in ("weibo", "douyin") else f"{platform} 的标题",
            at=at,
            media=media.get(platform, []),
        )
        ids[platform] = create_task(ctx, request).id
    horizon = utcnow() + timedelta(minutes=1)
    ctx.store.claim_due_tasks(
        horizon=horizon, claim_batch_prefix="t", lease_until=horizon + timedelta(minutes=5)
    )
    clients = {p: ctx.client(p) for p in platforms}
    for platform in platforms:
        (outcome,) = BatchPublisher(ctx.store, clients).publish_batch(f"t:{platform}")
        assert outcome.platform_post_id, outcome
    time.sleep(REVIEW_DELAY + 0.1)
    return ids


def statuses_on(sandbox: Sandbox, platform: str) -> list[str]:
    return [p["review_status"] for p in sandbox.posts(platform)]


def test_delete_post_takes_it_down_where_the_platform_can_and_nowhere_else(
    platform_env: Settings, sandbox: Sandbox, tmp_path: Path
) -> None:
    ctx = ServiceContext(platform_env, actor="test")
    ids = published_on_each_platform(ctx, sandbox, tmp_path)
    for platform, task_id in ids.items():
        before = ctx.store.get_task(task_id)
        with pytest.raises(NotCancelledError, match="delete-post"):
            cancel_task(ctx, task_id)  # out: never reported cancelled
        if platform not in CAN_DELETE:
            with pytest.raises(PlatformError, match="offers no way.*nothing changed"):
                delete_post(ctx, task_id)
            assert ctx.store.get_task(task_id) == before
            assert statuses_on(sandbox, platform) == ["published"]
            continue
        deleted = delete_post(ctx, task_id)
        assert deleted.status == "post_deleted"
        assert deleted.platform_post_id == before.platform_post_id
        assert statuses_on(sandbox, platform) == ["deleted"], platform
        trail = ctx.store.audit_trail(task_id)
        assert trail[-1]["to_status"] == "post_deleted" and "deleted from" in trail[-1]["detail"]
        with pytest.raises(ValueError, match="no post on"):
            delete_post(ctx, task_id)  # nothing left to take down


def _cli(*args: str, ok: bool = True):
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    assert (result.exit_code == 0) == ok, result.output
    return result


def test_the_cli_deletes_a_weibo_post_and_refuses_toutiao_in_one_line(
    platform_env: Settings, sandbox: Sandbox, tmp_path: Path
) -> None:
    ctx = ServiceContext(platform_env)
    ids = published_on_each_platform(ctx, sandbox, tmp_path, ("weibo", "toutiao"))
    refused = _cli("tasks", "cancel", str(ids["weibo"]), "--json", ok=False)
    body = json.loads(refused.stdout)
    assert body["outcome"] == "published" and body["task"]["status"] == "published"
    done = json.loads(_cli("tasks", "delete-post", str(ids["weibo"]), "--json").stdout)
    assert done["status"] == "post_deleted"
    assert statuses_on(sandbox, "weibo") == ["deleted"]
    no_way = _cli("tasks", "delete-post", str(ids["toutiao"]), ok=False)
    assert no_way.stderr.strip().splitlines() == [
        "Error: Toutiao offers no way to delete a post through its API; nothing changed"
    ]
    assert statuses_on(sandbox, "toutiao") == ["published"]
