"""Baijiahao client against the sandbox over real HTTP: origin_url idempotency, review, stats."""

from __future__ import annotations

from pathlib import Path

import pytest

from scheduling_platform.platforms.baijiahao import BaijiahaoClient
from scheduling_platform.platforms.base import ErrorKind, PlatformError, Post
from tests.platforms.conftest import Sandbox, wait_for
from tests.samples import stored_media

MEDIA_URL = "https://media.brand.example/store"


@pytest.fixture
def client(sandbox: Sandbox) -> BaijiahaoClient:
    return BaijiahaoClient(
        sandbox.base("baijiahao"),
        origin_base_url="https://brand.example",
        media_public_base_url=MEDIA_URL,
    )


def _post(task_id: int = 7, media: tuple[str, ...] = ()) -> Post:
    return Post(task_id, "正文一\n正文二", title="百家号测试标题", media=media)


def test_publish_review_status_and_statistics(
    client: BaijiahaoClient, sandbox: Sandbox, tmp_path: Path
) -> None:
    creds = sandbox.credentials("baijiahao", "media")
    assert creds["app_id"] == "sandbox-media" and creds["access_token"] == creds["app_token"]
    cover = stored_media(tmp_path, "cover.jpg")
    result = client.publish(creds, _post(media=(cover,)))
    assert result.final is False
    (posted,) = sandbox.posts("baijiahao")
    assert posted["extra"]["origin_url"] == "https://brand.example/posts/7"
    name = Path(cover).name
    expected = f'[{{"src": "{MEDIA_URL}/sha256/{name[:2]}/{name}"}}]'
    assert posted["extra"]["cover_images"] == expected
    assert posted["review_status"] == "reviewing"
    assert wait_for(lambda: client.publish_status(creds, result.platform_post_id).final)
    metrics = client.fetch_metrics(creds, [result.platform_post_id])[result.platform_post_id]
    assert metrics["reads"] > 0
    check = client.validate_account(creds)
    assert check.token_valid and check.expires_at is None


def test_same_task_twice_is_one_article(client: BaijiahaoClient, sandbox: Sandbox) -> None:
    creds = sandbox.credentials("baijiahao", "media")
    first = client.publish(creds, _post())
    again = client.publish(creds, _post())  # e.g. a retry after a lost answer
    assert again.platform_post_id == first.platform_post_id
    assert len(sandbox.posts("baijiahao")) == 1
    assert client.find_published(creds, _post()) == first.platform_post_id
    assert client.find_published(creds, _post(task_id=8)) is None


def test_review_rejection_carries_the_audit_message(
    client: BaijiahaoClient, sandbox: Sandbox
) -> None:
    sandbox.configure(review_reject_rate=1.0)
    creds = sandbox.credentials("baijiahao", "media")
    result = client.publish(creds, _post())
    with pytest.raises(PlatformError) as caught:
        wait_for(lambda: client.publish_status(creds, result.platform_post_id).final)
    assert caught.value.kind is ErrorKind.REJECTED and "review" in str(caught.value)


def test_bad_token_title_and_quota(client: BaijiahaoClient, sandbox: Sandbox) -> None:
    creds = sandbox.credentials("baijiahao", "media")
    bad = {**creds, "app_token": "wrong", "access_token": "wrong"}
    assert not client.validate_account(bad).token_valid
    with pytest.raises(PlatformError) as auth:
        client.publish(bad, _post())
    assert auth.value.kind is ErrorKind.AUTH and auth.value.code == "60001001"
    with pytest.raises(PlatformError) as auth_again:
        client.acquire_token({"app_id": "sandbox-media", "app_token": "wrong"})
    assert auth_again.value.kind is ErrorKind.AUTH
    with pytest.raises(PlatformError) as short:
        client.publish(creds, Post(1, "x", title="短标题"))
    assert short.value.kind is ErrorKind.REJECTED
    sandbox.configure(daily_quotas={"baijiahao": 1})
    client.publish(creds, _post(1))
    with pytest.raises(PlatformError) as quota:
        client.publish(creds, _post(2))
    assert quota.value.kind is ErrorKind.QUOTA
    assert len(sandbox.posts("baijiahao")) == 1


def test_withdraw_takes_the_article_down(client: BaijiahaoClient, sandbox: Sandbox) -> None:
    creds = sandbox.credentials("baijiahao", "media")
    sandbox.configure(review_delay_seconds=0)
    article_id = client.publish(creds, _post()).platform_post_id
    assert client.publish_status(creds, article_id).final
    client.delete_post(creds, article_id)
    with pytest.raises(PlatformError, match="withdraw") as gone:
        client.publish_status(creds, article_id)
    assert gone.value.kind is ErrorKind.REJECTED
    assert client.find_published(creds, _post()) is None
    with pytest.raises(PlatformError):
        client.delete_post(creds, article_id)


def test_covers_need_a_public_media_url(sandbox: Sandbox, tmp_path: Path) -> None:
    no_url = BaijiahaoClient(sandbox.base("baijiahao"))
    cover = stored_media(tmp_path, "cover.jpg")
    with pytest.raises(PlatformError, match="media_public_base_url") as refused:
        no_url.publish(sandbox.credentials("baijiahao", "media"), _post(media=(cover,)))
    assert refused.value.kind is ErrorKind.REJECTED
    assert sandbox.posts("baijiahao") == []
