"""Suggestions before a task exists: the top-k free slots of a window for a post of an account,
with the predicted engagement, a one-sigma band and the reasons in words."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from scheduling_platform.scheduling.conflicts.checker import ConflictChecker
from scheduling_platform.scheduling.conflicts.model import CheckResult, Post
from scheduling_platform.scheduling.strategies.choose import free_slots
from scheduling_platform.scheduling.strategies.reasons import (
    conflict_reason,
    peak_reason,
    quota_reason,
)
from scheduling_platform.scheduling.strategies.scores import Predictor
from scheduling_platform.scheduling.strategies.windows import PostingWindow, matching
from scheduling_platform.store.records import Account

# Suggested slots lie at least this far apart: five neighbouring 5-minute slots of one peak
# are one suggestion, not five.
SEPARATION = timedelta(hours=1)
MAX_TOP = 50


@dataclass(frozen=True)
class Suggestion:
    at: datetime
    predicted: float
    low: float
    high: float
    reasons: tuple[str, ...]
    check: CheckResult


def suggest(
    checker: ConflictChecker,
    predictor: Predictor,
    account: Account,
    post: Post,
    *,
    title: str | None,
    window: timedelta,
    top: int,
    now: datetime,
    windows: list[PostingWindow] | None = None,
) -> list[Suggestion]:
    """The `top` best free slots of the window from `post.at`, each SEPARATION apart."""
    if not 1 <= top <= MAX_TOP:
        raise ValueError(f"top must be between 1 and {MAX_TOP}, not {top}")
    scores = predictor.window(account, post.content, post.media, title, post.at, window)
    hood = checker.neighbourhood(account.id)
    chosen: list[Suggestion] = []
    for index in free_slots(checker, post, scores, now):
        at = scores.at(index)
        if any(abs(at - s.at) < SEPARATION for s in chosen):
            continue
        check = checker.check(account, replace(post, at=at), now)
        if check.errors:
            continue  # an error no move resolves (duplicate text, a held account)
        preferred = matching(scores.slots[index], account.timezone, windows or [])
        reasons = [
            peak_reason(account.platform, account.timezone, scores, index),
            conflict_reason(check),
            quota_reason(account.platform, scores.at(index), hood, checker.rules),
        ]
        if windows:
            reasons.append(
                f"inside the preferred window {preferred}"
                if preferred
                else "outside the account's preferred windows"
            )
        chosen.append(
            Suggestion(
                at,
                float(scores.predicted[index]),
                float(scores.low[index]),
                float(scores.high[index]),
                tuple(reasons),
                check,
            )
        )
        if len(chosen) == top:
            break
    return chosen
