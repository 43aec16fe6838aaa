"""Many posts at once: each validated and conflict-checked against the store and the items
before it, then all accepted ones stored in one transaction (or none, if all-or-nothing)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum

import numpy as np

from scheduling_platform.lifecycle import InvalidTransitionError
from scheduling_platform.platforms.base import PlatformError
from scheduling_platform.scheduling.conflicts.checker import ConflictChecker
from scheduling_platform.scheduling.conflicts.model import Conflict, ConflictsFoundError, Post
from scheduling_platform.scheduling.conflicts.rules import ConflictRules
from scheduling_platform.scheduling.placement import Strategy
from scheduling_platform.scheduling.strategies.choose import (
    SEARCHING,
    Decision,
    decide,
    with_predictions,
)
from scheduling_platform.scheduling.strategies.create import (
    decision_for_assigned,
    exploring,
    new_task,
    resolve_strategy,
    start_of,
)
from scheduling_platform.scheduling.strategies.load_balance import Item, assign
from scheduling_platform.scheduling.strategies.scores import Predictor, parse_window, window_text
from scheduling_platform.scheduling.strategies.windows import PostingWindow
from scheduling_platform.scheduling.tasks import (
    SchedulingError,
    horizon_days,
    take_in_media,
    validate_post,
)
from scheduling_platform.settings import Settings
from scheduling_platform.store.records import MAX_ID, Account, NotFoundError, Task
from scheduling_platform.store.task_store import TaskStore
from scheduling_platform.store.tasks import NewTask

# What refuses one item (and not the batch): bad input the item carries.
ITEM_REFUSALS = (ValueError, NotFoundError, InvalidTransitionError, PlatformError)


class ItemStatus(StrEnum):
    CREATED = "created"
    REFUSED = "refused"
    EXISTING = "existing"  # its idempotency key was imported before: that task is returned
    NOT_CREATED = "not_created"  # all-or-nothing, and another item was refused


@dataclass(frozen=True)
class BatchItem:
    account_id: int
    content: str
    at: str | datetime | None
    title: str | None = None
    media: tuple[str, ...] = ()
    priority: int = 5
    strategy: str | None = None  # unnamed: fixed with a time, optimal_time without
    idempotency_key: str | None = None
    window: str | None = None  # the searching strategies' window (default 7d)


@dataclass
class ItemResult:
    index: int
    status: ItemStatus
    task: Task | None = None
    reasons: list[str] = field(default_factory=list)
    conflicts: tuple[Conflict, ...] = ()  # refused: all of them; created: its warnings
    moved_from: datetime | None = None


def place_batch(
    store: TaskStore,
    rules: ConflictRules,
    items: list[BatchItem],
    *,
    all_or_nothing: bool,
    now: datetime,
    actor: str,
    settings: Settings | None = None,
    workspace_id: int | None = None,
) -> list[ItemResult]:
    """One result an item, in order; the accepted ones are stored in one transaction.

    With `workspace_id`, another workspace's account is as unknown as a missing one; with
    `settings`, each item's media are taken into the media store (see `take_in_media`).
    """
    accounts = {
        account_id: account
        for account_id, account in store.accounts_by_id(
            {i.account_id for i in items if 0 < i.account_id <= MAX_ID}  # others: no account
        ).items()
        if workspace_id is None or account.workspace_id == workspace_id
    }
    results: list[ItemResult] = []
    posts: dict[int, Placing] = {}
    # Read once for the batch: the settings read the environment afresh each time.
    horizon = settings.schedule_horizon_days if settings is not None else horizon_days()
    for index, item in enumerate(items):
        try:
            account = accounts.get(item.account_id)
            if account is None:
                raise NotFoundError(f"no account with id {item.account_id}")
            strategy = resolve_strategy(item.strategy, item.at)
            when = validate_post(
                account,
                item.content,
                start_of(strategy, item.at, now),
                priority=item.priority,
                title=item.title,
                media=item.media,
                now=now,
                horizon=horizon,
            )
            window = parse_window(item.window)
            item = replace(item, media=take_in_media(account, item.content, item.media, settings))
        except ITEM_REFUSALS as exc:
            results.append(ItemResult(index, ItemStatus.REFUSED, reasons=[str(exc)]))
            continue
        post = Post(account.id, account.platform, item.content, when, item.media)
        posts[index] = Placing(account, post, item, strategy, window)
        results.append(ItemResult(index, ItemStatus.CREATED))
    choosing = any(p.strategy in SEARCHING for p in posts.values())
    predictor = Predictor(store) if choosing else None  # on day one the shipped prior
    windows = store.posting_windows(
        p.account.id for p in posts.values() if p.strategy is Strategy.USER_PREFERENCE
    )
    with store.placing(p.account.id for p in posts.values()) as conn:
        checker = ConflictChecker(store, rules, conn)
        # One read for the whole batch: the searching strategies' windows included.
        checker.prepare(
            (p.post, p.window if p.strategy in SEARCHING else timedelta(0)) for p in posts.values()
        )
        if predictor is not None:  # every window the batch searches, in one model call
            predictor.windows(
                [
                    (p.account, p.item.content, p.item.media, p.item.title, p.post.at, p.window)
                    for p in posts.values()
                    if p.strategy in SEARCHING
                ]
            )
        accepted = _check_in_order(checker, predictor, windows, posts, results, now, settings)
        if all_or_nothing and any(r.status is ItemStatus.REFUSED for r in results):
            for result in results:
                if result.status is ItemStatus.CREATED:
                    result.status = ItemStatus.NOT_CREATED
                    result.reasons = ["all or nothing: another item was refused"]
            return results
        created = store.create_tasks([new for _, _, new in accepted], actor=actor, conn=conn)
    real = {
        provisional: task.id for (_, provisional, _), task in zip(accepted, created, strict=True)
    }
    for (index, _, _), task in zip(accepted, created, strict=True):
        results[index].task = task
    for result in results:
        result.conflicts = tuple(c.renumbered(real) for c in result.conflicts)
    return results


@dataclass(frozen=True)
class Placing:
    """A valid item on its way to a slot: its post (at the asked time or window start)."""

    account: Account
    post: Post
    item: BatchItem
    strategy: Strategy
    window: timedelta


def _check_in_order(
    checker: ConflictChecker,
    predictor: Predictor | None,
    windows: dict[int, list[tuple[int, int, int]]],
    posts: dict[int, Placing],
    results: list[ItemResult],
    now: datetime,
    settings: Settings | None = None,
) -> list[tuple[int, int, NewTask]]:
    """Place each valid item in order against the store and the items accepted before it,
    then the `load_balance` items as one assignment; returns (index, provisional id, task)
    of the accepted ones."""
    accepted: list[Accepted] = []
    balanced = {i: p for i, p in posts.items() if p.strategy is Strategy.LOAD_BALANCE}
    rng = np.random.default_rng()  # one a batch, not one a decision: each is seeded from the OS
    for index, p in posts.items():
        if index in balanced:
            continue
        try:
            decision = decide(
                checker,
                p.account,
                p.post,
                p.strategy,
                now,
                predictor=predictor,
                window=p.window,
                windows=[PostingWindow(*w) for w in windows.get(p.account.id, [])],
                title=p.item.title,
                explore=exploring(p.strategy, settings, rng),
            )
        except ConflictsFoundError as exc:
            results[index] = ItemResult(
                index, ItemStatus.REFUSED, reasons=[str(exc)], conflicts=exc.conflicts
            )
            continue
        except SchedulingError as exc:
            results[index] = ItemResult(index, ItemStatus.REFUSED, reasons=[str(exc)])
            continue
        accepted.append(_accept(checker, index, p, decision, results))
    if balanced and predictor is not None:
        accepted += _balance(checker, predictor, balanced, results, now)
    accepted.sort(key=lambda a: a[0])
    decisions = with_predictions(predictor, [d for _, _, _, d in accepted])
    return [
        (
            index,
            provisional,
            new_task(
                p.account,
                p.post,
                decision,
                p.item.priority,
                p.item.title,
                idempotency_key=p.item.idempotency_key,
            ),
        )
        for (index, provisional, p, _), decision in zip(accepted, decisions, strict=True)
    ]


Accepted = tuple[int, int, "Placing", Decision]  # index, provisional id, item, decision


def _accept(
    checker: ConflictChecker, index: int, p: Placing, decision: Decision, results: list[ItemResult]
) -> Accepted:
    provisional = checker.accept(replace(p.post, at=decision.at))
    results[index].conflicts = decision.placement.result.warnings
    results[index].moved_from = decision.placement.moved_from
    results[index].reasons = list(decision.reasons)
    return index, provisional, p, decision


def _balance(
    checker: ConflictChecker,
    predictor: Predictor,
    balanced: dict[int, Placing],
    results: list[ItemResult],
    now: datetime,
) -> list[Accepted]:
    """The `load_balance` items as one assignment (each window from its own start)."""
    window = max(p.window for p in balanced.values())
    items = [Item(i, p.account, p.post, p.item.title) for i, p in balanced.items()]
    assignment = assign(checker, predictor, items, window=window, now=now)
    accepted = []
    for index, p in balanced.items():
        assigned = assignment.slots.get(index)
        if assigned is None:
            reason = (
                f"no free slot of the account left in the {window_text(window)} window "
                "for this item"
            )
            results[index] = ItemResult(index, ItemStatus.REFUSED, reasons=[reason])
            continue
        try:
            decision = decision_for_assigned(
                checker, predictor, p.account, p.post, assigned, p.item.title, now
            )
        except ConflictsFoundError as exc:
            results[index] = ItemResult(
                index, ItemStatus.REFUSED, reasons=[str(exc)], conflicts=exc.conflicts
            )
            continue
        accepted.append(_accept(checker, index, p, decision, results))
        results[index].reasons.append(assignment.summary())
    return accepted
