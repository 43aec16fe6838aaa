"""Many posts at once: each validated and conflict-checked against the store and the items
before it, then all accepted ones stored in one transaction (or none, if all-or-nothing)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum

from scheduling_platform.lifecycle import InvalidTransitionError
from scheduling_platform.platforms.base import PlatformError
from scheduling_platform.scheduling.conflicts.checker import ConflictChecker
from scheduling_platform.scheduling.conflicts.model import Conflict, ConflictsFoundError, Post
from scheduling_platform.scheduling.conflicts.rules import ConflictRules
from scheduling_platform.scheduling.placement import parse_strategy, place
from scheduling_platform.scheduling.tasks import take_in_media, validate_post
from scheduling_platform.settings import Settings
from scheduling_platform.store.records import Account, NotFoundError, Task
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
    at: str | datetime
    title: str | None = None
    media: tuple[str, ...] = ()
    priority: int = 5
    strategy: str = "fixed"
    idempotency_key: str | None = None


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
        for account_id, account in store.accounts_by_id({i.account_id for i in items}).items()
        if workspace_id is None or account.workspace_id == workspace_id
    }
    results: list[ItemResult] = []
    posts: dict[int, tuple[Account, Post, BatchItem]] = {}
    for index, item in enumerate(items):
        try:
            account = accounts.get(item.account_id)
            if account is None:
                raise NotFoundError(f"no account with id {item.account_id}")
            parse_strategy(item.strategy)
            when = validate_post(
                account,
                item.content,
                item.at,
                priority=item.priority,
                title=item.title,
                media=item.media,
                now=now,
            )
            item = replace(item, media=take_in_media(account, item.content, item.media, settings))
        except ITEM_REFUSALS as exc:
            results.append(ItemResult(index, ItemStatus.REFUSED, reasons=[str(exc)]))
            continue
        post = Post(account.id, account.platform, item.content, when, item.media)
        posts[index] = (account, post, item)
        results.append(ItemResult(index, ItemStatus.CREATED))
    with store.placing(account.id for account, _, _ in posts.values()) as conn:
        checker = ConflictChecker(store, rules, conn)
        checker.prepare(post for _, post, _ in posts.values())
        accepted = _check_in_order(checker, posts, results, now)
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


def _check_in_order(
    checker: ConflictChecker,
    posts: dict[int, tuple[Account, Post, BatchItem]],
    results: list[ItemResult],
    now: datetime,
) -> list[tuple[int, int, NewTask]]:
    """Place each valid item in order against the store and the items accepted before it;
    returns (index, provisional id, task) of the accepted ones."""
    accepted: list[tuple[int, int, NewTask]] = []
    for index, (account, post, item) in posts.items():
        try:
            placement = place(checker, account, post, parse_strategy(item.strategy), now)
        except ConflictsFoundError as exc:
            results[index] = ItemResult(
                index, ItemStatus.REFUSED, reasons=[str(exc)], conflicts=exc.conflicts
            )
            continue
        provisional = checker.accept(replace(post, at=placement.at))
        results[index].conflicts = placement.result.warnings
        results[index].moved_from = placement.moved_from
        new = NewTask(
            account.id,
            account.platform,
            item.content,
            placement.at,
            item.priority,
            item.title,
            item.media,
            idempotency_key=item.idempotency_key,
            detail=placement.detail,
        )
        accepted.append((index, provisional, new))
    return accepted
