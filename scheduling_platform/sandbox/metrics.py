"""Engagement a sandbox post has earned so far, from the engagement profile."""

from __future__ import annotations

import hashlib
import html
import re
from datetime import datetime
from functools import lru_cache

from scheduling_platform.sandbox.engagement_profile import EngagementProfile, load_profile
from scheduling_platform.sandbox.state import AcceptedPost, SandboxState

# What each platform's posts are, in the profile's content types, unless the post says.
CONTENT_TYPES = {
    "weibo": "text",
    "wechat": "article",
    "douyin": "video",
    "toutiao": "article",
    "baijiahao": "article",
}
_TAG = re.compile(r"<[^>]*>")
ZERO = {"reads": 0, "likes": 0, "shares": 0, "comments": 0}


@lru_cache(maxsize=1)
def default_profile() -> EngagementProfile:
    return load_profile()


def post_seed(platform: str, platform_post_id: str) -> int:
    """The noise seed of a post: its numbers repeat exactly and only grow with age."""
    digest = hashlib.sha256(f"{platform}:{platform_post_id}".encode()).hexdigest()
    return int(digest[:8], 16)


def visible_length(text: str) -> int:
    """Characters a reader sees: article HTML counts without its tags and entities."""
    return len(html.unescape(_TAG.sub("", text)))


def content_of(post: AcceptedPost) -> tuple[str, int]:
    """(content type, media count) of what the platform received for the post."""
    media = post.extra.get("media") or ()
    default = CONTENT_TYPES.get(post.platform, "text")
    return str(post.extra.get("content_type", default)), len(media)


def engagement(
    state: SandboxState, post: AcceptedPost, at: datetime | None = None
) -> dict[str, int]:
    """reads, likes, shares and comments of `post` now (zero while in review or rejected).

    The inputs are what the platform knows: the account's size as told to the sandbox, the
    media it received for the post, the text it received.

    `state.engagement_age_scale` speeds the clock for demos and tests (3600: a second of
    real time ages a post by an hour).
    """
    state.review(post)
    if post.review_status != "published":
        return dict(ZERO)
    posted_at = datetime.fromisoformat(post.received_at)
    # `at`: as of a past moment (WeChat's statistics per day); now by default.
    age = ((at or state.now()) - posted_at).total_seconds()
    age_hours = age / 3600 * state.engagement_age_scale
    profile = state.profile or default_profile()
    content_type, media_count = content_of(post)
    return profile.expected(
        post.platform,
        posted_at,
        content_type=content_type,
        text_length=visible_length(post.text),
        media_count=media_count,
        account_followers=state.followers_of(post.platform, post.account),
        age_hours=max(age_hours, 0.0),
        seed=post_seed(post.platform, post.platform_post_id),
    )
