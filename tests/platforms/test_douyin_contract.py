"""Douyin client against the sandbox over real HTTP: upload, create, review, refresh, metrics."""

from __future__ import annotations

from pathlib import Path

import pytest

from scheduling_platform.platforms.base import ErrorKind, PlatformError, Post
from scheduling_platform.platforms.douyin import DouyinClient
from tests.platforms.conftest import Sandbox, wait_for
from tests.samples import stored_media


@pytest.fixture
def client(sandbox: Sandbox) -> DouyinClient:
    return DouyinClient(sandbox.base("douyin"), client_key="sandbox-app")


@pytest.fixture
def video(tmp_path: Path) -> str:
    return stored_media(tmp_path, "clip.mp4")


def test_publish_reviews_then_goes_public_with_metrics(
    client: DouyinClient, sandbox: Sandbox, video: str
) -> None:
    creds = sandbox.credentials("douyin", "studio")
    assert creds["refresh_token"] and creds["open_id"] and creds["expires_at"]
    result = client.publish(creds, Post(1, "周五新品 #开箱", media=(video,)))
    assert result.final is False and result.platform_post_id
    (posted,) = sandbox.posts("douyin")
    assert posted["review_status"] == "reviewing" and posted["text"] == "周五新品 #开箱"
    assert wait_for(lambda: client.publish_status(creds, result.platform_post_id).final)
    assert client.publish_status(creds, result.platform_post_id).url
    metrics = client.fetch_metrics(creds, [result.platform_post_id])[result.platform_post_id]
    assert metrics["reads"] > 0 and set(metrics) == {"reads", "likes", "shares", "comments"}
    assert client.find_published(creds, Post(1, "周五新品 #开箱")) == result.platform_post_id
    assert client.find_published(creds, Post(2, "never sent")) is None


def test_review_rejection(client: DouyinClient, sandbox: Sandbox, video: str) -> None:
    sandbox.configure(review_reject_rate=1.0)
    creds = sandbox.credentials("douyin", "studio")
    result = client.publish(creds, Post(1, "x", media=(video,)))
    with pytest.raises(PlatformError) as caught:
        wait_for(lambda: client.publish_status(creds, result.platform_post_id).final)
    assert caught.value.kind is ErrorKind.REJECTED and "review" in str(caught.value)


def test_expired_token_is_refreshed_with_the_refresh_token(
    client: DouyinClient, sandbox: Sandbox, video: str
) -> None:
    creds = sandbox.credentials("douyin", "studio")
    sandbox.expire_tokens("douyin")
    with pytest.raises(PlatformError) as caught:
        client.publish(creds, Post(1, "x", media=(video,)))
    assert caught.value.kind is ErrorKind.AUTH and caught.value.code == "28001008"
    assert not client.validate_account(creds).token_valid
    # Without the authorisation code only the refresh token can renew it; refreshing keeps
    # the refresh token (and its end), far from its end it is not renewed.
    grant = client.acquire_token(
        {"refresh_token": creds["refresh_token"], "refresh_expires_at": creds["refresh_expires_at"]}
    )
    assert grant.refresh_token == creds["refresh_token"]
    renewed = {**creds, "access_token": grant.access_token}
    assert client.validate_account(renewed).token_valid
    assert client.publish(renewed, Post(1, "x", media=(video,))).final is False
    assert len(sandbox.posts("douyin")) == 1


def test_bad_refresh_token_without_code_needs_reauthorisation(client: DouyinClient) -> None:
    with pytest.raises(PlatformError) as caught:
        client.acquire_token({"refresh_token": "stale"})
    assert caught.value.kind is ErrorKind.AUTH and caught.value.code == "10010"


def test_no_video_or_missing_file_is_rejected_before_sending(
    client: DouyinClient, sandbox: Sandbox, tmp_path: Path
) -> None:
    creds = sandbox.credentials("douyin", "studio")
    for media in ((), (str(tmp_path / "gone.mp4"),)):
        with pytest.raises(PlatformError) as caught:
            client.publish(creds, Post(1, "x", media=media))
        assert caught.value.kind is ErrorKind.REJECTED
    assert sandbox.posts("douyin") == []


def test_daily_quota(client: DouyinClient, sandbox: Sandbox, video: str) -> None:
    sandbox.configure(daily_quotas={"douyin": 1})
    creds = sandbox.credentials("douyin", "studio")
    client.publish(creds, Post(1, "one", media=(video,)))
    with pytest.raises(PlatformError) as caught:
        client.publish(creds, Post(2, "two", media=(video,)))
    assert caught.value.kind is ErrorKind.QUOTA
