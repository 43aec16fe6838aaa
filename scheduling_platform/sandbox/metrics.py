"""Engagement a sandbox post has earned so far: from the engagement profile, else a plain curve."""

from __future__ import annotations

import hashlib
import math
from datetime import datetime

from scheduling_platform.sandbox.state import AcceptedPost, SandboxState
from scheduling_platform.timeutil import utcnow

# The built-in curve when no profile is given: reads a post reaches, and the share of them
# that like, share and comment. Only there so metrics move; `--profile` gives the real shape.
PLAIN_READS = {"weibo": 800, "wechat": 1500, "douyin": 5000, "toutiao": 2000, "baijiahao": 1200}


def _seed(post: AcceptedPost) -> int:
    return int(
        hashlib.sha256(f"{post.platform}:{post.platform_post_id}".encode()).hexdigest()[:8], 16
    )


def engagement(state: SandboxState, post: AcceptedPost) -> dict[str, int]:
    """reads, likes, shares and comments of `post` now (zero while in review or rejected)."""
    state.review(post)
    if post.review_status != "published":
        return {"reads": 0, "likes": 0, "shares": 0, "comments": 0}
    posted_at = datetime.fromisoformat(post.received_at)
    age_hours = max((utcnow() - posted_at).total_seconds() / 3600, 0.0)
    if state.profile is not None:
        expected = state.profile.expected(
            post.platform,
            posted_at,
            content_type=str(
                post.extra.get("content_type", "video" if post.extra.get("media") else "text")
            ),
            text_length=len(post.text),
            media_count=len(post.extra.get("media", ())),
            account_followers=int(post.extra.get("followers", 10_000)),
            age_hours=age_hours,
            seed=_seed(post),
        )
        return {k: int(expected.get(k, 0)) for k in ("reads", "likes", "shares", "comments")}
    # Saturating growth over about two days, with a per-post factor between 0.5 and 1.5.
    factor = 0.5 + (_seed(post) % 1000) / 1000
    reads = PLAIN_READS.get(post.platform, 1000) * factor * (1 - math.exp(-(age_hours + 0.5) / 12))
    return {
        "reads": int(reads),
        "likes": int(reads * 0.05),
        "shares": int(reads * 0.01),
        "comments": int(reads * 0.008),
    }
