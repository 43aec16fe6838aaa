"""`tasks`: create (by a strategy), list, show, cancel, reschedule, delete-post."""

from __future__ import annotations

import click

from scheduling_platform.cli.batch import tasks_batch, tasks_import
from scheduling_platform.cli.series import create_series, series
from scheduling_platform.cli.support import (
    conflict_lines,
    context,
    create_strategy_option,
    emit,
    json_option,
    strategy_option,
    user_errors,
    window_option,
)
from scheduling_platform.lifecycle import TaskStatus
from scheduling_platform.platforms.base import PLATFORMS
from scheduling_platform.service import cancellation
from scheduling_platform.service import tasks as service
from scheduling_platform.service.context import ServiceContext
from scheduling_platform.service.views import ScheduledTaskView, TaskView
from scheduling_platform.store.tasks import TaskOrder
from scheduling_platform.timeutil import in_zone


@click.group()
def tasks() -> None:
    """Scheduled posts."""


def _local(ctx: ServiceContext, task: TaskView) -> str:
    """The task's time in its account's zone."""
    return in_zone(task.scheduled_at, service.account_zone(ctx, task.account_id)).isoformat()


@tasks.command("create")
@click.option("--account", "account_id", required=True, type=int)
@click.option("--content", required=True)
@click.option(
    "--at",
    "at",
    help="ISO 8601; without a zone, the account's zone (with --rrule: DTSTART; with a "
    "searching strategy: the window's start)",
)
@click.option("--priority", default=5, show_default=True, type=int, help="1 (low) to 10 (high)")
@click.option("--title")
@click.option("--media", multiple=True, help="a path or URL; repeat for several (Douyin: a video)")
@create_strategy_option
@window_option
@click.option("--rrule", help='RFC 5545, e.g. "FREQ=WEEKLY;BYDAY=MO,WE;BYHOUR=9;BYMINUTE=0"')
@click.option("--until", help="with --rrule: the last possible occurrence (ISO 8601)")
@click.option("--count", type=int, help="with --rrule: how many occurrences")
@click.option("--exdate", multiple=True, help="with --rrule: a time or date excluded; repeat")
@json_option
@user_errors
def tasks_create(
    account_id: int,
    content: str,
    at: str | None,
    priority: int,
    title: str | None,
    media: tuple[str, ...],
    strategy: str | None,
    window: str | None,
    rrule: str | None,
    until: str | None,
    count: int | None,
    exdate: tuple[str, ...],
    as_json: bool,
) -> None:
    """Schedule a post (or, with --rrule, a recurring series) at the time its strategy
    chooses; a post that conflicts is refused with its conflicts unless the strategy moves it."""
    if rrule:
        create_series(
            account_id=account_id,
            content=content,
            rrule=rrule,
            start=at,
            until=until,
            count=count,
            exdates=exdate,
            title=title,
            media=media,
            priority=priority,
            strategy=strategy or "fixed",
            as_json=as_json,
        )
        return
    if until or count or exdate:
        raise click.UsageError("--until, --count and --exdate need --rrule")
    ctx = context()
    request = service.CreateTaskRequest(
        account_id=account_id,
        content=content,
        at=at,
        priority=priority,
        title=title,
        media=list(media),
        strategy=strategy,
        window=window,
    )
    task = service.create_task(ctx, request)
    first = f"task {task.id} scheduled for {_local(ctx, task)} ({task.strategy})"
    emit(as_json, task, _placed(ctx, task, first))


def _placed(ctx: ServiceContext, task: ScheduledTaskView, first: str) -> str:
    lines = [first]
    if task.fallback:
        lines.append(f"  fell back to {task.strategy}: {task.fallback}")
    lines += [f"  {reason}" for reason in task.reasons]
    if task.model_version and task.predicted_engagement is not None:
        lines.append(
            f"  model {task.model_version} expects {task.predicted_engagement:.0f} "
            f"± {task.prediction_uncertainty or 0:.0f}"
        )
    if task.dispatch:
        lines.append(f"  {task.dispatch}")
    if task.moved_from:
        zone_name = service.account_zone(ctx, task.account_id)
        lines.append(f"  moved from {in_zone(task.moved_from, zone_name).isoformat()} to avoid:")
        lines += conflict_lines(task.resolved)
    if task.warnings:
        lines.append("  warnings:")
        lines += conflict_lines(task.warnings)
    return "\n".join(lines)


