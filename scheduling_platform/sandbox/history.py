"""Simulated engagement history from an engagement profile: posts at random 5-minute slots.

Used by the best-hour test, the benchmark and demos, where the profile is the known truth.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
import pandas as pd

from scheduling_platform.intelligence.features import CONTENT_TYPES, ENGAGEMENT_COLUMNS
from scheduling_platform.platforms.base import PLATFORMS
from scheduling_platform.sandbox.engagement_profile import EngagementProfile


def simulate_history(
    profile: EngagementProfile,
    *,
    end: datetime,
    weeks: int = 8,
    accounts_per_platform: int = 3,
    posts_per_account_day: float = 4.0,
    platforms: tuple[str, ...] = PLATFORMS,
    timezone: str = "Asia/Shanghai",
    seed: int = 0,
) -> pd.DataFrame:
    """Rows of the engagement schema for posts in the `weeks` before `end`, aged 72 h."""
    rng = np.random.default_rng(seed)
    start = end - timedelta(weeks=weeks)
    slots = weeks * 7 * 288
    rows = []
    for platform in platforms:
        for a in range(accounts_per_platform):
            followers = int(10 ** rng.uniform(3, 6))
            count = rng.poisson(posts_per_account_day * weeks * 7)
            for slot in rng.integers(0, slots, size=count):
                posted_at = start + timedelta(minutes=5 * int(slot))
                content_type = str(rng.choice(CONTENT_TYPES))
                length = int(10 ** rng.uniform(1, 3.5))
                media = int(rng.integers(0, 5)) if content_type != "text" else 0
                seed_k = int(rng.integers(0, 2**31))
                metrics = profile.expected(
                    platform,
                    posted_at,
                    content_type=content_type,
                    text_length=length,
                    media_count=media,
                    account_followers=followers,
                    age_hours=72.0,
                    seed=seed_k,
                )
                rows.append(
                    {
                        "post_key": f"sim:{platform}:{a}:{seed_k}",
                        "source": "simulation",
                        "platform": platform,
                        "account_key": f"sim:{platform}:{a}",
                        "posted_at": posted_at,
                        "timezone": timezone,
                        "content_type": content_type,
                        "text_length": length,
                        "media_count": media,
                        "hashtag_count": int(rng.integers(0, 3)),
                        "link_count": int(rng.integers(0, 2)),
                        "followers": followers,
                        "paid": 0,
                        "category": -1,
                        **metrics,
                        "collected_at": posted_at + timedelta(hours=72),
                        "partition": posted_at.date().isoformat(),
                    }
                )
    frame = pd.DataFrame(rows, columns=list(ENGAGEMENT_COLUMNS))
    frame["posted_at"] = pd.to_datetime(frame["posted_at"], utc=True)
    frame["collected_at"] = pd.to_datetime(frame["collected_at"], utc=True)
    return frame.sort_values("posted_at", kind="stable").reset_index(drop=True)
