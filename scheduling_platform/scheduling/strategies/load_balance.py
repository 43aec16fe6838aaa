"""`load_balance`: the posts of a batch placed as one assignment over the whole set.

Each account's window is cut into buckets on a grid of its platform's minimum gap (so two
posts of one account are never closer than the gap), keeping the buckets free of time-bound
conflicts with what is already stored. Columns are (account, clock hour, k): the k-th post of
the batch in that hour of that account, worth the task's predicted engagement at the hour's
k-th best free bucket. One `scipy.optimize.linear_sum_assignment` over all tasks and columns
maximises

    sum over tasks  predicted(task, slot) / median(task's window)
    - CROWDING_PENALTY * (posts of the same account in that clock hour before this one)

with the stored posts of that hour counted. The penalty grows with k while the values fall,
so an hour fills k = 0, 1, ... in order and the solution is the exact optimum of this
objective, not a greedy pass. Hours over the account's hourly quota get no columns.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

import numpy as np
import pandas as pd

from scheduling_platform.scheduling.conflicts.checker import ConflictChecker
from scheduling_platform.scheduling.conflicts.free_slot import time_bound_errors
from scheduling_platform.scheduling.conflicts.model import Post
from scheduling_platform.scheduling.conflicts.quotas import hour_window
from scheduling_platform.scheduling.conflicts.rules import SLOT_LEAD
from scheduling_platform.scheduling.strategies.scores import Predictor, WindowScores
from scheduling_platform.store.records import Account

CROWDING_PENALTY = 0.5  # in units of the task's median predicted engagement over its window
MIN_HOURS = 24  # an account's best hours kept as columns: at least this many, or 3 per task
FORBIDDEN = 1e9  # a task's cost in another account's columns


@dataclass(frozen=True)
class Assigned:
    """One task's slot from the assignment, and its share of the objective."""

    at: datetime
    scores: WindowScores
    index: int  # the slot's index in `scores`
    value: float  # predicted / median
    crowding: float  # the penalty paid (0: first post of the account in that hour)


@dataclass(frozen=True)
class Assignment:
    slots: dict[int, Assigned]  # by the task's key; tasks without a free bucket are missing
    objective: float
    predicted_total: float
    crowding_total: float

    def summary(self) -> str:
        return (
            f"load_balance objective {self.objective:.2f} = predicted/median "
            f"{self.objective + self.crowding_total:.2f} - crowding {self.crowding_total:.2f} "
            f"over {len(self.slots)} tasks (predicted engagement {self.predicted_total:.0f})"
        )


@dataclass(frozen=True)
class Item:
    key: int
    account: Account
    post: Post
    title: str | None


def _grid_mask(scores: WindowScores, gap: timedelta) -> np.ndarray:
    step = max(int(gap.total_seconds()), 300)
    return np.asarray(scores.slots.as_unit("s").asi8 % step == 0)


def _columns(
    checker: ConflictChecker, items: list[Item], scores: WindowScores, now: datetime
) -> list[tuple[int, int, float, int]]:
    """(slot index, k, crowding, hour) columns of one account for `len(items)` posts."""
    account, post = items[0].account, items[0].post
    rules = checker.rules
    hood = checker.neighbourhood(account.id)
    reach = rules.reach(post.platform)
    hood.ensure_span(scores.at(0) - reach, scores.at(len(scores.slots) - 1) + reach)
    usable = _grid_mask(scores, rules.gap(post.platform))
    usable &= np.asarray(scores.slots >= pd.Timestamp(now + SLOT_LEAD))
    hours = np.asarray(scores.slots.as_unit("s").asi8 // 3600)
    best: dict[int, float] = {}
    for i in np.flatnonzero(usable):
        best[hours[i]] = max(best.get(hours[i], -1.0), scores.predicted[i])
    keep = sorted(best, key=lambda h: -best[h])[: max(MIN_HOURS, 3 * len(items))]
    limit = rules.hourly_quotas.get(post.platform)
    columns = []
    for hour in keep:
        in_hour = np.flatnonzero(usable & (hours == hour))
        in_hour = in_hour[np.argsort(-scores.predicted[in_hour], kind="stable")]
        start, end = hour_window(scores.at(int(in_hour[0])))
        stored = len(hood.between(start, end))
        room = len(items) if limit is None else min(len(items), limit - stored)
        k = 0
        for index in in_hour:
            if k >= room:
                break
            if time_bound_errors(replace(post, at=scores.at(int(index))), hood, rules):
                continue
            columns.append((int(index), k, CROWDING_PENALTY * (stored + k), int(hour)))
            k += 1
    return columns


def assign(
    checker: ConflictChecker,
    predictor: Predictor,
    items: list[Item],
    *,
    window: timedelta,
    now: datetime,
) -> Assignment:
    """The assignment of `items` (their `post.at` is the window start) to free buckets."""
    by_account: dict[int, list[Item]] = defaultdict(list)
    for item in items:
        by_account[item.account.id].append(item)
    task_scores = {
        item.key: predictor.window(
            item.account, item.post.content, item.post.media, item.title, item.post.at, window
        )
        for item in items
    }
    columns: list[tuple[int, int, int, float]] = []  # account id, slot index, k, crowding
    for account_id, group in by_account.items():
        base = task_scores[group[0].key]
        for index, k, crowding, _ in _columns(checker, group, base, now):
            columns.append((account_id, index, k, crowding))
    if not columns:
        return Assignment({}, 0.0, 0.0, 0.0)
    cost = np.full((len(items), len(columns)), FORBIDDEN)
    column_account = np.array([c[0] for c in columns])
    column_index = np.array([c[1] for c in columns])
    column_crowding = np.array([c[3] for c in columns])
    for row, item in enumerate(items):
        scores = task_scores[item.key]
        mine = column_account == item.account.id
        median = max(scores.median, 1e-9)
        cost[row, mine] = column_crowding[mine] - scores.predicted[column_index[mine]] / median
    # Imported here: publish runs load the definitions, and scipy is not for publishing.
    from scipy.optimize import linear_sum_assignment

    rows, cols = linear_sum_assignment(cost)
    slots: dict[int, Assigned] = {}
    predicted_total = crowding_total = objective = 0.0
    for row, col in zip(rows, cols, strict=True):
        if cost[row, col] >= FORBIDDEN / 2:
            continue  # more tasks than free buckets of the account
        item, scores = items[row], task_scores[items[row].key]
        index = int(column_index[col])
        value = float(scores.predicted[index] / max(scores.median, 1e-9))
        crowding = float(column_crowding[col])
        slots[item.key] = Assigned(scores.at(index), scores, index, value, crowding)
        predicted_total += float(scores.predicted[index])
        crowding_total += crowding
        objective += value - crowding
    return Assignment(slots, objective, predicted_total, crowding_total)