@tasks.command("list")
@click.option("--status", type=click.Choice([s.value for s in TaskStatus]))
@click.option("--account", "account_id", type=int)
@click.option("--platform", type=click.Choice(PLATFORMS))
@click.option("--from", "scheduled_from", help="scheduled at or after (ISO 8601)")
@click.option("--until", "scheduled_until", help="scheduled before (ISO 8601)")
@click.option("--order", type=click.Choice([o.value for o in TaskOrder]), default="soonest")
@click.option("--cursor", help="the next page, as the previous page's last line gave it")
@click.option("--limit", default=1000, show_default=True, type=int)
@json_option
@user_errors
def tasks_list(
    status: str | None,
    account_id: int | None,
    platform: str | None,
    scheduled_from: str | None,
    scheduled_until: str | None,
    order: str,
    cursor: str | None,
    limit: int,
    as_json: bool,
) -> None:
    ctx = context()
    request = service.ListTasksRequest(
        status=TaskStatus(status) if status else None,
        account_id=account_id,
        platform=platform,
        scheduled_from=scheduled_from,
        scheduled_until=scheduled_until,
        order=TaskOrder(order),
        cursor=cursor,
        limit=limit,
    )
    page = service.list_tasks(ctx, request)
    lines = [
        f"{t.id:>7}  {t.platform:<10} {t.status:<16} {_local(ctx, t)}  {t.content[:40]}"
        for t in page.items
    ]
    if page.next_cursor:
        lines.append(f"more: --cursor {page.next_cursor}")
        if as_json:
            click.echo(f"more: --cursor {page.next_cursor}", err=True)
    emit(as_json, page.items, "\n".join(lines) or "no tasks")


@tasks.command("show")
@click.argument("task_id", type=int)
@json_option
@user_errors
def tasks_show(task_id: int, as_json: bool) -> None:
    ctx = context()
    detail = service.show_task(ctx, task_id)
    task = TaskView(**detail.model_dump(exclude={"attempts", "audit"}))
    zone_name = service.account_zone(ctx, detail.account_id)
    lines = [f"{k}: {v}" for k, v in task.data().items()]
    lines.append(f"scheduled_at ({zone_name}): {_local(ctx, task)}")
    lines += [
        f"  {a.at:%Y-%m-%d %H:%M:%S}Z {a.from_status or '-'} -> {a.to_status} by {a.actor}"
        for a in detail.audit
    ]
    emit(as_json, detail, "\n".join(lines))


@tasks.command("cancel")
@click.argument("task_id", type=int)
@json_option
@user_errors
def tasks_cancel(task_id: int, as_json: bool) -> None:
    """Cancel a post that has not gone out, up to the moment its send begins. One whose last
    attempt may have gone out is checked with the platform first and never reported cancelled
    when it is out (or the platform cannot tell: then it is held)."""
    task = cancellation.cancel_task(context(), task_id)
    emit(as_json, task, f"task {task.id} cancelled")


@tasks.command("delete-post")
@click.argument("task_id", type=int)
@json_option
@user_errors
def tasks_delete_post(task_id: int, as_json: bool) -> None:
    """Take a published post down (Weibo, WeChat, Baijiahao; Douyin and Toutiao offer no way)."""
    task = cancellation.delete_post(context(), task_id)
    emit(
        as_json, task, f"task {task.id}: post {task.platform_post_id} deleted from {task.platform}"
    )


@tasks.command("reschedule")
@click.argument("task_id", type=int)
@click.option("--at", "at", required=True, help="ISO 8601; without a zone, the account's zone")
@strategy_option
@json_option
@user_errors
def tasks_reschedule(task_id: int, at: str, strategy: str, as_json: bool) -> None:
    """Move a post, checked for conflicts like a create."""
    ctx = context()
    task = service.reschedule_task(ctx, task_id, at, strategy)
    emit(as_json, task, _placed(ctx, task, f"task {task.id} moved to {_local(ctx, task)}"))


for command in (series, tasks_batch, tasks_import):
    tasks.add_command(command)
