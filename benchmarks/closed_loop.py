"""The closed loop, simulated against an engagement profile (the sandbox's truth).

Weeks of posting by one policy: every account posts once a day and the policy picks the
5-minute slot of that local day; the engagement the profile gives (72 h after posting) is
what the policy collected; model policies retrain weekly on what they collected (the
product's `train_model` and promotion checks) and start, on day one, from the shipped prior.
Every post has the same content, account and noise seed under every policy (common random
numbers), so policies differ only by the times they chose.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
import pandas as pd

from scheduling_platform.intelligence.artifact import ModelArtifact
from scheduling_platform.intelligence.exploration import Exploration, explores
from scheduling_platform.intelligence.features import CONTENT_TYPES, ENGAGEMENT_COLUMNS
from scheduling_platform.intelligence.model import Candidate, TrainingError, train_model
from scheduling_platform.intelligence.priors import prior_artifact
from scheduling_platform.intelligence.scoring import PostDraft, best_slot
from scheduling_platform.intelligence.training import Thresholds, check_model
from scheduling_platform.platforms.base import PLATFORMS
from scheduling_platform.sandbox.engagement_profile import EngagementProfile

ZONE = "Asia/Shanghai"
DAY_SLOTS = 288


@dataclass(frozen=True)
class PlannedPost:
    """One post to place on a local day: everything but its time, the same for every policy."""

    key: str
    platform: str
    account: int
    followers: int
    day_start: datetime  # local midnight (UTC-aware)
    content_type: str
    length: int
    media: int
    seed: int


def plan_posts(start: datetime, weeks: int, accounts: int, seed: int) -> list[list[PlannedPost]]:
    """Per week, every account's one post a day, from `start` (a local Monday midnight)."""
    rng = np.random.default_rng(seed)
    sizes = {(p, a): int(10 ** rng.uniform(3, 6)) for p in PLATFORMS for a in range(accounts)}
    plan = []
    for week in range(weeks):
        posts = []
        for day in range(7):
            day_start = start + timedelta(days=7 * week + day)
            for (platform, a), followers in sizes.items():
                kind = str(rng.choice(CONTENT_TYPES))
                posts.append(
                    PlannedPost(
                        key=f"loop:{platform}:{a}:{week}:{day}",
                        platform=platform,
                        account=a,
                        followers=followers,
                        day_start=day_start,
                        content_type=kind,
                        length=int(10 ** rng.uniform(1, 3.5)),
                        media=int(rng.integers(0, 5)) if kind != "text" else 0,
                        seed=int(rng.integers(0, 2**31)),
                    )
                )
        plan.append(posts)
    return plan


def day_slots(post: PlannedPost) -> pd.DatetimeIndex:
    return pd.date_range(post.day_start, periods=DAY_SLOTS, freq="5min")


def engagement(profile: EngagementProfile, post: PlannedPost, at: datetime) -> int:
    m = profile.expected(
        post.platform,
        at,
        content_type=post.content_type,
        text_length=post.length,
        media_count=post.media,
        account_followers=post.followers,
        age_hours=72.0,
        seed=post.seed,
    )
    return int(sum(m.values()))


def row(profile: EngagementProfile, post: PlannedPost, at: datetime) -> dict:
    """The engagement row the policy collected for the post (as `engagement_metrics` would)."""
    m = profile.expected(
        post.platform,
        at,
        content_type=post.content_type,
        text_length=post.length,
        media_count=post.media,
        account_followers=post.followers,
        age_hours=72.0,
        seed=post.seed,
    )
    return {
        "post_key": post.key,
        "source": "simulation",
        "platform": post.platform,
        "account_key": f"loop:{post.platform}:{post.account}",
        "posted_at": at,
        "timezone": ZONE,
        "content_type": post.content_type,
        "text_length": post.length,
        "media_count": post.media,
        "hashtag_count": 0,
        "link_count": 0,
        "followers": post.followers,
        "paid": 0,
        "category": -1,
        **m,
        "collected_at": at + timedelta(hours=72),
        "partition": at.date().isoformat(),
    }


