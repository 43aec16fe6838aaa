"""Choosing one post's time by its strategy, against the conflict checks of its placement.

`immediate` is now; `optimal_time` the slot of the window with the highest predicted engagement
at which the post breaks no time-bound rule (gap, media reuse, hourly and daily quota);
`user_preference` the same inside the account's preferred windows, falling back to
`optimal_time` with the reason when there are none or none is free; `fixed` and
`conflict_avoidance` keep the asked time (see `placement.place`). For those that search, the
asked time, when given, is the window's start. A share of `optimal_time` decisions explore
(`explore`): a Thompson draw over the model's uncertainty ranks the slots instead of the
prediction, so hours the model knows little about are tried and learned.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

import numpy as np

from scheduling_platform.intelligence.exploration import Exploration
from scheduling_platform.scheduling.conflicts.checker import ConflictChecker
from scheduling_platform.scheduling.conflicts.free_slot import time_bound_errors
from scheduling_platform.scheduling.conflicts.model import Post
from scheduling_platform.scheduling.conflicts.rules import SLOT_LEAD
from scheduling_platform.scheduling.placement import Placement, Strategy, place
from scheduling_platform.scheduling.strategies.reasons import peak_reason, quota_reason
from scheduling_platform.scheduling.strategies.scores import (
    AtSlot,
    Predictor,
    WindowScores,
    window_text,
)
from scheduling_platform.scheduling.strategies.windows import PostingWindow, describe, inside
from scheduling_platform.scheduling.tasks import SchedulingError
from scheduling_platform.store.records import Account

# An immediate post is due this long after it is checked (the store takes only future times).
IMMEDIATE_LEAD = timedelta(milliseconds=1)
EXPLORED_REASON = (
    "explored: a Thompson draw over the model's uncertainty chose this slot (hours the model "
    "knows little about are tried too; SCHEDULING_EXPLORATION_SHARE=0 takes its best slot)"
)
SEARCHING = frozenset({Strategy.OPTIMAL_TIME, Strategy.USER_PREFERENCE, Strategy.LOAD_BALANCE})


@dataclass(frozen=True)
class Decision:
    """Where a post goes and why: the strategy applied (after any fallback) and the model's
    version and expectation when it chose."""

    placement: Placement
    asked: Strategy
    applied: Strategy
    reasons: tuple[str, ...] = ()
    fallback: str | None = None  # why the asked strategy could not be followed
    model_version: str | None = None
    predicted: float | None = None
    uncertainty: float | None = None
    explored: bool = False  # a Thompson draw chose the slot, not the best prediction
    # The post at its slot, for its exact prediction (`with_predictions` fills it in).
    slot: AtSlot | None = field(default=None, compare=False, repr=False)

    @property
    def at(self) -> datetime:
        return self.placement.at

    @property
    def detail(self) -> str:
        """The audit line of the task's creation."""
        parts = [f"strategy {self.applied}"]
        if self.fallback:
            parts.append(f"instead of {self.asked}: {self.fallback}")
        if self.model_version:
            parts.append(
                f"model {self.model_version} expects {self.predicted:.0f} ± {self.uncertainty:.0f}"
            )
        if self.explored:
            parts.append("explored (a Thompson draw chose the slot)")
        if self.placement.detail:
            parts.append(self.placement.detail)
        return "; ".join(parts)


def free_slots(
    checker: ConflictChecker,
    post: Post,
    scores: WindowScores,
    now: datetime,
    mask: np.ndarray | None = None,
    ranking: np.ndarray | None = None,
) -> Iterator[int]:
    """Slot indexes of the window, best predicted (or best `ranking`) first, at which `post`
    breaks no time-bound rule (against the store and the posts accepted before it)."""
    hood = checker.neighbourhood(post.account_id)
    reach = checker.rules.reach(post.platform)
    hood.ensure_span(scores.at(0) - reach, scores.at(len(scores.slots) - 1) + reach)
    earliest = now + SLOT_LEAD
    order = scores.ranked if ranking is None else np.argsort(-ranking, kind="stable")
    if mask is not None:
        order = order[mask[order]]
    gap = checker.rules.gap(post.platform)
    if gap:  # the slots a neighbour is too close to, all at once (most refusals are these)
        order = order[~hood.within_gap(scores.micros, gap, post.task_id)[order]]
    for index in order.tolist():
        at = scores.at(index)
        if at < earliest or (gap and hood.any_within(at, gap, post.task_id)):
            continue  # refused before a moved copy of the post is even made
        if not time_bound_errors(replace(post, at=at), hood, checker.rules):
            yield index


