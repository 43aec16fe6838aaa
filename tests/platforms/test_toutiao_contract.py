"""Toutiao client against the sandbox over real HTTP: article post, lookup, metrics, tokens."""

from __future__ import annotations

import pytest

from scheduling_platform.platforms.base import ErrorKind, PlatformError, Post
from scheduling_platform.platforms.toutiao import ToutiaoClient
from tests.platforms.conftest import Sandbox


@pytest.fixture
def client(sandbox: Sandbox) -> ToutiaoClient:
    return ToutiaoClient(sandbox.base("toutiao"), client_key="sandbox-app")


def test_publish_is_live_at_once_with_metrics(client: ToutiaoClient, sandbox: Sandbox) -> None:
    creds = sandbox.credentials("toutiao", "news")
    result = client.publish(creds, Post(1, "第一段\n第二段", title="今日要闻速览"))
    assert result.final is True
    (posted,) = sandbox.posts("toutiao")
    assert posted["title"] == "今日要闻速览" and posted["text"] == "<p>第一段</p><p>第二段</p>"
    assert client.publish_status(creds, result.platform_post_id).final
    metrics = client.fetch_metrics(creds, [result.platform_post_id])[result.platform_post_id]
    assert metrics["reads"] > 0
    found = client.find_published(creds, Post(1, "第一段\n第二段", title="今日要闻速览"))
    assert found == result.platform_post_id
    assert client.find_published(creds, Post(2, "x", title="没有发过的标题")) is None


def test_expired_token_refresh(client: ToutiaoClient, sandbox: Sandbox) -> None:
    creds = sandbox.credentials("toutiao", "news")
    sandbox.expire_tokens("toutiao")
    with pytest.raises(PlatformError) as caught:
        client.publish(creds, Post(1, "正文", title="一个标题啊"))
    assert caught.value.kind is ErrorKind.AUTH
    assert not client.validate_account(creds).token_valid
    grant = client.acquire_token({"refresh_token": creds["refresh_token"]})
    renewed = {**creds, "access_token": grant.access_token}
    assert client.validate_account(renewed).token_valid
    assert client.publish(renewed, Post(1, "正文", title="一个标题啊")).final


def test_refusals_and_quota(client: ToutiaoClient, sandbox: Sandbox) -> None:
    sandbox.configure(daily_quotas={"toutiao": 1})
    creds = sandbox.credentials("toutiao", "news")
    with pytest.raises(PlatformError) as short:
        client.publish(creds, Post(1, "正文", title="短"))
    assert short.value.kind is ErrorKind.REJECTED and "title" in str(short.value)
    client.publish(creds, Post(2, "正文", title="足够长的标题"))
    with pytest.raises(PlatformError) as quota:
        client.publish(creds, Post(3, "正文", title="另一个长标题"))
    assert quota.value.kind is ErrorKind.QUOTA
    assert len(sandbox.posts("toutiao")) == 1


def test_separate_auth_host(sandbox: Sandbox) -> None:
    split = ToutiaoClient(
        sandbox.base("toutiao"), auth_base_url=sandbox.base("toutiao"), client_key="k"
    )
    grant = split.acquire_token({"authorization_code": "sandbox-news"})
    assert split.validate_account({"access_token": grant.access_token}).token_valid
    assert not ToutiaoClient("http://127.0.0.1:9/toutiao", timeout_seconds=1).is_available()
