"""`tasks series`: show, edit and cancel recurring series (created by `tasks create --rrule`)."""

from __future__ import annotations

import click

from scheduling_platform.cli.support import context, emit, json_option, user_errors
from scheduling_platform.scheduling.series import Scope
from scheduling_platform.service import series as service
from scheduling_platform.service.views import View


def series_text(view: service.SeriesView, first: str) -> str:
    """The series and its next occurrences, local and UTC, one line each."""
    lines = [first, f"  rule: {view.rrule} from {view.dtstart} ({view.timezone})"]
    if view.exdates:
        lines.append(f"  excluded: {', '.join(view.exdates)}")
    if not view.next:
        lines.append(f"  no occurrence to come ({view.status})")
    for o in view.next:
        task = f"task {o.task_id} {o.status}" if o.task_id else o.status
        moved = ""
        if o.scheduled_at is not None and o.scheduled_at != o.start:
            moved = f", moved to {o.scheduled_at.isoformat()}"
        lines.append(f"  {o.n:>2}. {o.local}  UTC {o.start.isoformat()}  {task}{moved}")
        if o.note:
            lines.append(f"      {o.note}")
        for c in o.conflicts:
            lines.append(f"      {c['severity']}: {c['type']}/{c['rule']}: {c['message']}")
    for w in view.created_warnings:
        lines.append(f"  warning: {w.type}/{w.rule}: {w.message}")
    return "\n".join(lines)


def emit_series(as_json: bool, view: View, first: str) -> None:
    assert isinstance(view, service.SeriesView)
    emit(as_json, view, series_text(view, first))


@click.group("series")
def series() -> None:
    """Recurring series: their next occurrences, edits and cancellations."""


scope_option = click.option(
    "--scope",
    type=click.Choice([s.value for s in Scope]),
    default="all",
    show_default=True,
    help="all: the whole series; following: --occurrence and after; one: --occurrence only",
)
occurrence_option = click.option(
    "--occurrence", help="the occurrence's time (ISO 8601; without a zone, the series' zone)"
)


@series.command("show")
@click.argument("series_id", type=int)
@json_option
@user_errors
def series_show(series_id: int, as_json: bool) -> None:
    """The series and its next ten occurrences, however far ahead."""
    view = service.show_series(context(), series_id)
    emit_series(as_json, view, f"series {view.id} ({view.status})")


@series.command("edit")
@click.argument("series_id", type=int)
@scope_option
@occurrence_option
@click.option("--content")
@click.option("--title")
@click.option("--media", multiple=True)
@click.option("--priority", type=int)
@click.option("--rrule", help="a new rule (scope all or following)")
@click.option("--start", help="a new DTSTART (scope all or following)")
@click.option("--at", "at", help="scope one: move the occurrence to this time")
@json_option
@user_errors
def series_edit(
    series_id: int,
    scope: str,
    occurrence: str | None,
    content: str | None,
    title: str | None,
    media: tuple[str, ...],
    priority: int | None,
    rrule: str | None,
    start: str | None,
    at: str | None,
    as_json: bool,
) -> None:
    request = service.EditSeriesRequest(
        scope=Scope(scope),
        occurrence=occurrence,
        content=content,
        title=title,
        media=list(media) or None,
        priority=priority,
        rrule=rrule,
        start=start,
        at=at,
    )
    view = service.edit_series(context(), series_id, request)
    emit_series(as_json, view, f"series {view.id} edited ({scope})")


@series.command("cancel")
@click.argument("series_id", type=int)
@scope_option
@occurrence_option
@json_option
@user_errors
def series_cancel(series_id: int, scope: str, occurrence: str | None, as_json: bool) -> None:
    view = service.cancel_series(context(), series_id, Scope(scope), occurrence)
    emit_series(as_json, view, f"series {view.id} cancelled ({scope})")


def create_series(
    *,
    account_id: int,
    content: str,
    rrule: str,
    start: str | None,
    until: str | None,
    count: int | None,
    exdates: tuple[str, ...],
    title: str | None,
    media: tuple[str, ...],
    priority: int,
    strategy: str,
    as_json: bool,
) -> None:
    """`tasks create --rrule`: the series id and its next ten occurrences."""
    request = service.CreateSeriesRequest(
        account_id=account_id,
        content=content,
        rrule=rrule,
        start=start,
        until=until,
        count=count,
        exdates=list(exdates),
        title=title,
        media=list(media),
        priority=priority,
        strategy=strategy,
    )
    view = service.create_series(context(), request)
    emit_series(as_json, view, f"series {view.id} created")