def _searched(
    checker: ConflictChecker,
    predictor: Predictor,
    account: Account,
    post: Post,
    scores: WindowScores,
    index: int,
    now: datetime,
    asked: Strategy,
    applied: Strategy,
    title: str | None,
    extra: Sequence[str] = (),
    fallback: str | None = None,
    explored: bool = False,
) -> Decision:
    at = scores.at(index)
    placement = place(checker, account, replace(post, at=at), Strategy.FIXED, now)
    hood = checker.neighbourhood(account.id)
    reasons = (
        peak_reason(account.platform, account.timezone, scores, index),
        *extra,
        "no conflicts" if not placement.result.conflicts else "warnings only",
        quota_reason(account.platform, scores.at(index), hood, checker.rules),
    )
    if explored:
        reasons += (EXPLORED_REASON,)
    return Decision(
        placement,
        asked,
        applied,
        reasons,
        fallback,
        scores.model_version,
        float(scores.predicted[index]),
        scores.uncertainty(index),
        explored,
        (scores, index, account, post.content, post.media, title),
    )


def with_predictions(predictor: Predictor | None, decisions: list[Decision]) -> list[Decision]:
    """The decisions with the model's exact prediction for each post's own text at its slot
    (the window's ranking is shared by posts of one account and kind), in one model call."""
    chosen = [n for n, d in enumerate(decisions) if d.slot is not None]
    if predictor is None or not chosen:
        return decisions
    exact = predictor.predict_many([decisions[n].slot for n in chosen])  # type: ignore[misc]
    done = list(decisions)
    for n, (predicted, uncertainty) in zip(chosen, exact, strict=True):
        done[n] = replace(decisions[n], predicted=predicted, uncertainty=uncertainty)
    return done


def decide(
    checker: ConflictChecker,
    account: Account,
    post: Post,
    strategy: Strategy,
    now: datetime,
    *,
    predictor: Predictor | None,
    window: timedelta,
    windows: Sequence[PostingWindow] = (),
    title: str | None = None,
    explore: Exploration | None = None,
) -> Decision:
    """The post placed by `strategy` (raises ConflictsFoundError when it cannot be placed,
    SchedulingError when no slot of the window is free). With `explore`, an `optimal_time`
    post takes the best free slot of one Thompson draw (see the module)."""
    if strategy is Strategy.IMMEDIATE:
        placement = place(checker, account, post, Strategy.FIXED, now)
        return Decision(placement, strategy, strategy, ("out now: no slot search",))
    if strategy not in SEARCHING:
        placement = place(checker, account, post, strategy, now)
        return Decision(placement, strategy, strategy)
    if predictor is None:
        raise SchedulingError(f"strategy {strategy} needs the engagement model")
    scores = predictor.window(account, post.content, post.media, title, post.at, window)
    fallback: str | None = None
    if strategy is Strategy.USER_PREFERENCE:
        if not windows:
            fallback = "the account has no preferred posting windows (accounts set-windows)"
        else:
            mask = inside(scores.slots, account.timezone, windows)
            if not mask.any():
                fallback = f"no slot of the window lies inside the preferred {describe(windows)}"
            else:
                found = next(free_slots(checker, post, scores, now, mask), None)
                if found is not None:
                    extra = (f"inside the preferred window {describe(windows)}",)
                    return _searched(
                        checker,
                        predictor,
                        account,
                        post,
                        scores,
                        found,
                        now,
                        strategy,
                        strategy,
                        title,
                        extra,
                    )
                fallback = f"every preferred slot ({describe(windows)}) in the window conflicts"
    ranking = None
    if explore is not None and strategy is Strategy.OPTIMAL_TIME:
        ranking = predictor.sampled(scores, account, post.content, post.media, title, explore)
    found = next(free_slots(checker, post, scores, now, ranking=ranking), None)
    if found is None:
        raise SchedulingError(
            f"no slot of the {window_text(window)} window from {post.at.isoformat()} is free of "
            "conflicts "
            "(gap, media reuse or quota); give a longer --window or another account"
        )
    applied = Strategy.OPTIMAL_TIME if fallback else strategy
    return _searched(
        checker,
        predictor,
        account,
        post,
        scores,
        found,
        now,
        strategy,
        applied,
        title,
        (),
        fallback,
        ranking is not None,
    )
