"""Task operations: create (at a time or at the model's best slot), list, show, move.
Cancelling and deleting a post: cancellation.py."""

from __future__ import annotations

import base64
import binascii
import json
from datetime import datetime

from pydantic import BaseModel, Field

from scheduling_platform.lifecycle import TaskStatus
from scheduling_platform.publishing.withdrawal import settle_before_move
from scheduling_platform.scheduling.best_slot import schedule_at_best_slot
from scheduling_platform.scheduling.conflicts.checker import check_post
from scheduling_platform.scheduling.conflicts.model import ConflictsFoundError, Post
from scheduling_platform.scheduling.placement import (
    parse_strategy,
    reschedule_checked,
    schedule_checked,
)
from scheduling_platform.scheduling.tasks import validate_post
from scheduling_platform.service.context import ServiceContext
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
from scheduling_platform.timeutil import in_zone, parse_user_time, utcnow

MAX_PAGE = 1000


class CreateTaskRequest(BaseModel):
    """A post at a given time; a time without a zone is read in the account's zone.

    Without a time the engagement model picks the best 5-minute slot of the coming week.
    """

    account_id: int
    content: str
    at: str | datetime | None = None
    priority: int = 5
    title: str | None = None
    media: list[str] = Field(default_factory=list)
    strategy: str = "fixed"  # or "conflict_avoidance": move to the nearest free good slot


class BestSlotRequest(BaseModel):
    """A post at the model's best 5-minute slot of the coming days."""

    account_id: int
    content: str
    title: str | None = None
    content_type: str = "text"
    media_count: int = 0
    within_days: float = 7.0
    priority: int = 5


class BestSlotResult(BaseModel):
    task: TaskView
    local_time: str  # the chosen slot in the account's zone, ISO 8601
    model_version: str
    predicted: float
    uncertainty: float
    median_slot: float


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
    """Create a post after checking its conflicts: refused with them (ConflictRefusal), or
    moved to the nearest free good slot when the strategy is `conflict_avoidance`. Without a
    time, the engagement model picks the slot."""
    if request.at is None:
        best = BestSlotRequest(
            account_id=request.account_id,
            content=request.content,
            title=request.title,
            media_count=len(request.media),
            priority=request.priority,
        )
        chosen = create_task_at_best_slot(ctx, best).task
        return ScheduledTaskView(**chosen.model_dump())
    ctx.owned_account(request.account_id)
    try:
        task, placement = schedule_checked(
            ctx.store,
            ctx.rules,
            request.account_id,
            request.content,
            request.at,
            strategy=parse_strategy(request.strategy),
            now=utcnow(),
            priority=request.priority,
            title=request.title,
            media=tuple(request.media),
            actor=ctx.actor,
            settings=ctx.settings,
        )
    except ConflictsFoundError as exc:
        raise _refusal(ctx, exc, request.account_id) from None
    return ScheduledTaskView.placed(task, placement, account_zone(ctx, task.account_id))


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


def create_task_at_best_slot(ctx: ServiceContext, request: BestSlotRequest) -> BestSlotResult:
    ctx.owned_account(request.account_id)
    task, choice = schedule_at_best_slot(
        ctx.store,
        request.account_id,
        request.content,
        title=request.title,
        content_type=request.content_type,
        media_count=request.media_count,
        within_days=request.within_days,
        priority=request.priority,
        actor=ctx.actor,
        exploration_share=ctx.settings.exploration_share,
    )
    zone_name = ctx.owned_account(task.account_id).timezone
    return BestSlotResult(
        task=TaskView.of(task),
        local_time=in_zone(task.scheduled_at, zone_name).isoformat(),
        model_version=choice.model_version,
        predicted=choice.predicted,
        uncertainty=choice.uncertainty,
        median_slot=choice.median_slot,
    )


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
