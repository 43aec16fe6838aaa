"""Recurring series: create (and expand at once), list what comes next, and cancel the whole
series, this occurrence and the following ones, or one occurrence (edits: series_edits.py).

Cancelled occurrences never come back: a single one becomes an EXDATE (and its task, if made,
is cancelled, which keeps its (series, occurrence) key taken); "this and following" ends the
series before it. A "this and following" edit ends the series there and starts a new one
(its `parent_id` names the old one) from that occurrence, with the changes and the old one's
later exclusions.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from scheduling_platform.lifecycle import EDITABLE, WITHDRAWABLE, SeriesStatus, TaskStatus
from scheduling_platform.platforms.rules import rules_for
from scheduling_platform.publishing import withdrawal
from scheduling_platform.publishing.withdrawal import ClientFor
from scheduling_platform.scheduling.conflicts.rules import ConflictRules
from scheduling_platform.scheduling.expansion import ExpansionReport, expand_series, recurrence_of
from scheduling_platform.scheduling.placement import parse_strategy
from scheduling_platform.scheduling.recurrence import (
    Occurrence,
    Recurrence,
    RecurrenceError,
    normalise_exdate,
)
from scheduling_platform.scheduling.tasks import SchedulingError, within_horizon
from scheduling_platform.store.records import Series, Task
from scheduling_platform.store.task_store import TaskStore
from scheduling_platform.timeutil import parse_user_time


class Scope(StrEnum):
    ALL = "all"  # the whole series
    FOLLOWING = "following"  # this occurrence and the ones after it
    ONE = "one"  # this occurrence only


@dataclass(frozen=True)
class Expansion:
    """How far ahead occurrences are made (from the settings)."""

    rules: ConflictRules
    horizon: timedelta
    max_ahead: int


@dataclass(frozen=True)
class Changes:
    """What an edit changes; None keeps it. `at` moves one occurrence (scope `one`)."""

    content: str | None = None
    title: str | None = None
    media: tuple[str, ...] | None = None
    priority: int | None = None
    rrule: str | None = None
    start: str | None = None  # a new DTSTART (wall time in the series' zone, or with offset)
    at: str | None = None

    def task_values(self) -> dict[str, Any]:
        values: dict[str, Any] = {
            "content": self.content,
            "title": self.title,
            "media": self.media,
            "priority": self.priority,
        }
        return {k: v for k, v in values.items() if v is not None}


@dataclass(frozen=True)
class Upcoming:
    """A coming occurrence and what exists for it."""

    occurrence: Occurrence
    task: Task | None
    conflicts: list[dict[str, Any]]  # the expansion's latest refusal, if it has no task


def check_post_fields(series_like: Series | None, platform: str, changes: Changes) -> None:
    content = changes.content or (series_like.content if series_like else "")
    title = changes.title if changes.title is not None else (series_like and series_like.title)
    media = (
        changes.media if changes.media is not None else (series_like.media if series_like else ())
    )
    rules_for(platform).check(content, title or None, tuple(media))
    if changes.priority is not None and not 1 <= changes.priority <= 10:
        raise SchedulingError(f"priority must be between 1 and 10, not {changes.priority}")


def create_series(
    store: TaskStore,
    expansion: Expansion,
    *,
    account_id: int,
    rule: str,
    changes: Changes,
    strategy: str,
    until: str | None,
    count: int | None,
    exdates: tuple[str, ...],
    now: datetime,
    actor: str,
) -> tuple[Series, ExpansionReport]:
    """Validate, store, and make the occurrences within the horizon at once."""
    account = store.get_account(account_id)
    check_post_fields(None, account.platform, changes)
    parse_strategy(strategy)
    zone_name = account.timezone
    recurrence = Recurrence.parse(
        rule,
        timezone=zone_name,
        dtstart=changes.start,
        now=now,
        until=until,
        count=count,
        exdates=tuple(normalise_exdate(e, zone_name) for e in exdates),
    )
    first = recurrence.occurrences(now, limit=1)
    if not first:
        raise RecurrenceError(f"RRULE {recurrence.rule!r} has no occurrence after now")
    within_horizon(first[0].start, zone_name, now)
    made = store.add_series(
        {
            "account_id": account.id,
            "title": changes.title,
            "content": changes.content,
            "media": list(changes.media or ()),
            "priority": changes.priority or 5,
            "strategy": strategy,
            "rrule": recurrence.rule,
            "dtstart": recurrence.dtstart.isoformat(),
            "timezone": zone_name,
            "exdates": list(recurrence.exdates),
        },
        actor=actor,
    )
    return made, expand_now(store, expansion, made, now, actor)


def expand_now(
    store: TaskStore, expansion: Expansion, made: Series, now: datetime, actor: str
) -> ExpansionReport:
    return expand_series(
        store,
        expansion.rules,
        now=now,
        horizon=expansion.horizon,
        max_ahead=expansion.max_ahead,
        only=[made],
        actor=actor,
    )


def upcoming(store: TaskStore, made: Series, now: datetime, count: int = 10) -> list[Upcoming]:
    """The next `count` occurrences however far ahead, each with its task or conflicts."""
    if made.status is not SeriesStatus.ACTIVE:
        return []
    coming = recurrence_of(made).occurrences(now, limit=count)
    if not coming:
        return []
    found = store.series_tasks([made.id], coming[0].start, coming[-1].start + timedelta(seconds=1))
    by_start = {t.occurrence_start: t for t in found}
    refused = store.occurrence_conflicts(made.id)
    return [
        Upcoming(o, by_start.get(o.start), [] if o.start in by_start else refused.get(o.start, []))
        for o in coming
    ]


def occurrence_of(made: Series, at: str) -> Occurrence:
    """The occurrence a user names by its time (wall time in the series' zone, or with offset)."""
    start = parse_user_time(at, made.timezone)
    found = recurrence_of(made).includes(start)
    if found is None:
        raise RecurrenceError(f"series {made.id} has no occurrence at {start.isoformat()}")
    return found


def pending_tasks(tasks: list[Task]) -> list[Task]:
    return [t for t in tasks if t.status in EDITABLE and t.status is not TaskStatus.DRAFT]


def cancel_pending(
    store: TaskStore,
    tasks: list[Task],
    actor: str,
    detail: str,
    client_for: ClientFor = withdrawal.no_client,
) -> int:
    """Cancel the tasks not sent yet, claimed ones too; one whose post may be out is asked
    about first and stays as found (publishing/withdrawal.py). Returns how many were."""
    cancelled = 0
    for task in tasks:
        if task.status in WITHDRAWABLE and task.status is not TaskStatus.DRAFT:
            result = withdrawal.cancel_task(store, client_for, task.id, actor=actor, detail=detail)
            cancelled += result.outcome is withdrawal.CancelOutcome.CANCELLED
    return cancelled


def rule_without_end(rule: str) -> str:
    return ";".join(p for p in rule.split(";") if not p.startswith(("COUNT=", "UNTIL=")))


def end_before(made: Series, occurrence: Occurrence) -> str:
    """The series' rule ended just before `occurrence` (UNTIL a second before its wall time)."""
    until = occurrence.wall - timedelta(seconds=1)
    return f"{rule_without_end(made.rrule)};UNTIL={until:%Y%m%dT%H%M%S}"


def cancel_series(
    store: TaskStore,
    series_id: int,
    scope: Scope,
    at: str | None,
    *,
    now: datetime,
    actor: str,
    client_for: ClientFor = withdrawal.no_client,
) -> Series:
    made = store.get_series(series_id)
    if scope is Scope.ALL:
        cancel_pending(
            store,
            store.series_tasks([made.id], now),
            actor,
            f"series {made.id} cancelled",
            client_for,
        )
        return store.update_series(
            made.id, {"status": SeriesStatus.CANCELLED}, actor=actor, detail="cancelled"
        )
    if at is None:
        raise SchedulingError(f"cancelling {scope} needs the occurrence (--occurrence)")
    occurrence = occurrence_of(made, at)
    if scope is Scope.ONE:
        cancel_pending(
            store,
            store.series_tasks(
                [made.id], occurrence.start, occurrence.start + timedelta(seconds=1)
            ),
            actor,
            f"occurrence {occurrence.local.isoformat()} of series {made.id} cancelled",
            client_for,
        )
        exdates = [*made.exdates, occurrence.wall.isoformat()]
        return store.update_series(
            made.id,
            {"exdates": exdates},
            actor=actor,
            detail=f"occurrence {occurrence.local.isoformat()} cancelled",
        )
    cancel_pending(
        store,
        store.series_tasks([made.id], occurrence.start),
        actor,
        f"series {made.id} cancelled from {occurrence.local.isoformat()}",
        client_for,
    )
    return store.update_series(
        made.id,
        {"rrule": end_before(made, occurrence)},
        actor=actor,
        detail=f"cancelled from {occurrence.local.isoformat()}",
    )
