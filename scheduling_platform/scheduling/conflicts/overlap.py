"""Time overlap: another post of the same account closer than the platform's minimum gap."""

from __future__ import annotations

from scheduling_platform.scheduling.conflicts.model import (
    Conflict,
    ConflictType,
    FixAction,
    Post,
    Rule,
    Severity,
    SuggestedFix,
)
from scheduling_platform.scheduling.conflicts.neighbourhood import Neighbourhood
from scheduling_platform.scheduling.conflicts.rules import ConflictRules

MOVE = SuggestedFix(FixAction.MOVE, "move the post to a free slot")


def _minutes(seconds: float) -> str:
    return f"{seconds / 60:.0f} min" if seconds >= 60 else f"{seconds:.0f} s"


def time_overlap(post: Post, hood: Neighbourhood, rules: ConflictRules) -> list[Conflict]:
    """One error naming every post of the account less than the gap away (exactly the gap
    apart is fine)."""
    gap = rules.gap(post.platform)
    if not gap:
        return []
    near = [
        p
        for p in hood.between(post.at - gap, post.at + gap)
        if p.id != post.task_id and abs(p.at - post.at) < gap
    ]
    if not near:
        return []
    closest = min(abs(p.at - post.at).total_seconds() for p in near)
    return [
        Conflict(
            ConflictType.TIME_OVERLAP,
            Rule.MIN_GAP,
            Severity.ERROR,
            f"{len(near)} other post(s) of this account within {_minutes(gap.total_seconds())}, "
            f"the closest {_minutes(closest)} away; {post.platform} posts of one account keep "
            f"at least {_minutes(gap.total_seconds())} apart",
            tuple(p.id for p in near),
            MOVE,
        )
    ]
