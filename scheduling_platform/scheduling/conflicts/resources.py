"""Resource conflicts: an account that cannot post, or media already used close by."""

from __future__ import annotations

from scheduling_platform.lifecycle import AccountStatus
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
from scheduling_platform.scheduling.conflicts.overlap import MOVE
from scheduling_platform.scheduling.conflicts.rules import ConflictRules
from scheduling_platform.store.records import Account

_FIXES = {
    AccountStatus.NEEDS_REAUTH: SuggestedFix(
        FixAction.REAUTHORISE, "re-authorise the account (`accounts reauth ID`)"
    ),
    AccountStatus.DISABLED: SuggestedFix(FixAction.ENABLE_ACCOUNT, "enable the account"),
}


def account_status(account: Account) -> list[Conflict]:
    """An account that is not active holds its posts: they would not go out on time."""
    if account.status is AccountStatus.ACTIVE:
        return []
    fix = _FIXES.get(account.status, SuggestedFix(FixAction.ENABLE_ACCOUNT, "enable the account"))
    return [
        Conflict(
            ConflictType.RESOURCE,
            Rule.ACCOUNT_STATUS,
            Severity.ERROR,
            f"account {account.id} is {account.status}: its posts are held until that changes",
            (),
            fix,
        )
    ]


def media_reuse(post: Post, hood: Neighbourhood, rules: ConflictRules) -> list[Conflict]:
    """The same media on another post of the account less than the media gap away.

    Occurrences of one series share their media by design (a daily report keeps its cover),
    so they are no media conflict of each other.
    """
    gap = rules.media_gap
    if not post.media or not gap:
        return []
    mine = set(post.media)
    near = [
        p
        for p in hood.between(post.at - gap, post.at + gap)
        if p.id != post.task_id
        and (post.series_id is None or p.series_id != post.series_id)
        and abs(p.at - post.at) < gap
        and mine & set(p.media)
    ]
    if not near:
        return []
    shared = sorted({m for p in near for m in mine & set(p.media)})
    names = ", ".join(m.rsplit("/", 1)[-1] for m in shared)
    hours = gap.total_seconds() / 3600
    return [
        Conflict(
            ConflictType.RESOURCE,
            Rule.MEDIA_REUSE,
            Severity.ERROR,
            f"{names} is on {len(near)} other post(s) of this account within {hours:g} h; "
            f"the same media on one account keeps {hours:g} h apart",
            tuple(p.id for p in near),
            MOVE,
        )
    ]
