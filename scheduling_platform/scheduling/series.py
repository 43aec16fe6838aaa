"""Recurring series: create (and expand at once), list what comes next, edit and cancel the whole
series, this occurrence and the following ones, or one occurrence.

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

from scheduling_platform.lifecycle import EDITABLE, SeriesStatus, TaskStatus
from scheduling_platform.platforms.rules import rules_for
from scheduling_platform.scheduling.conflicts.checker import ConflictChecker
from scheduling_platform.scheduling.conflicts.model import Post
from scheduling_platform.scheduling.conflicts.rules import ConflictRules
from scheduling_platform.scheduling.expansion import ExpansionReport, expand_series, recurrence_of
from scheduling_platform.scheduling.placement import parse_strategy, place, reschedule_checked
from scheduling_platform.scheduling.recurrence import (
    Occurrence,
    Recurrence,
    RecurrenceError,
    normalise_exdate,
)
from scheduling_platform.scheduling.tasks import SchedulingError
from scheduling_platform.store.records import Series, Task
from scheduling_platform.store.task_store import TaskStore
from scheduling_platform.store.tasks import NewTask
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


def _check_post_fields(series_like: Series | None, platform: str, changes: Changes) -> None:
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
    _check_post_fields(None, account.platform, changes)
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
    if not recurrence.occurrences(now, limit=1):
        raise RecurrenceError(f"RRULE {recurrence.rule!r} has no occurrence after now")
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
    return made, _expand(store, expansion, made, now, actor)


def _expand(
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


def _pending(tasks: list[Task]) -> list[Task]:
    return [t for t in tasks if t.status in EDITABLE and t.status is not TaskStatus.DRAFT]


def _cancel(store: TaskStore, tasks: list[Task], actor: str, detail: str) -> int:
    for task in _pending(tasks):
        store.transition(task, TaskStatus.CANCELLED, actor=actor, detail=detail)
    return len(_pending(tasks))


def _rule_without_end(rule: str) -> str:
    return ";".join(p for p in rule.split(";") if not p.startswith(("COUNT=", "UNTIL=")))


def _end_before(made: Series, occurrence: Occurrence) -> str:
    """The series' rule ended just before `occurrence` (UNTIL a second before its wall time)."""
    until = occurrence.wall - timedelta(seconds=1)
    return f"{_rule_without_end(made.rrule)};UNTIL={until:%Y%m%dT%H%M%S}"


def cancel_series(
    store: TaskStore, series_id: int, scope: Scope, at: str | None, *, now: datetime, actor: str
) -> Series:
    made = store.get_series(series_id)
    if scope is Scope.ALL:
        _cancel(store, store.series_tasks([made.id], now), actor, f"series {made.id} cancelled")
        return store.update_series(
            made.id, {"status": SeriesStatus.CANCELLED}, actor=actor, detail="cancelled"
        )
    if at is None:
        raise SchedulingError(f"cancelling {scope} needs the occurrence (--occurrence)")
    occurrence = occurrence_of(made, at)
    if scope is Scope.ONE:
        _cancel(
            store,
            store.series_tasks(
                [made.id], occurrence.start, occurrence.start + timedelta(seconds=1)
            ),
            actor,
            f"occurrence {occurrence.local.isoformat()} of series {made.id} cancelled",
        )
        exdates = [*made.exdates, occurrence.wall.isoformat()]
        return store.update_series(
            made.id,
            {"exdates": exdates},
            actor=actor,
            detail=f"occurrence {occurrence.local.isoformat()} cancelled",
        )
    _cancel(
        store,
        store.series_tasks([made.id], occurrence.start),
        actor,
        f"series {made.id} cancelled from {occurrence.local.isoformat()}",
    )
    return store.update_series(
        made.id,
        {"rrule": _end_before(made, occurrence)},
        actor=actor,
        detail=f"cancelled from {occurrence.local.isoformat()}",
    )


def edit_series(
    store: TaskStore,
    expansion: Expansion,
    series_id: int,
    scope: Scope,
    at: str | None,
    changes: Changes,
    *,
    now: datetime,
    actor: str,
) -> Series:
    """Apply `changes` to the scope; returns the series that now holds the edited occurrences."""
    made = store.get_series(series_id)
    if made.status is not SeriesStatus.ACTIVE:
        raise SchedulingError(f"series {made.id} is {made.status} and cannot be edited")
    platform = store.get_account(made.account_id).platform
    _check_post_fields(made, platform, changes)
    if scope is Scope.ALL:
        return _edit_all(store, expansion, made, changes, now, actor)
    if at is None:
        raise SchedulingError(f"editing {scope} needs the occurrence (--occurrence)")
    occurrence = occurrence_of(made, at)
    if scope is Scope.ONE:
        _edit_one(store, expansion, made, occurrence, changes, now, actor)
        return made
    return _edit_following(store, expansion, made, occurrence, changes, now, actor)


