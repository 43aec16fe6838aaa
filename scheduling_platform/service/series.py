"""Recurring series operations: create, show, edit and cancel (whole, following, one)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from pydantic import BaseModel, Field

from scheduling_platform.scheduling import series as domain
from scheduling_platform.scheduling.conflicts.model import ConflictsFoundError
from scheduling_platform.scheduling.series_edits import edit_series as edit_domain_series
from scheduling_platform.scheduling.tasks import take_in_media
from scheduling_platform.service.context import ServiceContext
from scheduling_platform.service.errors import ConflictRefusal
from scheduling_platform.service.views import ConflictView, Timestamp, View
from scheduling_platform.store.records import Series
from scheduling_platform.timeutil import utcnow

NEXT = 10  # occurrences every answer shows


class CreateSeriesRequest(BaseModel):
    """A recurring post: an RFC 5545 RRULE from `start` (DTSTART, in the account's zone)."""

    account_id: int
    content: str
    rrule: str
    start: str | None = None  # default: the next whole minute
    until: str | None = None
    count: int | None = None
    exdates: list[str] = Field(default_factory=list)  # wall times or whole dates
    title: str | None = None
    media: list[str] = Field(default_factory=list)
    priority: int = 5
    strategy: str = "fixed"


class EditSeriesRequest(BaseModel):
    scope: domain.Scope = domain.Scope.ALL
    occurrence: str | None = None  # the occurrence's time, for `following` and `one`
    content: str | None = None
    title: str | None = None
    media: list[str] | None = None
    priority: int | None = None
    rrule: str | None = None
    start: str | None = None
    at: str | None = None  # `one`: move the occurrence here


class OccurrenceView(View):
    n: int
    start: Timestamp  # UTC, the occurrence's key
    local: str  # ISO 8601 with the zone's offset
    note: str | None  # how a DST gap or fold was resolved
    status: str  # the task's status, or "not yet created" / "refused"
    task_id: int | None
    scheduled_at: Timestamp | None  # differs from `start` when the task was moved
    conflicts: list[dict[str, Any]]  # why the expansion refused it (tried again each time)


class SeriesView(View):
    id: int
    account_id: int
    status: str
    rrule: str
    dtstart: str
    timezone: str
    exdates: list[str]
    content: str
    title: str | None
    media: list[str]
    priority: int
    strategy: str
    parent_id: int | None
    next: list[OccurrenceView]
    created_warnings: list[ConflictView] = []  # warnings of the occurrences this call made


def _view(
    ctx: ServiceContext, made: Series, warnings: list[ConflictView] | None = None
) -> SeriesView:
    coming = domain.upcoming(ctx.store, made, utcnow(), NEXT)
    return SeriesView(
        id=made.id,
        account_id=made.account_id,
        status=str(made.status),
        rrule=made.rrule,
        dtstart=made.dtstart,
        timezone=made.timezone,
        exdates=list(made.exdates),
        content=made.content,
        title=made.title,
        media=list(made.media),
        priority=made.priority,
        strategy=made.strategy,
        parent_id=made.parent_id,
        next=[
            OccurrenceView(
                n=i + 1,
                start=u.occurrence.start,
                local=u.occurrence.local.isoformat(),
                note=u.occurrence.note,
                status=str(u.task.status)
                if u.task
                else ("refused" if u.conflicts else "not yet created"),
                task_id=u.task.id if u.task else None,
                scheduled_at=u.task.scheduled_at if u.task else None,
                conflicts=u.conflicts,
            )
            for i, u in enumerate(coming)
        ],
        created_warnings=warnings or [],
    )


def expansion(ctx: ServiceContext) -> domain.Expansion:
    return domain.Expansion(
        ctx.rules,
        timedelta(days=ctx.settings.series_horizon_days),
        ctx.settings.series_max_ahead,
    )


def create_series(ctx: ServiceContext, request: CreateSeriesRequest) -> SeriesView:
    """Store the series and make its occurrences within the horizon (each conflict-checked;
    a refused one shows as `refused` with its conflicts)."""
    account = ctx.owned_account(request.account_id)
    media = take_in_media(account, request.content, tuple(request.media), ctx.settings)
    made, report = domain.create_series(
        ctx.store,
        expansion(ctx),
        account_id=request.account_id,
        rule=request.rrule,
        changes=domain.Changes(
            content=request.content,
            title=request.title,
            media=media,
            priority=request.priority,
            start=request.start,
        ),
        strategy=request.strategy,
        until=request.until,
        count=request.count,
        exdates=tuple(request.exdates),
        now=utcnow(),
        actor=ctx.actor,
    )
    warnings = [ConflictView.of(c, made.timezone) for o in report.created for c in o.conflicts]
    return _view(ctx, made, warnings)


def show_series(ctx: ServiceContext, series_id: int) -> SeriesView:
    return _view(ctx, ctx.store.get_series(series_id, workspace_id=ctx.workspace_id))


def edit_series(ctx: ServiceContext, series_id: int, request: EditSeriesRequest) -> SeriesView:
    """Edit the whole series, this occurrence and the following ones (a new series from it,
    whose view is returned), or one occurrence."""
    made = ctx.store.get_series(series_id, workspace_id=ctx.workspace_id)
    media = None
    if request.media is not None:
        account = ctx.owned_account(made.account_id)
        content = request.content if request.content is not None else made.content
        media = take_in_media(account, content, tuple(request.media), ctx.settings)
    changes = domain.Changes(
        content=request.content,
        title=request.title,
        media=media,
        priority=request.priority,
        rrule=request.rrule,
        start=request.start,
        at=request.at,
    )
    try:
        edited = edit_domain_series(
            ctx.store,
            expansion(ctx),
            series_id,
            request.scope,
            request.occurrence,
            changes,
            now=utcnow(),
            actor=ctx.actor,
        )
    except ConflictsFoundError as exc:
        raise ConflictRefusal(str(exc), ConflictView.all(exc.conflicts, made.timezone)) from None
    return _view(ctx, edited)


def cancel_series(
    ctx: ServiceContext, series_id: int, scope: domain.Scope, occurrence: str | None = None
) -> SeriesView:
    ctx.store.get_series(series_id, workspace_id=ctx.workspace_id)
    made = domain.cancel_series(
        ctx.store,
        series_id,
        scope,
        occurrence,
        now=utcnow(),
        actor=ctx.actor,
        client_for=ctx.client,
    )
    return _view(ctx, made)
