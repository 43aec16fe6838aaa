"""Cancelling a task up to the moment its send begins, and taking a live post down."""

from __future__ import annotations

from scheduling_platform.publishing.takedown import delete_post as take_down
from scheduling_platform.publishing.withdrawal import CancelOutcome
from scheduling_platform.scheduling import tasks as scheduling
from scheduling_platform.service.context import ServiceContext
from scheduling_platform.service.errors import NotCancelledError
from scheduling_platform.service.views import TaskView


def cancel_task(ctx: ServiceContext, task_id: int) -> TaskView:
    """Cancel a task that has not gone out (also while claimed). One whose post may be out
    is verified with the platform first; when it is not cancelled (out, being sent, or the
    platform cannot tell: held), NotCancelledError says which, with the task as it stands."""
    ctx.owned_task(task_id)
    result = scheduling.cancel_task(
        ctx.store, task_id, actor=ctx.actor, client_for=ctx.client, clock_skew=ctx.clock_skew
    )
    if result.outcome is not CancelOutcome.CANCELLED:
        raise NotCancelledError(result.message, str(result.outcome), TaskView.of(result.task))
    return TaskView.of(result.task)


def delete_post(ctx: ServiceContext, task_id: int) -> TaskView:
    """Take a published task's post down where the platform has an API for it; the task
    becomes `post_deleted`. Where it has none (Douyin, Toutiao) it says so; nothing changes."""
    ctx.owned_task(task_id)
    return TaskView.of(take_down(ctx.store, ctx.client, task_id, actor=ctx.actor))
