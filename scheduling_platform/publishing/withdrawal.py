"""Cancelling a task up to the moment its send begins, and taking a live post down.

A task never sent is cancelled at once, also while claimed: the publisher's conditional
claimed -> publishing is the point of no return, and it loses to a cancel that came first.
A task whose post may be out already (its last attempt's outcome is unknown) is never
reported cancelled: the platform is asked first and what it says is recorded. A task being
sent is left to its publisher. Every write is conditional on the task as read, so a race with
a publisher is noticed and the task read again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from typing import Any

from scheduling_platform.lifecycle import WITHDRAWABLE, InvalidTransitionError, TaskStatus
from scheduling_platform.platforms.base import PlatformClient, PlatformError
from scheduling_platform.publishing.verification import DEFAULT_CLOCK_SKEW, identify
from scheduling_platform.store.leases import needs_verification
from scheduling_platform.store.records import Task
from scheduling_platform.store.task_store import TaskStore
from scheduling_platform.timeutil import utcnow

ClientFor = Callable[[str], PlatformClient]
OUT = frozenset({TaskStatus.PUBLISHED, TaskStatus.SUBMITTED})
RACES = 5  # a task read again this often at most when a publisher keeps moving it


class CancelOutcome(StrEnum):
    CANCELLED = "cancelled"  # it will not go out
    PUBLISHED = "published"  # it is out (or in the platform's review); it stays so
    SENDING = "sending"  # its send has begun; the publisher records what happens
    HELD = "held"  # the platform cannot tell whether it is out: needs_attention


@dataclass(frozen=True)
class CancelResult:
    task: Task
    outcome: CancelOutcome
    message: str


class PostStillOutError(InvalidTransitionError):
    """A move refused because the post may be out or is out (what the platform said)."""


def _delete_hint(task: Task) -> str:
    return f"`tasks delete-post {task.id}` takes it down"


def no_client(platform: str) -> PlatformClient:
    """For callers that hold no platform clients: a task whose post may be out is refused."""
    raise InvalidTransitionError(f"this task's post may be out: {platform} must be asked first")


def may_be_out(store: TaskStore, task: Task) -> bool:
    """Whether an earlier attempt of a not-yet-sent task may have reached the platform."""
    return task.status in WITHDRAWABLE and task.id in needs_verification(store, [task.id])


@dataclass(frozen=True)
class _Finding:
    platform_post_id: str | None = None
    final: bool = True
    unknown: str | None = None  # why the platform cannot tell


def _ask_platform(
    store: TaskStore, client_for: ClientFor, task: Task, clock_skew: timedelta
) -> _Finding:
    """The task's own post, by the publisher's rules (verification.py): never a look-alike."""
    account = store.get_account(task.account_id)  # before anything changes: the vault may refuse
    client = client_for(task.platform)
    try:
        identified = identify(store, client, account.credentials, task, clock_skew=clock_skew)
    except PlatformError as exc:
        return _Finding(unknown=str(exc))
    if identified.cannot_tell is not None:
        return _Finding(unknown=identified.cannot_tell)
    found = identified.platform_post_id
    if found is None:
        return _Finding()
    try:
        final = client.publish_status(account.credentials, found).final
    except PlatformError:
        final = False  # in review, or the platform cannot say: the review poll follows it
    return _Finding(found, final)


def _record_out(
    store: TaskStore, task: Task, finding: _Finding, verb: str, actor: str
) -> CancelResult:
    """The post is on the platform: the task says so (via needs_attention, one transaction)."""
    asked = f"asked to be {verb}"
    post_id = finding.platform_post_id
    target = TaskStatus.PUBLISHED if finding.final else TaskStatus.SUBMITTED
    detail = f"{asked}, but {task.platform} has the post as {post_id}: it stays out"
    values: dict[str, Any] = {"platform_post_id": post_id, "last_error": None}
    if finding.final:
        values.update(published_at=utcnow(), lease_expires_at=None)
    steps: list[tuple[TaskStatus, str | None, dict[str, Any]]] = []
    if task.status is not TaskStatus.NEEDS_ATTENTION:
        steps.append((TaskStatus.NEEDS_ATTENTION, detail, {}))
    steps.append((target, detail, values))
    out = store.transition_through(task, steps, actor=actor)
    state = "published" if finding.final else "submitted for review"
    message = (
        f"task {task.id} was not {verb}: its earlier attempt went out; {task.platform} "
        f"has it as {post_id} ({state}); {_delete_hint(task)}"
    )
    return CancelResult(out, CancelOutcome.PUBLISHED, message)


def _hold(store: TaskStore, task: Task, finding: _Finding, verb: str, actor: str) -> CancelResult:
    asked = f"asked to be {verb}"
    evidence = (
        f"{asked}; the last attempt may have gone out and {task.platform} cannot tell: "
        f"{finding.unknown}"
    )
    held = store.transition(
        task,
        TaskStatus.NEEDS_ATTENTION,
        actor=actor,
        detail=evidence,
        values={"last_error": evidence},
    )
    message = (
        f"task {task.id} was not {verb}: its last attempt may have gone out and "
        f"{task.platform} cannot tell now ({finding.unknown}). It is held (needs_attention): "
        f"look at the account, then try again or delete the post"
    )
    return CancelResult(held, CancelOutcome.HELD, message)


def _cancel_once(
    store: TaskStore,
    client_for: ClientFor,
    task: Task,
    actor: str,
    detail: str | None,
    clock_skew: timedelta,
) -> CancelResult | None:
    """Cancel `task` as read; None when it changed meanwhile (read it again)."""
    if task.status in OUT:
        where = f"{task.platform} as {task.platform_post_id}"
        message = f"task {task.id} is {task.status} on {where}: not cancelled; {_delete_hint(task)}"
        return CancelResult(task, CancelOutcome.PUBLISHED, message)
    if task.status is TaskStatus.PUBLISHING:
        message = (
            f"task {task.id} was not cancelled: its send began and cannot be stopped; "
            f"`tasks show {task.id}` tells what happened once the publisher has recorded it "
            f"(if it went out, {_delete_hint(task)})"
        )
        return CancelResult(task, CancelOutcome.SENDING, message)
    if task.status not in WITHDRAWABLE:
        raise InvalidTransitionError(
            f"task {task.id} is {task.status} and can no longer be cancelled"
        )
    try:
        if not may_be_out(store, task):
            cancelled = store.transition(task, TaskStatus.CANCELLED, actor=actor, detail=detail)
            return CancelResult(cancelled, CancelOutcome.CANCELLED, f"task {task.id} cancelled")
        finding = _ask_platform(store, client_for, task, clock_skew)
        if finding.unknown is not None:
            return _hold(store, task, finding, "cancelled", actor)
        if finding.platform_post_id is not None:
            return _record_out(store, task, finding, "cancelled", actor)
        why = f"{task.platform} has no post of the earlier attempt: it never went out"
        cancelled = store.transition(
            task,
            TaskStatus.CANCELLED,
            actor=actor,
            detail=f"{detail}; {why}" if detail else why,
            values={"last_error": None},
        )
        message = f"task {task.id} cancelled ({why})"
        return CancelResult(cancelled, CancelOutcome.CANCELLED, message)
    except InvalidTransitionError:
        now = store.get_task(task.id)
        if (now.status, now.lease_version) == (task.status, task.lease_version):
            raise  # not a race: the lifecycle forbids it
        return None  # a publisher (or another cancel) moved it while we looked


def cancel_task(
    store: TaskStore,
    client_for: ClientFor,
    task_id: int,
    *,
    actor: str,
    detail: str | None = None,
    clock_skew: timedelta = DEFAULT_CLOCK_SKEW,
) -> CancelResult:
    """Cancel a task if it has not gone out; else say what it is (and record what was found).
    `detail` goes to the audit row of a plain cancel (why: a series cancelled, say)."""
    for _ in range(RACES):
        task = store.get_task(task_id)
        result = _cancel_once(store, client_for, task, actor, detail, clock_skew)
        if result is not None:
            return result
    raise InvalidTransitionError(f"task {task_id} kept changing while being cancelled; try again")


def settle_before_move(
    store: TaskStore,
    client_for: ClientFor,
    task_id: int,
    *,
    actor: str,
    clock_skew: timedelta = DEFAULT_CLOCK_SKEW,
) -> None:
    """Before a task whose post may be out is moved: ask the platform. Out, or it cannot
    tell: recorded, and the move refused (PostStillOutError); absent: the move may go on."""
    task = store.get_task(task_id)
    if not may_be_out(store, task):
        return
    finding = _ask_platform(store, client_for, task, clock_skew)
    if finding.unknown is not None:
        result = _hold(store, task, finding, "moved", actor)
    elif finding.platform_post_id is not None:
        result = _record_out(store, task, finding, "moved", actor)
    else:
        return
    raise PostStillOutError(result.message)
