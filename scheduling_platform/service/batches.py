"""Batch operations: up to `batch_limit` tasks in one call, and CSV imports of any size."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel

from scheduling_platform.scheduling.batches import BatchItem, ItemResult, place_batch
from scheduling_platform.scheduling.csv_import import import_csv as import_rows
from scheduling_platform.service.context import ServiceContext
from scheduling_platform.service.dispatch import publish_due_now
from scheduling_platform.service.errors import BatchLimitError
from scheduling_platform.service.tasks import CreateTaskRequest
from scheduling_platform.service.views import ConflictView, TaskView, Timestamp, View
from scheduling_platform.timeutil import utcnow


class BatchRequest(BaseModel):
    items: list[CreateTaskRequest]
    all_or_nothing: bool = False  # one refused item: nothing is created


class ItemView(View):
    index: int  # the item's place in the request (0-based)
    status: str  # created | refused | not_created | existing
    task_id: int | None
    task: TaskView | None
    reasons: list[str]  # refused: why; created: why this time (strategies that choose one)
    conflicts: list[ConflictView]  # refused: all its conflicts; created: its warnings
    moved_from: Timestamp | None


class BatchResult(View):
    created: int
    refused: int
    items: list[ItemView]
    dispatch: str | None = None  # items due before the sensor's next tick: the run for them


class ImportRow(View):
    row: int  # the line in the file; the header is row 1
    status: str
    task_id: int | None
    reasons: list[str]
    conflicts: list[ConflictView]


class ImportReport(View):
    file: str
    rows: int
    chunks: int
    created: int
    existing: int  # imported by an earlier run of the same rows
    refused: int
    results: list[ImportRow]


def _conflicts(
    ctx: ServiceContext, result: ItemResult, zones: dict[int, str]
) -> list[ConflictView]:
    zone_name = zones.get(
        result.task.account_id if result.task else -1, ctx.settings.default_timezone
    )
    return ConflictView.all(result.conflicts, zone_name)


def create_batch(ctx: ServiceContext, request: BatchRequest) -> BatchResult:
    """Up to `batch_limit` posts, each checked against the store and the items before it;
    one result an item. More than the limit is refused whole."""
    limit = ctx.settings.batch_limit
    if len(request.items) > limit:
        raise BatchLimitError(
            f"a batch takes at most {limit} tasks; this one has {len(request.items)} "
            "(use `tasks import --csv` for more)"
        )
    items = [
        BatchItem(
            i.account_id,
            i.content,
            i.at,
            title=i.title,
            media=tuple(i.media),
            priority=i.priority,
            strategy=i.strategy,
            window=i.window,
        )
        for i in request.items
    ]
    results = place_batch(
        ctx.store,
        ctx.rules,
        items,
        all_or_nothing=request.all_or_nothing,
        now=utcnow(),
        actor=ctx.actor,
        settings=ctx.settings,
        workspace_id=ctx.workspace_id,
    )
    zones = ctx.store.account_zones(
        workspace_id=ctx.workspace_id, ids={item.account_id for item in items}
    )
    views = []
    for r in results:
        zone_name = zones.get(items[r.index].account_id, ctx.settings.default_timezone)
        views.append(
            ItemView(
                index=r.index,
                status=str(r.status),
                task_id=r.task.id if r.task else None,
                task=TaskView.of(r.task) if r.task else None,
                reasons=r.reasons,
                conflicts=ConflictView.all(r.conflicts, zone_name),
                moved_from=r.moved_from,
            )
        )
    return BatchResult(
        created=sum(v.status == "created" for v in views),
        refused=sum(v.status == "refused" for v in views),
        items=views,
        dispatch=publish_due_now(ctx, [r.task for r in results if r.task is not None]),
    )


def import_csv(ctx: ServiceContext, path: Path) -> ImportReport:
    """Import a CSV of posts (columns account, content, at; title, media, priority, strategy
    optional) in chunks; running the same file again creates nothing twice."""
    report = import_rows(
        ctx.store,
        ctx.rules,
        path,
        chunk_rows=ctx.settings.import_chunk_rows,
        now=utcnow(),
        actor=ctx.actor,
        settings=ctx.settings,
        workspace_id=ctx.workspace_id,
    )
    zones = ctx.store.account_zones(workspace_id=ctx.workspace_id)
    rows = [
        ImportRow(
            row=r.row,
            status=str(r.result.status),
            task_id=r.result.task.id if r.result.task else None,
            reasons=r.result.reasons,
            conflicts=_conflicts(ctx, r.result, zones),
        )
        for r in report.results
    ]
    return ImportReport(
        file=str(path),
        rows=report.rows,
        chunks=report.chunks,
        created=sum(r.status == "created" for r in rows),
        existing=sum(r.status == "existing" for r in rows),
        refused=sum(r.status == "refused" for r in rows),
        results=rows,
    )
