"""Platform limits: an account's posts in a clock hour and a China day, this one counted."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from scheduling_platform.scheduling.conflicts.model import (
    Conflict,
    ConflictType,
    Post,
    Rule,
    Severity,
)
from scheduling_platform.scheduling.conflicts.neighbourhood import Neighbourhood
from scheduling_platform.scheduling.conflicts.overlap import MOVE
from scheduling_platform.scheduling.conflicts.rules import QUOTA_DAY_OFFSET, ConflictRules


def hour_window(at: datetime) -> tuple[datetime, datetime]:
    """The clock hour holding `at` (the same in UTC and in China, whole hours apart)."""
    start = at.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    return start, start + timedelta(hours=1)


def day_window(at: datetime) -> tuple[datetime, datetime]:
    """The day holding `at` as platforms count it: from 00:00 Asia/Shanghai."""
    local = at.astimezone(UTC) + QUOTA_DAY_OFFSET
    start = local.replace(hour=0, minute=0, second=0, microsecond=0) - QUOTA_DAY_OFFSET
    return start, start + timedelta(days=1)


def quota_conflicts(post: Post, hood: Neighbourhood, rules: ConflictRules) -> list[Conflict]:
    """An error for each quota the post would go over, naming the posts already counted."""
    found = []
    checks = (
        (Rule.HOURLY_QUOTA, rules.hourly_quotas.get(post.platform), hour_window, "an hour"),
        (Rule.DAILY_QUOTA, rules.daily_quotas.get(post.platform), day_window, "a day"),
    )
    for rule, limit, window, per in checks:
        if limit is None:
            continue
        start, end = window(post.at)
        counted = [p for p in hood.between(start, end) if p.id != post.task_id]
        if len(counted) + 1 <= limit:
            continue
        local = (start + QUOTA_DAY_OFFSET).replace(tzinfo=None)
        found.append(
            Conflict(
                ConflictType.PLATFORM_LIMIT,
                rule,
                Severity.ERROR,
                f"this would be post {len(counted) + 1} of the account in {per} from "
                f"{local:%Y-%m-%d %H:%M} China time; {post.platform} takes {limit} {per}",
                tuple(p.id for p in counted),
                MOVE,
            )
        )
    return found
