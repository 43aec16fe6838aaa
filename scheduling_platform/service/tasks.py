"""Task operations: create (by a strategy), list, show, move.
Cancelling and deleting a post: cancellation.py."""

from __future__ import annotations

import base64
import binascii
import json
from datetime import datetime

from pydantic import BaseModel, Field

from scheduling_platform.lifecycle import TaskStatus
from scheduling_platform.publishing.withdrawal import settle_before_move
from scheduling_platform.scheduling.conflicts.checker import check_post
from scheduling_platform.scheduling.conflicts.model import ConflictsFoundError, Post
from scheduling_platform.scheduling.placement import parse_strategy, reschedule_checked
from scheduling_platform.scheduling.strategies.create import create_by_strategy, resolve_strategy
from scheduling_platform.scheduling.strategies.scores import parse_window
from scheduling_platform.scheduling.tasks import validate_post
from scheduling_platform.service.context import ServiceContext
from scheduling_platform.service.dispatch import publish_due_now
from scheduling_platform.service.errors import ConflictRefusal
from scheduling_platform.service.views import (
    AttemptView,
    AuditView,
    ConflictView,
    ScheduledTaskView,
    TaskDetail,
    TaskPage,
    TaskView,
)
from scheduling_platform.store.tasks import TaskFilter, TaskOrder
from scheduling_platform.timeutil import parse_user_time, utcnow

MAX_PAGE = 1000


class CreateTaskRequest(BaseModel):
    """A post; a time without a zone is read in the account's zone.

    `strategy` says how its time is chosen (docs/scheduling.md#strategies): unnamed, `fixed`
    with a time and `optimal_time` without. `immediate` takes no time; `optimal_time`,
    `user_preference` and `load_balance` search the `window` (default 7d) from `at` or now.
    """

    account_id: int
    content: str
    at: str | datetime | None = None
    priority: int = 5
    title: str | None = None
    media: list[str] = Field(default_factory=list)
    strategy: str | None = None
    window: str | None = None  # 7d, 36h, 90m


class ListTasksRequest(BaseModel):
    status: TaskStatus | None = None
    account_id: int | None = None
    platform: str | None = None
    scheduled_from: str | None = None  # ISO 8601; without a zone, the default zone
    scheduled_until: str | None = None
    order: TaskOrder = TaskOrder.SOONEST
    cursor: str | None = None
    limit: int = 100


def _refusal(ctx: ServiceContext, exc: ConflictsFoundError, account_id: int) -> ConflictRefusal:
    zone_name = account_zone(ctx, account_id)
    return ConflictRefusal(str(exc), ConflictView.all(exc.conflicts, zone_name))


def create_task(ctx: ServiceContext, request: CreateTaskRequest) -> ScheduledTaskView:
    """Create a post at the time its strategy chooses, after checking its conflicts: refused
    with them (ConflictRefusal) unless the strategy resolves them."""
    account = ctx.owned_account(request.account_id)
    strategy = resolve_strategy(request.strategy, request.at)
    try:
        task, decision = create_by_strategy(
            ctx.store,
            ctx.rules,
            request.account_id,
            request.content,
            request.at,
            strategy=strategy,
            window=parse_window(request.window),
            now=utcnow(),
            priority=request.priority,
            title=request.title,
            media=tuple(request.media),
            actor=ctx.actor,
            settings=ctx.settings,
            workspace_id=ctx.workspace_id,
            account=account,
        )
    except ConflictsFoundError as exc:
        refusal = ConflictView.all(exc.conflicts, account.timezone)
        raise ConflictRefusal(str(exc), refusal) from None
    view = ScheduledTaskView.placed(
        task, decision.placement, account.timezone, decision.reasons, decision.fallback
    )
    return view.model_copy(update={"dispatch": publish_due_now(ctx, [task])})


