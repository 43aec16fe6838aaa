"""Weibo client against the sandbox over real HTTP: the picture, rip, the safe domain,
Weibo's time format, counts without reads, destroy and get_uid."""

from __future__ import annotations

import hashlib
import re
from datetime import datetime, timedelta
from pathlib import Path

import httpx
import pytest

from scheduling_platform.platforms.base import ErrorKind, PlatformError, Post
from scheduling_platform.platforms.weibo import WeiboClient, parse_weibo_time
from tests.platforms.conftest import Sandbox
from tests.samples import media_bytes, stored_media

WEIBO_TIME = re.compile(
    r"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun) [A-Z][a-z]{2} \d{2} \d{2}:\d{2}:\d{2} \+0800 \d{4}$"
)


@pytest.fixture
def client(sandbox: Sandbox) -> WeiboClient:
    return WeiboClient(sandbox.base("weibo"))


def test_one_picture_goes_out_in_share_with_rip(
    client: WeiboClient, sandbox: Sandbox, tmp_path: Path
) -> None:
    creds = sandbox.credentials("weibo", "brand")
    assert creds["rip"] == "127.0.0.1"
    photo = stored_media(tmp_path, "photo.png", size=300_000)
    result = client.publish(creds, Post(1, "新品上市", media=(photo,)))
    (posted,) = sandbox.posts("weibo")
    assert posted["platform_post_id"] == result.platform_post_id
    (received,) = posted["extra"]["media"]
    assert received == {
        "sha256": hashlib.sha256(Path(photo).read_bytes()).hexdigest(),
        "size": 300_000,
        "mime": "image/png",
    }
    assert posted["extra"]["rip"] == "127.0.0.1"
    assert posted["extra"]["content_type"] == "image"


def test_the_accounts_rip_or_the_default_is_sent_and_none_is_refused(
    sandbox: Sandbox,
) -> None:
    creds = {**sandbox.credentials("weibo", "brand")}
    del creds["rip"]
    with pytest.raises(PlatformError, match="rip") as refused:
        WeiboClient(sandbox.base("weibo")).publish(creds, Post(1, "没有IP"))
    assert refused.value.kind is ErrorKind.REJECTED
    assert sandbox.posts("weibo") == []
    WeiboClient(sandbox.base("weibo"), default_rip="203.0.113.9").publish(creds, Post(2, "有IP"))
    assert sandbox.posts("weibo")[0]["extra"]["rip"] == "203.0.113.9"


def test_the_sandbox_refuses_what_weibo_refuses(sandbox: Sandbox) -> None:
    creds = sandbox.credentials("weibo", "brand")
    url = f"{sandbox.base('weibo')}/2/statuses/share.json"
    base = {"access_token": creds["access_token"], "status": "你好"}
    no_rip = httpx.post(url, data=base).json()
    assert (no_rip["error_code"], no_rip["error"]) == (10016, "miss required parameter (rip)")
    with_rip = {**base, "rip": "127.0.0.1"}
    not_image = httpx.post(
        url, data=with_rip, files={"pic": ("a.jpg", b"plain text", "image/jpeg")}
    )
    assert not_image.json()["error_code"] == 20005
    big = media_bytes("jpg", 5 * 1024 * 1024)
    too_big = httpx.post(url, data=with_rip, files={"pic": ("a.jpg", big, "image/jpeg")})
    assert too_big.json()["error_code"] == 20006
    sandbox.configure(weibo_safe_domain="brand.example")
    no_link = httpx.post(url, data=with_rip).json()
    assert no_link["error_code"] == 10017 and "brand.example" in no_link["error"]
    ok = httpx.post(url, data={**with_rip, "status": "看 https://www.brand.example/x"}).json()
    assert ok["idstr"]
    assert len(sandbox.posts("weibo")) == 1


def test_a_text_without_the_safe_domain_is_rejected_not_retried(
    client: WeiboClient, sandbox: Sandbox
) -> None:
    sandbox.configure(weibo_safe_domain="brand.example")
    with pytest.raises(PlatformError) as caught:
        client.publish(sandbox.credentials("weibo", "brand"), Post(1, "没有链接"))
    assert caught.value.kind is ErrorKind.REJECTED and caught.value.code == "10017"


def test_created_at_is_weibos_format_and_is_read_as_such(
    client: WeiboClient, sandbox: Sandbox
) -> None:
    creds = sandbox.credentials("weibo", "brand")
    raw = client.publish(creds, Post(1, "时间格式")).raw
    assert WEIBO_TIME.match(raw["created_at"]), raw["created_at"]
    received = datetime.fromisoformat(sandbox.posts("weibo")[0]["received_at"])
    assert parse_weibo_time(raw["created_at"]) == received.replace(microsecond=0)
    assert parse_weibo_time("Wed Oct 24 23:49:17 +0800 2012").isoformat() == (
        "2012-10-24T23:49:17+08:00"
    )
    # A lookup for an attempt that began after the post was created does not take it.
    later = Post(2, "时间格式", not_before=received + timedelta(minutes=10))
    assert client.find_published(creds, later) is None
    earlier = Post(2, "时间格式", not_before=received - timedelta(seconds=1))
    assert client.find_published(creds, earlier) == raw["idstr"]


def test_counts_carry_no_reads_and_deleted_posts_drop_out(
    client: WeiboClient, sandbox: Sandbox
) -> None:
    creds = sandbox.credentials("weibo", "brand")
    first = client.publish(creds, Post(1, "一")).platform_post_id
    second = client.publish(creds, Post(2, "二")).platform_post_id
    raw = httpx.get(
        f"{sandbox.base('weibo')}/2/statuses/count.json",
        params={"access_token": creds["access_token"], "ids": f"{first},{second}"},
    ).json()
    assert {frozenset(row) for row in raw} == {
        frozenset({"id", "comments", "reposts", "attitudes"})
    }
    metrics = client.fetch_metrics(creds, [first, second])
    assert set(metrics[first]) == {"likes", "shares", "comments"}
    client.delete_post(creds, first)
    assert set(client.fetch_metrics(creds, [first, second])) == {second}
    assert client.find_published(creds, Post(1, "一")) is None
    with pytest.raises(PlatformError) as again:
        client.delete_post(creds, first)
    assert again.value.kind is ErrorKind.REJECTED and again.value.code == "20101"


def test_get_uid_names_the_tokens_user(sandbox: Sandbox) -> None:
    creds = sandbox.credentials("weibo", "brand")
    base = sandbox.base("weibo")
    uid = httpx.get(
        f"{base}/2/account/get_uid.json", params={"access_token": creds["access_token"]}
    )
    assert uid.json() == {"uid": int(creds["uid"])}
    bad = httpx.get(f"{base}/2/account/get_uid.json", params={"access_token": "nope"})
    assert bad.json()["error_code"] == 21332
