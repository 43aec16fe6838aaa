"""Reasons in words for a slot, naming the quantities behind them: the predicted peak and whose
history it comes from, the conflicts, and the quota left."""

from __future__ import annotations

from datetime import datetime

from scheduling_platform.intelligence.priors import PRIOR_REASON
from scheduling_platform.scheduling.conflicts.model import CheckResult
from scheduling_platform.scheduling.conflicts.neighbourhood import Neighbourhood
from scheduling_platform.scheduling.conflicts.quotas import day_window, hour_window
from scheduling_platform.scheduling.conflicts.rules import ConflictRules
from scheduling_platform.scheduling.strategies.scores import WindowScores
from scheduling_platform.timeutil import zone

PLATFORM_NAMES = {
    "weibo": "Weibo",
    "wechat": "WeChat",
    "douyin": "Douyin",
    "toutiao": "Toutiao",
    "baijiahao": "Baijiahao",
}
OWN_HISTORY = 0.5  # from this account weight on, the slot's level is mostly the account's own


def peak_reason(platform: str, zone_name: str, scores: WindowScores, index: int) -> str:
    """`Weibo weekday 12:30 peak for this account: 412 expected, 1.8x the window's median`."""
    local = scores.at(index).astimezone(zone(zone_name))
    kind = "weekend" if local.weekday() >= 5 else "weekday"
    weight = float(scores.account_weight[index])
    whose = (
        "for this account"
        if weight >= OWN_HISTORY
        else f"on the platform-wide curve (own history weighs {weight:.0%})"
    )
    median = scores.median
    ratio = f", {scores.predicted[index] / median:.1f}x the window's median" if median > 0 else ""
    basis = f" ({PRIOR_REASON})" if scores.basis == "prior" else ""
    return (
        f"{PLATFORM_NAMES.get(platform, platform)} {kind} {local:%a %H:%M} peak {whose}: "
        f"{scores.predicted[index]:.0f} expected{ratio} ({median:.0f}), "
        f"model {scores.model_version}{basis}"
    )


def conflict_reason(result: CheckResult) -> str:
    if not result.conflicts:
        return "no conflicts"
    return "; ".join(f"{c.severity} {c.rule}: {c.message}" for c in result.conflicts)


def quota_reason(platform: str, at: datetime, hood: Neighbourhood, rules: ConflictRules) -> str:
    """`24 of 30 hourly posts left; 80 of 90 daily posts left` (or that there is no quota)."""
    parts = []
    for per, limits, window in (
        ("hourly", rules.hourly_quotas, hour_window),
        ("daily", rules.daily_quotas, day_window),
    ):
        limit = limits.get(platform)
        if limit is None:
            continue
        start, end = window(at)
        used = len(hood.between(start, end))
        parts.append(f"{max(limit - used, 0)} of {limit} {per} posts left")
    return "; ".join(parts) or f"no posting quota configured for {platform}"
