"""Expanding series ahead: each occurrence within the horizon becomes a task linked to its
series, conflict-checked like any post (and moved when the series' strategy says so).

Idempotent: an occurrence that has a task (whatever its status, cancelled included) is never
made again, and the unique (series, occurrence) index holds if two expansions race. An
occurrence refused for conflicts is tried again next time; its latest conflicts are kept for
`series show`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from scheduling_platform.scheduling.conflicts.checker import ConflictChecker
from scheduling_platform.scheduling.conflicts.model import Conflict, ConflictsFoundError, Post
from scheduling_platform.scheduling.conflicts.rules import ConflictRules
from scheduling_platform.scheduling.placement import parse_strategy, place
from scheduling_platform.scheduling.recurrence import Occurrence, Recurrence
from scheduling_platform.store.records import Account, Series, Task
from scheduling_platform.store.task_store import TaskStore
from scheduling_platform.store.tasks import NewTask


def recurrence_of(made: Series) -> Recurrence:
    return Recurrence(made.rrule, datetime.fromisoformat(made.dtstart), made.timezone, made.exdates)


@dataclass(frozen=True)
class Outcome:
    """What became of one occurrence: its task, or the conflicts that refused it."""

    series_id: int
    occurrence: Occurrence
    task: Task | None
    conflicts: tuple[Conflict, ...] = ()  # warnings if created, every conflict if refused
    moved_from: datetime | None = None


@dataclass
class ExpansionReport:
    series: int = 0
    created: list[Outcome] = field(default_factory=list)
    refused: list[Outcome] = field(default_factory=list)
    existing: int = 0  # occurrences within the horizon that had a task already


def expand_series(
    store: TaskStore,
    rules: ConflictRules,
    *,
    now: datetime,
    horizon: timedelta,
    max_ahead: int,
    only: list[Series] | None = None,
    actor: str = "series_expansion",
) -> ExpansionReport:
    """Create the missing occurrences of the active series (or `only` these) up to
    `now + horizon`, at most `max_ahead` a series."""
    chosen = store.active_series() if only is None else only
    report = ExpansionReport(series=len(chosen))
    if not chosen:
        return report
    end = now + horizon
    existing = store.occurrence_keys([s.id for s in chosen], now, end + timedelta(days=1))
    wanted: list[tuple[Series, Occurrence]] = []
    for made in chosen:
        for occurrence in recurrence_of(made).occurrences(now, until=end, limit=max_ahead):
            if (made.id, occurrence.start) in existing:
                report.existing += 1
            else:
                wanted.append((made, occurrence))
    if not wanted:
        return report
    accounts = store.accounts_by_id({made.account_id for made, _ in wanted})
    with store.placing(accounts) as conn:  # no other placement of these accounts meanwhile
        # Read again under the lock: a concurrent expansion may have made some meanwhile.
        taken = store.occurrence_keys({m.id for m, _ in wanted}, now, end + timedelta(days=1), conn)
        report.existing += sum((m.id, o.start) in taken for m, o in wanted)
        wanted = [(m, o) for m, o in wanted if (m.id, o.start) not in taken]
        checker = ConflictChecker(store, rules, conn)
        new, pending = _place_occurrences(checker, accounts, wanted, report, now)
        for outcome, task in zip(
            pending, store.create_tasks(new, actor=actor, conn=conn), strict=True
        ):
            report.created.append(replace(outcome, task=task))
    store.record_occurrence_conflicts(
        {
            (o.series_id, o.occurrence.start): [_conflict_data(c) for c in o.conflicts]
            for o in report.refused
        }
    )
    store.clear_occurrence_conflicts((o.series_id, o.occurrence.start) for o in report.created)
    return report


def _conflict_data(conflict: Conflict) -> dict[str, object]:
    return {
        "type": str(conflict.type),
        "rule": str(conflict.rule),
        "severity": str(conflict.severity),
        "message": conflict.message,
        "other_task_ids": list(conflict.other_task_ids),
        "similarity": conflict.similarity,
        "fix": {
            "action": str(conflict.fix.action),
            "text": conflict.fix.text,
            "at": conflict.fix.at.isoformat() if conflict.fix.at else None,
        },
    }


def _place_occurrences(
    checker: ConflictChecker,
    accounts: dict[int, Account],
    wanted: list[tuple[Series, Occurrence]],
    report: ExpansionReport,
    now: datetime,
) -> tuple[list[NewTask], list[Outcome]]:
    """Check the occurrences in time order; the refused ones go to the report."""
    posts = {
        (made.id, o.start): Post(
            made.account_id,
            accounts[made.account_id].platform,
            made.content,
            o.start,
            made.media,
            series_id=made.id,
        )
        for made, o in wanted
    }
    checker.prepare((post, timedelta(0)) for post in posts.values())
    new: list[NewTask] = []
    pending: list[Outcome] = []
    for made, occurrence in sorted(wanted, key=lambda pair: (pair[1].start, pair[0].id)):
        post = posts[(made.id, occurrence.start)]
        account = accounts[made.account_id]
        try:
            placement = place(checker, account, post, parse_strategy(made.strategy), now)
        except ConflictsFoundError as exc:
            report.refused.append(Outcome(made.id, occurrence, None, exc.conflicts))
            continue
        checker.accept(replace(post, at=placement.at))
        detail = f"occurrence {occurrence.local.isoformat()} of series {made.id}"
        if placement.detail:
            detail += f"; {placement.detail}"
        new.append(
            NewTask(
                account.id,
                account.platform,
                made.content,
                placement.at,
                made.priority,
                made.title,
                made.media,
                series_id=made.id,
                occurrence_start=occurrence.start,
                detail=detail,
            )
        )
        pending.append(
            Outcome(made.id, occurrence, None, placement.result.warnings, placement.moved_from)
        )
    return new, pending