def check_task_conflicts(ctx: ServiceContext, request: CreateTaskRequest) -> list[ConflictView]:
    """The conflicts a post would have, without creating it (empty: none)."""
    if request.at is None:
        raise ValueError("give the time whose conflicts to check")
    account = ctx.owned_account(request.account_id)
    now = utcnow()
    when = validate_post(
        account,
        request.content,
        request.at,
        priority=request.priority,
        title=request.title,
        media=tuple(request.media),
        now=now,
    )
    post = Post(account.id, account.platform, request.content, when, tuple(request.media))
    result = check_post(ctx.store, ctx.rules, account, post, now)
    return ConflictView.all(result.conflicts, account.timezone)


def _encode_cursor(order: TaskOrder, at: datetime, task_id: int) -> str:
    raw = json.dumps({"order": str(order), "at": at.isoformat(), "id": task_id})
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode_cursor(cursor: str, order: TaskOrder) -> tuple[datetime, int]:
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        key = (datetime.fromisoformat(data["at"]), int(data["id"]))
        same_order = data["order"] == str(order)
    except (binascii.Error, ValueError, KeyError, TypeError):
        raise ValueError("the cursor is not one this listing gave out") from None
    if not same_order:
        raise ValueError(f"the cursor belongs to a listing ordered {data['order']}, not {order}")
    return key


def list_tasks(ctx: ServiceContext, request: ListTasksRequest) -> TaskPage:
    if not 1 <= request.limit <= MAX_PAGE:
        raise ValueError(f"limit must be between 1 and {MAX_PAGE}, not {request.limit}")
    zone_name = ctx.settings.default_timezone
    filters = TaskFilter(
        workspace_id=ctx.workspace_id,
        status=request.status,
        account_id=request.account_id,
        platform=request.platform,
        scheduled_from=parse_user_time(request.scheduled_from, zone_name)
        if request.scheduled_from
        else None,
        scheduled_until=parse_user_time(request.scheduled_until, zone_name)
        if request.scheduled_until
        else None,
    )
    after = _decode_cursor(request.cursor, request.order) if request.cursor else None
    found = ctx.store.task_page(filters, order=request.order, after=after, limit=request.limit)
    last = found[-1] if len(found) == request.limit else None
    return TaskPage(
        items=[TaskView.of(t) for t in found],
        next_cursor=_encode_cursor(request.order, last.scheduled_at, last.id) if last else None,
    )


def show_task(ctx: ServiceContext, task_id: int) -> TaskDetail:
    task = ctx.owned_task(task_id)
    return TaskDetail(
        **TaskView.of(task).model_dump(),
        attempts=[AttemptView(**a) for a in ctx.store.attempts(task_id)],
        audit=[AuditView(**a) for a in ctx.store.audit_trail(task_id)],
    )


def reschedule_task(
    ctx: ServiceContext, task_id: int, at: str | datetime, strategy: str = "fixed"
) -> ScheduledTaskView:
    """Move a task, checked like a create (the task itself is no conflict of its own), up to
    the moment its send begins. A task whose post may be out is verified first: if it is out,
    or the platform cannot tell, that is recorded and the move refused."""
    owned = ctx.owned_task(task_id)
    settle_before_move(ctx.store, ctx.client, task_id, actor=ctx.actor, clock_skew=ctx.clock_skew)
    try:
        task, placement = reschedule_checked(
            ctx.store,
            ctx.rules,
            task_id,
            at,
            strategy=parse_strategy(strategy),
            now=utcnow(),
            actor=ctx.actor,
        )
    except ConflictsFoundError as exc:
        raise _refusal(ctx, exc, owned.account_id) from None
    return ScheduledTaskView.placed(task, placement, account_zone(ctx, task.account_id))


def account_zone(ctx: ServiceContext, account_id: int) -> str:
    """The zone an account's times are shown in (the default zone for an unknown account)."""
    zones = ctx.store.account_zones(workspace_id=ctx.workspace_id, ids=[account_id])
    return zones.get(account_id, ctx.settings.default_timezone)
