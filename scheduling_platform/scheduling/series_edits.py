"""Editing a series: the whole series, this occurrence and the following ones (the series ends
there and a new one, whose `parent_id` names it, starts with the changes), or one occurrence
(edited, moved, or made now if it was not yet)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from scheduling_platform.lifecycle import EDITABLE, SeriesStatus
from scheduling_platform.scheduling.conflicts.checker import ConflictChecker
from scheduling_platform.scheduling.conflicts.model import Post
from scheduling_platform.scheduling.expansion import recurrence_of
from scheduling_platform.scheduling.placement import parse_strategy, place, reschedule_checked
from scheduling_platform.scheduling.recurrence import Occurrence, Recurrence
from scheduling_platform.scheduling.series import (
    Changes,
    Expansion,
    Scope,
    cancel_pending,
    check_post_fields,
    end_before,
    expand_now,
    occurrence_of,
    pending_tasks,
    rule_without_end,
)
from scheduling_platform.scheduling.tasks import SchedulingError, within_horizon
from scheduling_platform.store.records import Series
from scheduling_platform.store.task_store import TaskStore
from scheduling_platform.store.tasks import NewTask
from scheduling_platform.timeutil import parse_user_time


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
    check_post_fields(made, platform, changes)
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
    pending = pending_tasks(store.series_tasks([made.id], now))
    recurrence = recurrence_of(edited)
    # Occurrences the new rule no longer has are cancelled; the others keep their task.
    gone = [
        t for t in pending if t.occurrence_start and not recurrence.includes(t.occurrence_start)
    ]
    cancel_pending(store, gone, actor, f"no longer an occurrence of series {made.id}")
    kept = [t for t in pending if t not in gone]
    if changes.task_values() and kept:
        store.edit_tasks(
            kept, changes.task_values(), actor=actor, detail=f"series {made.id} edited"
        )
    expand_now(store, expansion, edited, now, actor)
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
        within_horizon(when, made.timezone, now)  # the task made now lies within the horizon
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
    rule = rule_without_end(changes.rrule or made.rrule)
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
    cancel_pending(
        store,
        store.series_tasks([made.id], occurrence.start),
        actor,
        f"series {made.id} split at {occurrence.local.isoformat()}",
    )
    store.update_series(
        made.id,
        {"rrule": end_before(made, occurrence)},
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
    expand_now(store, expansion, successor, now, actor)
    return successor
