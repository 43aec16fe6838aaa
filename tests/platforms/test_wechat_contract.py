"""WeChat client against the sandbox over real HTTP: draft, freepublish, review, metrics, tokens."""

from __future__ import annotations

import tempfile
from datetime import timedelta
from pathlib import Path

import pytest

from scheduling_platform.platforms.base import ErrorKind, PlatformError, Post
from scheduling_platform.platforms.wechat import WeChatClient
from tests.platforms.conftest import Sandbox, wait_for
from tests.samples import stored_media


@pytest.fixture
def client(sandbox: Sandbox) -> WeChatClient:
    return WeChatClient(sandbox.base("wechat"))


# Every article needs a cover; one stored file serves them all.
COVER = stored_media(Path(tempfile.mkdtemp(prefix="wechat-cover-")), "cover.jpg")


def _post(task_id: int = 1, title: str = "周末活动") -> Post:
    return Post(task_id=task_id, text="第一段\n第二段 <b>不是标签</b>", title=title, media=(COVER,))


def test_publish_is_reviewed_then_live_with_metrics(client: WeChatClient, sandbox: Sandbox) -> None:
    creds = sandbox.credentials("wechat", "brand")
    assert creds["appid"] == "sandbox-brand" and creds["expires_at"]
    result = client.publish(creds, _post())
    assert result.final is False
    publish_id, msg_data_id = result.platform_post_id.split(":")
    assert publish_id and msg_data_id
    (posted,) = sandbox.posts("wechat")
    assert posted["review_status"] == "reviewing" and posted["title"] == "周末活动"
    assert "&lt;b&gt;" in posted["text"]  # the text went out as escaped HTML paragraphs
    live = wait_for(lambda: client.publish_status(creds, result.platform_post_id).final)
    assert live
    status = client.publish_status(creds, result.platform_post_id)
    assert status.url and status.url.startswith("https://mp.weixin.qq.com/s/")
    assert sandbox.posts("wechat")[0]["review_status"] == "published"
    # datacube's days end yesterday: the post must be older than today to be counted.
    assert client.fetch_metrics(creds, [result.platform_post_id]) == {}
    sandbox.backdate("wechat", publish_id, timedelta(days=2))
    metrics = client.fetch_metrics(creds, [result.platform_post_id])
    assert set(metrics[result.platform_post_id]) == {"reads", "likes", "shares", "comments"}
    assert metrics[result.platform_post_id]["reads"] > 0


def test_review_rejection_raises_with_the_status(client: WeChatClient, sandbox: Sandbox) -> None:
    sandbox.configure(review_reject_rate=1.0)
    creds = sandbox.credentials("wechat", "brand")
    result = client.publish(creds, _post())
    with pytest.raises(PlatformError) as caught:
        wait_for(lambda: client.publish_status(creds, result.platform_post_id).final)
    assert caught.value.kind is ErrorKind.REJECTED
    assert "review" in caught.value.platform_message


def test_expired_token_is_auth_and_a_new_one_works(client: WeChatClient, sandbox: Sandbox) -> None:
    creds = sandbox.credentials("wechat", "brand")
    assert sandbox.expire_tokens("wechat", "brand") == 1
    with pytest.raises(PlatformError) as caught:
        client.publish(creds, _post())
    assert caught.value.kind is ErrorKind.AUTH and caught.value.code == "42001"
    assert not client.validate_account(creds).token_valid
    grant = client.acquire_token(creds)
    renewed = {**creds, "access_token": grant.access_token}
    assert client.publish(renewed, _post()).final is False
    check = client.validate_account(renewed)
    assert check.token_valid and "quota" in check.detail


def test_a_new_plain_token_ends_the_previous_one_five_minutes_later(sandbox: Sandbox) -> None:
    plain = WeChatClient(sandbox.base("wechat"), use_stable_token=False)
    creds = sandbox.credentials("wechat", "brand")
    new = {**creds, "access_token": plain.acquire_token(creds).access_token}
    assert plain.validate_account(creds).token_valid  # both work for five minutes
    assert plain.validate_account(new).token_valid
    sandbox.advance_clock(timedelta(seconds=299))
    assert plain.validate_account(creds).token_valid
    sandbox.advance_clock(timedelta(seconds=2))
    assert not plain.validate_account(creds).token_valid
    assert plain.validate_account(new).token_valid


def test_wrong_secret_is_refused(client: WeChatClient) -> None:
    with pytest.raises(PlatformError) as caught:
        client.acquire_token({"appid": "sandbox-brand", "secret": "wrong"})
    assert caught.value.kind is ErrorKind.AUTH and caught.value.code == "40125"


def test_quota_and_content_refusals(client: WeChatClient, sandbox: Sandbox) -> None:
    sandbox.configure(daily_quotas={"wechat": 1})
    creds = sandbox.credentials("wechat", "brand")
    client.publish(creds, _post(1))
    with pytest.raises(PlatformError) as quota:
        client.publish(creds, _post(2))
    assert quota.value.kind is ErrorKind.QUOTA
    with pytest.raises(PlatformError) as long_title:
        client.publish(creds, _post(3, title="长" * 33))
    assert long_title.value.kind is ErrorKind.REJECTED and "title" in str(long_title.value)
    assert len(sandbox.posts("wechat")) == 1


def test_find_published_by_content_source_url(client: WeChatClient, sandbox: Sandbox) -> None:
    creds = sandbox.credentials("wechat", "brand")
    result = client.publish(creds, _post(task_id=41))
    wait_for(lambda: client.publish_status(creds, result.platform_post_id).final)
    found = client.find_published(creds, _post(task_id=41))
    assert found and found.startswith("article:")
    assert client.publish_status(creds, found).final
    # Not listed may be "in review": WeChat cannot tell, so the client says so.
    with pytest.raises(PlatformError, match="not among the published") as raised:
        client.find_published(creds, _post(task_id=42))
    assert raised.value.kind is ErrorKind.RETRYABLE


def test_unreachable_platform(sandbox: Sandbox) -> None:
    dead = WeChatClient("http://127.0.0.1:9/wechat", timeout_seconds=1)
    assert not dead.is_available()
    assert WeChatClient(sandbox.base("wechat")).is_available()
