"""Placing a post with its conflicts checked: refused with them, or moved when the strategy says.

`fixed` keeps the asked time and refuses a post with an error; `conflict_avoidance` moves it to
the nearest free good slot when every error is one a move resolves. Warnings never refuse; they
come back with the placement. The strategies that choose a time themselves (immediate,
optimal_time, user_preference, load_balance) live in `strategies/` and place through here.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from scheduling_platform.lifecycle import WITHDRAWABLE, InvalidTransitionError, TaskStatus
from scheduling_platform.scheduling.conflicts.checker import ConflictChecker
from scheduling_platform.scheduling.conflicts.model import (
    CheckResult,
    Conflict,
    ConflictsFoundError,
    Post,
)
from scheduling_platform.scheduling.conflicts.rules import ConflictRules
from scheduling_platform.scheduling.tasks import (
    SchedulingError,
    future_time,
    take_in_media,
    validate_post,
)
from scheduling_platform.settings import Settings
from scheduling_platform.store.records import Account, Task
from scheduling_platform.store.task_store import TaskStore
from scheduling_platform.store.tasks import NewTask


class Strategy(StrEnum):
    FIXED = "fixed"  # the asked time, refused on a conflict
    CONFLICT_AVOIDANCE = "conflict_avoidance"  # the asked time if free, else the nearest free
    IMMEDIATE = "immediate"  # now, out within seconds
    OPTIMAL_TIME = "optimal_time"  # the model's best free slot of the window
    USER_PREFERENCE = "user_preference"  # the best free slot inside the account's windows
    LOAD_BALANCE = "load_balance"  # a batch as one assignment, crowding penalised


# The strategies that take the asked time as given (a series occurrence has its own time).
TIMED = frozenset({Strategy.FIXED, Strategy.CONFLICT_AVOIDANCE})


def parse_strategy(value: str | None, allowed: frozenset[Strategy] = TIMED) -> Strategy:
    try:
        strategy = Strategy(value or Strategy.FIXED)
    except ValueError:
        known = ", ".join(s.value for s in Strategy)
        raise SchedulingError(f"unknown strategy {value!r}; known: {known}") from None
    if strategy not in allowed:
        takes = ", ".join(sorted(allowed))
        raise SchedulingError(f"strategy {strategy} does not apply here; this takes {takes}")
    return strategy


@dataclass(frozen=True)
class Placement:
    """Where a post goes: `result` is its check at that time (warnings only); `resolved` are
    the errors it had at the asked time `moved_from` (None: not moved)."""

    at: datetime
    result: CheckResult
    resolved: tuple[Conflict, ...] = ()
    moved_from: datetime | None = None

    @property
    def detail(self) -> str | None:
        """The audit line of a moved post."""
        if self.moved_from is None:
            return None
        rules = ", ".join(sorted({str(c.rule) for c in self.resolved}))
        return f"moved from {self.moved_from.isoformat()} to avoid conflicts ({rules})"


def place(
    checker: ConflictChecker, account: Account, post: Post, strategy: Strategy, now: datetime
) -> Placement:
    """Check `post`; move it if the strategy allows and a move clears every error."""
    result = checker.check(account, post, now)
    if not result.errors:
        return Placement(post.at, result)
    if strategy is Strategy.CONFLICT_AVOIDANCE and result.movable and result.slot:
        final = checker.check(account, replace(post, at=result.slot), now)
        if not final.errors:
            return Placement(result.slot, final, result.errors, post.at)
    raise ConflictsFoundError(result)


def schedule_checked(
    store: TaskStore,
    rules: ConflictRules,
    account_id: int,
    content: str,
    at: str | datetime,
    *,
    strategy: Strategy,
    now: datetime,
    priority: int = 5,
    title: str | None = None,
    media: tuple[str, ...] = (),
    actor: str = "cli",
    settings: Settings | None = None,
) -> tuple[Task, Placement]:
    """Validate, check and store one post (raises ConflictsFoundError with its conflicts).

    With `settings`, the media are taken into the media store first (see `take_in_media`), so
    the same file is the same media to the conflict checks whatever its path was.
    """
    account = store.get_account(account_id)
    when = validate_post(account, content, at, priority=priority, title=title, media=media, now=now)
    media = take_in_media(account, content, media, settings)
    post = Post(account.id, account.platform, content, when, media)
    with store.placing([account.id]) as conn:  # no other placement between check and insert
        placement = place(ConflictChecker(store, rules, conn), account, post, strategy, now)
        new = NewTask(
            account.id,
            account.platform,
            content,
            placement.at,
            priority,
            title,
            media,
            detail=placement.detail,
            strategy=str(strategy),
        )
        (task,) = store.create_tasks([new], actor=actor, conn=conn)
    return task, placement


def reschedule_checked(
    store: TaskStore,
    rules: ConflictRules,
    task_id: int,
    at: str | datetime,
    *,
    strategy: Strategy,
    now: datetime,
    actor: str = "cli",
) -> tuple[Task, Placement]:
    """Move a task to `at`, checked against every other post (itself left out)."""
    task = store.get_task(task_id)
    if task.status not in WITHDRAWABLE or task.status is TaskStatus.DRAFT:
        raise InvalidTransitionError(f"task {task_id} is {task.status} and cannot be moved")
    account = store.get_account(task.account_id)
    when = future_time(at, account.timezone, now)
    post = Post(
        account.id,
        account.platform,
        task.content,
        when,
        task.media,
        task_id=task.id,
        series_id=task.series_id,
    )
    with store.placing([account.id]) as conn:
        placement = place(ConflictChecker(store, rules, conn), account, post, strategy, now)
        detail = placement.detail or f"moved to {placement.at.isoformat()}"
        moved = store.transition(
            task,
            TaskStatus.SCHEDULED,
            actor=actor,
            detail=detail,
            values={"scheduled_at": placement.at, "not_before": None},
            conn=conn,
        )
    return moved, placement
