"""The sandbox's own surface: the posts list, its controls, metrics from the profile."""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from click.testing import CliRunner

from scheduling_platform.cli.main import main
from scheduling_platform.platforms.base import Post
from scheduling_platform.platforms.weibo import WeiboClient
from scheduling_platform.sandbox import baijiahao, douyin, toutiao, wechat, weibo
from scheduling_platform.sandbox.app import create_app
from scheduling_platform.sandbox.state import SandboxState
from scheduling_platform.settings import Settings
from tests.platforms.conftest import Sandbox


def test_config_refuses_bad_values_and_changes_nothing(sandbox: Sandbox) -> None:
    before = sandbox.configure()
    for bad in (
        {"review_reject_rate": 2},
        {"review_delay_seconds": -1},
        {"daily_quotas": {"wechat": "many"}},
        {"engagement_age_scale": 0},
    ):
        response = httpx.post(f"{sandbox.url}/_sandbox/config", json=bad)
        assert response.status_code == 400 and response.json()["error"]
    assert sandbox.configure() == before


def test_every_platform_module_speaks_its_own_fault_bodies() -> None:
    for module in (weibo, wechat, douyin, toutiao, baijiahao):
        assert module.PUBLISH_PATHS
        for mode in ("rate_limit", "token_expired", "reject"):
            assert module.fault_response(mode).status_code in (200, 400, 401, 403)
    assert b'"errcode":42001' in wechat.fault_response("token_expired").body
    assert b'"error_code":28001008' in douyin.fault_response("token_expired").body
    assert b'"errno":60001001' in baijiahao.fault_response("token_expired").body


class FixedProfile:
    """A profile whose every post has the same numbers, to see that the sandbox uses it."""

    def expected(self, platform: str, posted_at: datetime, **_: Any) -> dict[str, int]:
        return {"reads": 500, "likes": 40, "shares": 3, "comments": 2}


def test_weibo_counts_come_from_the_profile() -> None:
    from starlette.testclient import TestClient

    app = create_app(SandboxState(), profile=FixedProfile())
    with TestClient(app) as http:
        token = http.post("/weibo/oauth2/access_token", data={"code": "sandbox-a"}).json()
        status = http.post(
            "/weibo/2/statuses/share.json",
            data={"access_token": token["access_token"], "status": "hi", "rip": "127.0.0.1"},
        ).json()
        counts = http.get(
            "/weibo/2/statuses/count.json",
            params={"access_token": token["access_token"], "ids": status["idstr"]},
        ).json()
    assert counts == [{"id": status["id"], "comments": 2, "reposts": 3, "attitudes": 40}]


def test_weibo_client_reads_counts(sandbox: Sandbox) -> None:
    client = WeiboClient(sandbox.base("weibo"))
    creds = sandbox.credentials("weibo", "a")
    post_id = client.publish(creds, Post(1, "hi")).platform_post_id
    # The sandbox ages a post an hour a millisecond: 50 ms make it two days old, when even the
    # quietest hour's post has likes (one fetched at once, an hour old, can still have none).
    time.sleep(0.05)
    metrics = client.fetch_metrics(creds, [post_id])[post_id]
    assert metrics["likes"] > 0 and metrics["shares"] >= 0  # Weibo reports no reads
    time.sleep(0.05)
    later = client.fetch_metrics(creds, [post_id])[post_id]
    assert all(later[k] >= metrics[k] for k in metrics)  # counts only grow


def test_sandbox_command_refuses_a_bad_profile(tmp_path: Path) -> None:
    bad = tmp_path / "profile.json"
    bad.write_text("{not json")
    result = CliRunner().invoke(main, ["sandbox", "--port", "0", "--profile", str(bad)])
    assert result.exit_code == 1 and "not valid JSON" in result.output


def test_a_sandbox_accounts_size_reaches_the_sandbox(platform_env: Settings) -> None:
    from scheduling_platform.accounts.registration import add_account
    from scheduling_platform.store.task_store import TaskStore

    store = TaskStore.from_settings(platform_env)
    add_account(store, platform_env, platform="douyin", name="big", followers=420_000)
    add_account(store, platform_env, platform="douyin", name="unknown")
    listed = httpx.get(f"{platform_env.sandbox_url}/_sandbox/accounts").json()["accounts"]
    assert listed == [{"platform": "douyin", "account": "big", "followers": 420_000}]
    refused = httpx.post(
        f"{platform_env.sandbox_url}/_sandbox/accounts",
        json={"platform": "douyin", "account": "big", "followers": -1},
    )
    assert refused.status_code == 400


def test_the_sandbox_clock_moves_only_forward(sandbox: Sandbox) -> None:
    before = httpx.get(f"{sandbox.url}/_sandbox/clock").json()
    assert before["offset_seconds"] == 0
    sandbox.advance_clock(timedelta(hours=2))
    assert httpx.get(f"{sandbox.url}/_sandbox/clock").json()["offset_seconds"] == 7200
    back = httpx.post(f"{sandbox.url}/_sandbox/clock", json={"advance_seconds": -5})
    assert back.status_code == 400