def oracle_slot(profile: EngagementProfile, post: PlannedPost) -> datetime:
    """The profile's best slot of the day (noise and content multiply: they do not move it)."""
    slots = day_slots(post)
    hours = [profile.local_hour_of_week(s.to_pydatetime()) for s in slots]
    values = profile.curve_value(post.platform, np.array(hours))
    return slots[int(np.argmax(values))].to_pydatetime()


def fixed_slot_of_day(profile: EngagementProfile, monday: datetime) -> int:
    """The one 5-minute slot of the day best over every platform and day (by base reads):
    the strongest fixed-hour policy there is."""
    total = np.zeros(DAY_SLOTS)
    for day in range(7):
        slots = pd.date_range(monday + timedelta(days=day), periods=DAY_SLOTS, freq="5min")
        hours = np.array([profile.local_hour_of_week(s.to_pydatetime()) for s in slots])
        for name, p in profile.platforms.items():
            total += p.base_reads * profile.curve_value(name, hours)
    return int(np.argmax(total))


def reference_weeks(
    profile: EngagementProfile, plan: list[list[PlannedPost]], monday: datetime
) -> tuple[list[int], int, list[int], list[int]]:
    """Engagement per week of the random slot, the fixed best slot (and its index in the day)
    and the oracle: what a policy's share of the oracle's uplift is measured against."""
    rng = np.random.default_rng(11)
    fixed = fixed_slot_of_day(profile, monday)

    def weekly(slot_of: Callable[[PlannedPost], datetime]) -> list[int]:
        return [sum(engagement(profile, p, slot_of(p)) for p in week) for week in plan]

    random = weekly(lambda p: day_slots(p)[int(rng.integers(0, DAY_SLOTS))].to_pydatetime())
    fixed_weeks = weekly(lambda p: p.day_start + timedelta(minutes=5 * fixed))
    return random, fixed, fixed_weeks, weekly(lambda p: oracle_slot(profile, p))


def uplift_share(totals: list[int], random: list[int], oracle: list[int]) -> float:
    """A policy's engagement over random's, as a share of the oracle's over random's."""
    return (sum(totals) - sum(random)) / (sum(oracle) - sum(random))


def draft(post: PlannedPost) -> PostDraft:
    return PostDraft(
        platform=post.platform,
        account_key=f"loop:{post.platform}:{post.account}",
        timezone=ZONE,
        text="x" * post.length,
        content_type=post.content_type,
        media_count=post.media,
        followers=float(post.followers),
    )


Chooser = Callable[[PlannedPost, int], datetime]  # (post, week) -> slot


def run_model_policy(
    profile: EngagementProfile,
    plan: list[list[PlannedPost]],
    *,
    exploration_share: float,
    exploration_width: float,
    candidates: list[Candidate] | None,
    seed: int,
) -> tuple[list[int], int]:
    """(engagement per week, models promoted) of optimal_time retrained weekly on its own
    data; a decision explores as the product's does (`exploration.explores`, draws
    `exploration_width` posterior standard deviations wide)."""
    rng = np.random.default_rng(seed)
    model: ModelArtifact = prior_artifact()
    collected: list[dict] = []
    weekly: list[int] = []
    promoted = 0
    for week, posts in enumerate(plan):
        weekly.append(0)
        for post in posts:
            explore = (
                Exploration(rng, exploration_width) if explores(exploration_share, rng) else None
            )
            start = post.day_start - timedelta(seconds=1)
            slot = best_slot(model, draft(post), start, within_days=1, explore=explore).slot
            weekly[-1] += engagement(profile, post, slot)
            collected.append(row(profile, post, slot))
        frame = pd.DataFrame(collected, columns=list(ENGAGEMENT_COLUMNS))
        frame["posted_at"] = pd.to_datetime(frame["posted_at"], utc=True)
        incumbent = None if model.basis == "prior" else model
        try:
            candidate = train_model(frame, candidates=candidates, seed=week, incumbent=incumbent)
        except TrainingError:
            continue
        if all(c.passed for c in check_model(candidate, Thresholds())):
            model, promoted = candidate, promoted + 1
    return weekly, promoted