def _recurrence_changes(made: Series, changes: Changes, now: datetime) -> dict[str, Any]:
    if changes.rrule is None and changes.start is None:
        return {}
    recurrence = Recurrence.parse(
        changes.rrule or made.rrule,
        timezone=made.timezone,
        dtstart=changes.start or made.dtstart,
        now=now,
        exdates=made.exdates,
    )
    return {"rrule": recurrence.rule, "dtstart": recurrence.dtstart.isoformat()}


def _edit_all(
    store: TaskStore,
    expansion: Expansion,
    made: Series,
    changes: Changes,
    now: datetime,
    actor: str,
) -> Series:
    values = {**changes.task_values(), **_recurrence_changes(made, changes, now)}
    if not values:
        raise SchedulingError("nothing to change")
    edited = store.update_series(made.id, values, actor=actor, detail="edited (whole series)")
    pending = _pending(store.series_tasks([made.id], now))
    recurrence = recurrence_of(edited)
    # Occurrences the new rule no longer has are cancelled; the others keep their task.
    gone = [
        t for t in pending if t.occurrence_start and not recurrence.includes(t.occurrence_start)
    ]
    _cancel(store, gone, actor, f"no longer an occurrence of series {made.id}")
    kept = [t for t in pending if t not in gone]
    if changes.task_values() and kept:
        store.edit_tasks(
            kept, changes.task_values(), actor=actor, detail=f"series {made.id} edited"
        )
    _expand(store, expansion, edited, now, actor)
    return edited


def _edit_one(
    store: TaskStore,
    expansion: Expansion,
    made: Series,
    occurrence: Occurrence,
    changes: Changes,
    now: datetime,
    actor: str,
) -> None:
    found = store.series_tasks([made.id], occurrence.start, occurrence.start + timedelta(seconds=1))
    if not found:  # not made yet: make it now, edited, so the expansion leaves it alone
        account = store.get_account(made.account_id)
        when = parse_user_time(changes.at, made.timezone) if changes.at else occurrence.start
        content = changes.content or made.content
        media = changes.media if changes.media is not None else made.media
        post = Post(account.id, account.platform, content, when, media, series_id=made.id)
        with store.placing([account.id]) as conn:
            checker = ConflictChecker(store, expansion.rules, conn)
            placement = place(checker, account, post, parse_strategy(made.strategy), now)
            store.create_tasks(
                [
                    NewTask(
                        account.id,
                        account.platform,
                        content,
                        placement.at,
                        changes.priority or made.priority,
                        changes.title if changes.title is not None else made.title,
                        media,
                        series_id=made.id,
                        occurrence_start=occurrence.start,
                        detail=f"occurrence {occurrence.local.isoformat()} of series "
                        f"{made.id}, edited",
                    )
                ],
                actor=actor,
                conn=conn,
            )
        return
    (task,) = found
    if task.status not in EDITABLE:
        raise SchedulingError(f"the occurrence's task {task.id} is {task.status}; too late to edit")
    if changes.task_values():
        (task,) = store.edit_tasks(
            [task],
            changes.task_values(),
            actor=actor,
            detail=f"occurrence of series {made.id} edited",
        )
    if changes.at:
        checker = ConflictChecker(store, expansion.rules)
        strategy = parse_strategy(made.strategy)
        reschedule_checked(
            store, expansion.rules, task.id, changes.at, strategy=strategy, now=now, actor=actor
        )


def _edit_following(
    store: TaskStore,
    expansion: Expansion,
    made: Series,
    occurrence: Occurrence,
    changes: Changes,
    now: datetime,
    actor: str,
) -> Series:
    old = recurrence_of(made)
    remaining_count = None
    rule = _rule_without_end(changes.rrule or made.rrule)
    ends = [p for p in made.rrule.split(";") if p.startswith(("COUNT=", "UNTIL="))]
    if changes.rrule is None and ends:
        if ends[0].startswith("COUNT="):
            remaining_count = int(ends[0].split("=", 1)[1]) - old.count_before(occurrence.start)
        else:
            rule = f"{rule};{ends[0]}"
    later = tuple(e for e in made.exdates if e >= occurrence.wall.isoformat()[: len(e)])
    recurrence = Recurrence.parse(
        rule,
        timezone=made.timezone,
        dtstart=changes.start or occurrence.wall.isoformat(),
        now=now,
        count=remaining_count,
        exdates=later,
    )
    _cancel(
        store,
        store.series_tasks([made.id], occurrence.start),
        actor,
        f"series {made.id} split at {occurrence.local.isoformat()}",
    )
    store.update_series(
        made.id,
        {"rrule": _end_before(made, occurrence)},
        actor=actor,
        detail=f"ended before {occurrence.local.isoformat()} (this and following edited)",
    )
    successor = store.add_series(
        {
            "account_id": made.account_id,
            "title": changes.title if changes.title is not None else made.title,
            "content": changes.content or made.content,
            "media": list(changes.media if changes.media is not None else made.media),
            "priority": changes.priority or made.priority,
            "strategy": made.strategy,
            "rrule": recurrence.rule,
            "dtstart": recurrence.dtstart.isoformat(),
            "timezone": made.timezone,
            "exdates": list(recurrence.exdates),
            "parent_id": made.id,
        },
        actor=actor,
    )
    _expand(store, expansion, successor, now, actor)
    return successor
