"""Engagement a sandbox post has earned so far, from the engagement profile."""

from __future__ import annotations

import hashlib
from datetime import datetime
from functools import lru_cache

from scheduling_platform.sandbox.engagement_profile import EngagementProfile, load_profile
from scheduling_platform.sandbox.state import AcceptedPost, SandboxState
from scheduling_platform.timeutil import utcnow

# What each platform's posts are, in the profile's content types, unless the post says.
CONTENT_TYPES = {
    "weibo": "text",
    "wechat": "article",
    "douyin": "video",
    "toutiao": "article",
    "baijiahao": "article",
}
ZERO = {"reads": 0, "likes": 0, "shares": 0, "comments": 0}


@lru_cache(maxsize=1)
def default_profile() -> EngagementProfile:
    return load_profile()


def _seed(post: AcceptedPost) -> int:
    digest = hashlib.sha256(f"{post.platform}:{post.platform_post_id}".encode()).hexdigest()
    return int(digest[:8], 16)


def engagement(state: SandboxState, post: AcceptedPost) -> dict[str, int]:
    """reads, likes, shares and comments of `post` now (zero while in review or rejected).

    `state.engagement_age_scale` speeds the clock for demos and tests (3600: a second of
    real time ages a post by an hour).
    """
    state.review(post)
    if post.review_status != "published":
        return dict(ZERO)
    posted_at = datetime.fromisoformat(post.received_at)
    age_hours = (utcnow() - posted_at).total_seconds() / 3600 * state.engagement_age_scale
    profile = state.profile or default_profile()
    return profile.expected(
        post.platform,
        posted_at,
        content_type=str(post.extra.get("content_type", CONTENT_TYPES.get(post.platform, "text"))),
        text_length=len(post.text),
        media_count=len(post.extra.get("media", ())),
        account_followers=int(post.extra.get("followers", 10_000)),
        age_hours=max(age_hours, 0.0),
        seed=_seed(post),
    )
