"""Scheduling endpoints: create, list, show, reschedule and cancel tasks (each create and move
checked for conflicts: 409 with them), delete a task's post. Batches and series: series.py."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from scheduling_platform.api.auth import require
from scheduling_platform.api.idempotency import IdempotencyKey, run_once
from scheduling_platform.api.routers.common import AUTHENTICATED, MAX_ID, TaskId, problems
from scheduling_platform.lifecycle import TaskStatus
from scheduling_platform.platforms.base import PLATFORMS
from scheduling_platform.service import cancellation
from scheduling_platform.service import tasks as service
from scheduling_platform.service.context import ServiceContext
from scheduling_platform.service.views import ScheduledTaskView, TaskDetail, TaskPage, TaskView
from scheduling_platform.store.tasks import TaskOrder

router = APIRouter(prefix="/api/v1/scheduling", tags=["scheduling"])
Platform = Annotated[str, Query(pattern=f"^({'|'.join(PLATFORMS)})$")]


class RescheduleRequest(BaseModel):
    """The new time; without a zone it is read in the account's zone."""

    at: str | datetime
    strategy: str = "fixed"  # or "conflict_avoidance": the nearest free good slot instead


@router.post(
    "/tasks",
    status_code=201,
    response_model=ScheduledTaskView,
    responses=problems(*AUTHENTICATED, 404, 409),
    summary="Schedule a post at the time its strategy chooses (default: `at`, or the model's "
    "best slot when `at` is omitted); "
    "409 with the conflicts, unless the strategy resolves them",
)
def create_task(
    body: service.CreateTaskRequest,
    request: Request,
    idempotency_key: IdempotencyKey = None,
    ctx: ServiceContext = Depends(require("write")),
) -> JSONResponse:
    return run_once(
        request, ctx, idempotency_key, body, 201, lambda: service.create_task(ctx, body)
    )


@router.get(
    "/tasks",
    response_model=TaskPage,
    responses=problems(*AUTHENTICATED),
    summary="The workspace's tasks, a page at a time (pass `next_cursor` back as `cursor`)",
)
def list_tasks(
    status: TaskStatus | None = None,
    account_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    platform: Platform | None = None,
    scheduled_from: Annotated[str | None, Query(description="ISO 8601, inclusive")] = None,
    scheduled_until: Annotated[str | None, Query(description="ISO 8601, exclusive")] = None,
    order: TaskOrder = TaskOrder.SOONEST,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=service.MAX_PAGE)] = 100,
    ctx: ServiceContext = Depends(require("read")),
) -> JSONResponse:
    request = service.ListTasksRequest(
        status=status,
        account_id=account_id,
        platform=platform,
        scheduled_from=scheduled_from,
        scheduled_until=scheduled_until,
        order=order,
        cursor=cursor,
        limit=limit,
    )
    # The page is a view already: answered as it serialises, not validated a second time.
    return JSONResponse(service.list_tasks(ctx, request).data())


@router.get(
    "/tasks/{task_id}",
    response_model=TaskDetail,
    responses=problems(*AUTHENTICATED, 404),
    summary="A task with its publish attempts and audit trail",
)
def show_task(task_id: TaskId, ctx: ServiceContext = Depends(require("read"))) -> TaskDetail:
    return service.show_task(ctx, task_id)


@router.put(
    "/tasks/{task_id}/reschedule",
    response_model=ScheduledTaskView,
    responses=problems(*AUTHENTICATED, 404, 409),
    summary="Move a task to another time (checked for conflicts like a create)",
)
def reschedule_task(
    task_id: TaskId, body: RescheduleRequest, ctx: ServiceContext = Depends(require("write"))
) -> ScheduledTaskView:
    return service.reschedule_task(ctx, task_id, body.at, body.strategy)


@router.delete(
    "/tasks/{task_id}",
    response_model=TaskView,
    responses=problems(*AUTHENTICATED, 404, 409),
    summary="Cancel a task that has not gone out, up to the moment its send begins; 409 with "
    "`outcome` (published, sending, held) and the `task` when it was not cancelled",
)
def cancel_task(task_id: TaskId, ctx: ServiceContext = Depends(require("write"))) -> TaskView:
    return cancellation.cancel_task(ctx, task_id)


@router.delete(
    "/tasks/{task_id}/post",
    response_model=TaskView,
    responses=problems(*AUTHENTICATED, 404, 409, 422, 503),
    summary="Take a published task's post down (Weibo, WeChat, Baijiahao); 422 where the "
    "platform offers no way (Douyin, Toutiao), nothing changed",
)
def delete_post(task_id: TaskId, ctx: ServiceContext = Depends(require("write"))) -> TaskView:
    return cancellation.delete_post(ctx, task_id)
