"""Engagement read through each client equals what the sandbox's profile gives the post, field
by field: a client reading a misnamed field, or a sandbox ignoring the account's size or the
post's media, fails here."""

from __future__ import annotations

import html
import re
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from scheduling_platform.intelligence.metric_meaning import REPORTED
from scheduling_platform.platforms.base import Post
from scheduling_platform.platforms.registry import make_client
from scheduling_platform.sandbox.engagement_profile import load_profile
from scheduling_platform.sandbox.metrics import post_seed
from tests.platforms.conftest import Sandbox, wait_for
from tests.samples import stored_media

FOLLOWERS = 250_000
AGED = 1e12  # the sandbox ages posts so fast that every post has saturated
SATURATED_HOURS = 1e15
MEDIA_URL = "https://media.brand.example"
# platform -> (media files, title, the profile's content type of such a post)
CASES: dict[str, tuple[tuple[str, ...], str | None, str]] = {
    "weibo": (("photo.png",), None, "image"),
    "wechat": (("cover.jpg", "inside.png"), "带图文章", "article"),
    "douyin": (("clip.mp4",), None, "video"),
    "toutiao": ((), "头条文章标题", "article"),
    "baijiahao": (("a.jpg", "b.png"), "百家号的文章", "article"),
}


def _visible_length(text: str) -> int:
    return len(html.unescape(re.sub(r"<[^>]*>", "", text)))


def _client(platform: str, sandbox: Sandbox) -> Any:
    options: dict[str, Any] = (
        {"media_public_base_url": MEDIA_URL} if platform == "baijiahao" else {}
    )
    return make_client(platform, sandbox.base(platform), **options)


@pytest.mark.parametrize("platform", sorted(CASES))
def test_collected_engagement_is_the_profiles_field_by_field(
    platform: str, sandbox: Sandbox, tmp_path: Path
) -> None:
    files, title, content_type = CASES[platform]
    sandbox.configure(review_delay_seconds=0, engagement_age_scale=AGED)
    sandbox.set_followers(platform, "big", FOLLOWERS)
    creds = sandbox.credentials(platform, "big")
    media = tuple(stored_media(tmp_path, name) for name in files)
    client = _client(platform, sandbox)
    result = client.publish(creds, Post(1, "周末上新\n第二行", title=title, media=media))
    assert wait_for(lambda: client.publish_status(creds, result.platform_post_id).final)
    (posted,) = sandbox.posts(platform)
    if platform == "wechat":  # datacube's days end yesterday
        sandbox.backdate(platform, posted["platform_post_id"], timedelta(days=2))
        (posted,) = sandbox.posts(platform)

    got = client.fetch_metrics(creds, [result.platform_post_id])[result.platform_post_id]
    expected = load_profile().expected(
        platform,
        datetime.fromisoformat(posted["received_at"]),
        content_type=content_type,
        text_length=_visible_length(posted["text"]),
        media_count=len(files),
        account_followers=FOLLOWERS,
        age_hours=SATURATED_HOURS,
        seed=post_seed(platform, posted["platform_post_id"]),
    )
    assert set(got) == REPORTED[platform]
    assert got == {k: expected[k] for k in REPORTED[platform]}
    assert got["likes"] > 0
