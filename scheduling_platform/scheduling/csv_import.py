"""Importing posts from a CSV file: columns account, content, at (title, media, priority and
strategy optional), in chunks of one transaction each, idempotent on a re-run.

A row's idempotency key is a hash of what it asks for (account, time, text, title, media), so
running the same file again finds its rows already imported and creates nothing twice.
"""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from pathlib import Path

from scheduling_platform.scheduling.batches import (
    BatchItem,
    ItemResult,
    ItemStatus,
    place_batch,
)
from scheduling_platform.scheduling.conflicts.rules import ConflictRules
from scheduling_platform.scheduling.tasks import SchedulingError
from scheduling_platform.settings import Settings
from scheduling_platform.store.records import Account
from scheduling_platform.store.task_store import TaskStore
from scheduling_platform.timeutil import InvalidTimeError, parse_user_time

REQUIRED = ("account", "content", "at")
OPTIONAL = ("title", "media", "priority", "strategy")
MEDIA_SEPARATOR = "|"


@dataclass
class RowResult:
    row: int  # the line in the file (the header is row 1)
    result: ItemResult


@dataclass
class ImportReport:
    rows: int = 0
    chunks: int = 0
    results: list[RowResult] = field(default_factory=list)

    def of(self, status: ItemStatus) -> list[RowResult]:
        return [r for r in self.results if r.result.status is status]


class _Accounts:
    """An account by id, or by name when the name is unique."""

    def __init__(self, accounts: list[Account]) -> None:
        self.by_id = {a.id: a for a in accounts}
        self.by_name: dict[str, list[Account]] = {}
        for account in accounts:
            self.by_name.setdefault(account.name, []).append(account)

    def find(self, text: str) -> Account:
        value = text.strip()
        if value.isdigit() and int(value) in self.by_id:
            return self.by_id[int(value)]
        named = self.by_name.get(value, [])
        if len(named) == 1:
            return named[0]
        if named:
            raise SchedulingError(f"account {value!r} names {len(named)} accounts; use the id")
        raise SchedulingError(f"no account {value!r}")


def row_key(account: Account, at: datetime, row: dict[str, str]) -> str:
    parts = (
        str(account.id),
        at.isoformat(),
        row["content"],
        row.get("title") or "",
        row.get("media") or "",
    )
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def _item(accounts: _Accounts, row: dict[str, str]) -> BatchItem:
    missing = [c for c in REQUIRED if not (row.get(c) or "").strip()]
    if missing:
        raise SchedulingError(f"missing {', '.join(missing)}")
    account = accounts.find(row["account"])
    at = parse_user_time(row["at"], account.timezone)
    priority_text = (row.get("priority") or "").strip()
    try:
        priority = int(priority_text) if priority_text else 5
    except ValueError:
        raise SchedulingError(f"priority {priority_text!r} is not a number") from None
    media = tuple(m.strip() for m in (row.get("media") or "").split(MEDIA_SEPARATOR) if m.strip())
    return BatchItem(
        account.id,
        row["content"],
        at,
        title=(row.get("title") or "").strip() or None,
        media=media,
        priority=priority,
        strategy=(row.get("strategy") or "").strip() or "fixed",
        idempotency_key=row_key(account, at, row),
    )


def read_rows(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        columns = [c.strip() for c in reader.fieldnames or []]
        missing = [c for c in REQUIRED if c not in columns]
        if missing:
            raise SchedulingError(f"{path.name} lacks the column(s) {', '.join(missing)}")
        unknown = [c for c in columns if c not in REQUIRED + OPTIONAL]
        if unknown:
            raise SchedulingError(f"{path.name} has unknown column(s) {', '.join(unknown)}")
        for row in reader:
            yield reader.line_num, {k.strip(): (v or "") for k, v in row.items() if k}


def import_csv(
    store: TaskStore,
    rules: ConflictRules,
    path: Path,
    *,
    chunk_rows: int,
    now: datetime,
    actor: str,
    settings: Settings | None = None,
    workspace_id: int | None = None,
) -> ImportReport:
    """Import every row that validates and has no conflict; a report row by row.

    Rows name the accounts of `workspace_id` only (when given); with `settings`, their media
    are taken into the media store.
    """
    accounts = _Accounts(store.list_accounts(workspace_id=workspace_id))
    place = partial(place_batch, settings=settings, workspace_id=workspace_id)
    report = ImportReport()
    chunk: list[tuple[int, dict[str, str]]] = []
    for numbered in read_rows(path):
        chunk.append(numbered)
        if len(chunk) >= chunk_rows:
            _import_chunk(store, rules, accounts, chunk, report, now, actor, place)
            chunk = []
    if chunk:
        _import_chunk(store, rules, accounts, chunk, report, now, actor, place)
    return report


def _import_chunk(
    store: TaskStore,
    rules: ConflictRules,
    accounts: _Accounts,
    chunk: list[tuple[int, dict[str, str]]],
    report: ImportReport,
    now: datetime,
    actor: str,
    place: Callable[..., list[ItemResult]],
) -> None:
    report.chunks += 1
    report.rows += len(chunk)
    items: list[tuple[int, BatchItem]] = []
    for line, row in chunk:
        try:
            items.append((line, _item(accounts, row)))
        except (SchedulingError, InvalidTimeError) as exc:
            report.results.append(
                RowResult(line, ItemResult(-1, ItemStatus.REFUSED, reasons=[str(exc)]))
            )
    existing = store.tasks_with_keys(i.idempotency_key for _, i in items if i.idempotency_key)
    fresh: list[tuple[int, BatchItem]] = []
    seen: dict[str, int] = {}
    for line, item in items:
        key = item.idempotency_key or ""
        found = existing.get(key)
        if found is not None:
            report.results.append(RowResult(line, ItemResult(-1, ItemStatus.EXISTING, task=found)))
        elif key in seen:
            again = ItemResult(-1, ItemStatus.REFUSED, reasons=[f"the same row as row {seen[key]}"])
            report.results.append(RowResult(line, again))
        else:
            seen[key] = line
            fresh.append((line, item))
    placed = place(store, rules, [i for _, i in fresh], all_or_nothing=False, now=now, actor=actor)
    report.results += [RowResult(line, r) for (line, _), r in zip(fresh, placed, strict=True)]
    report.results.sort(key=lambda r: r.row)
