"""Recurring series in the task store, and the occurrences linked to them on `tasks`."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from scheduling_platform.lifecycle import SeriesStatus
from scheduling_platform.store.audit import AuditEntry, write_audit
from scheduling_platform.store.base import StoreBase
from scheduling_platform.store.records import NotFoundError, Series, Task
from scheduling_platform.store.schema import accounts, series, series_conflicts, tasks
from scheduling_platform.timeutil import utcnow


class SeriesQueries(StoreBase):
    """Reads and writes of `series` and `series_conflicts`, and of tasks by series."""

    def add_series(self, values: Mapping[str, Any], *, actor: str) -> Series:
        now = utcnow()
        row_values = {
            **values,
            "media": json.dumps(list(values.get("media") or [])) or None,
            "exdates": json.dumps(list(values.get("exdates") or [])),
            "status": SeriesStatus.ACTIVE.value,
            "created_at": now,
            "updated_at": now,
        }
        with self.engine.begin() as conn:
            # A series belongs to its account's workspace, as the account's tasks do.
            row_values["workspace_id"] = conn.execute(
                select(accounts.c.workspace_id).where(accounts.c.id == values["account_id"])
            ).scalar_one()
            row = conn.execute(insert(series).values(**row_values).returning(*series.c)).one()
            made = Series.from_row(row)
            entry = AuditEntry(
                actor, account_id=made.account_id, detail=f"series {made.id} created: {made.rrule}"
            )
            write_audit(conn, now, [entry])
        return made

    def get_series(self, series_id: int, *, workspace_id: int | None = None) -> Series:
        """The series; with `workspace_id`, only if it belongs there (else not found)."""
        query = select(series).where(series.c.id == series_id)
        if workspace_id is not None:
            query = query.where(series.c.workspace_id == workspace_id)
        with self.engine.connect() as conn:
            row = conn.execute(query).first()
        if row is None:
            raise NotFoundError(f"no series with id {series_id}")
        return Series.from_row(row)

    def active_series(self) -> list[Series]:
        query = select(series).where(series.c.status == SeriesStatus.ACTIVE.value)
        with self.engine.connect() as conn:
            return [Series.from_row(r) for r in conn.execute(query.order_by(series.c.id))]

    def update_series(
        self, series_id: int, values: Mapping[str, Any], *, actor: str, detail: str
    ) -> Series:
        now = utcnow()
        changed = dict(values)
        for name in ("media", "exdates"):
            if name in changed:
                changed[name] = json.dumps(list(changed[name] or []))
        if "status" in changed:
            changed["status"] = str(changed["status"])
        with self.engine.begin() as conn:
            row = conn.execute(
                update(series)
                .where(series.c.id == series_id)
                .values(updated_at=now, **changed)
                .returning(*series.c)
            ).first()
            if row is None:
                raise NotFoundError(f"no series with id {series_id}")
            made = Series.from_row(row)
            entry = AuditEntry(
                actor, account_id=made.account_id, detail=f"series {series_id} {detail}"
            )
            write_audit(conn, now, [entry])
        return made

    def series_tasks(
        self,
        series_ids: Iterable[int],
        start: datetime | None = None,
        end: datetime | None = None,
        conn: Connection | None = None,
    ) -> list[Task]:
        """Tasks of the series whose occurrence starts in [start, end), by occurrence (read in
        `conn` when given: inside a placement, SQLite allows no second connection)."""
        query = select(tasks).where(tasks.c.series_id.in_(sorted(set(series_ids))))
        if start is not None:
            query = query.where(tasks.c.occurrence_start >= start)
        if end is not None:
            query = query.where(tasks.c.occurrence_start < end)
        query = query.order_by(tasks.c.series_id, tasks.c.occurrence_start)
        if conn is not None:
            return [Task.from_row(r) for r in conn.execute(query)]
        with self.engine.connect() as own:
            return [Task.from_row(r) for r in own.execute(query)]

    def occurrence_keys(
        self,
        series_ids: Iterable[int],
        start: datetime,
        end: datetime,
        conn: Connection | None = None,
    ) -> set[tuple[int, datetime]]:
        """(series, occurrence start) of the series' tasks whose occurrence starts in
        [start, end): what an expansion needs to know is made, without reading whole tasks."""
        query = select(tasks.c.series_id, tasks.c.occurrence_start).where(
            tasks.c.series_id.in_(sorted(set(series_ids))),
            tasks.c.occurrence_start >= start,
            tasks.c.occurrence_start < end,
        )
        if conn is not None:
            return set(conn.execute(query).tuples())
        with self.engine.connect() as own:
            return set(own.execute(query).tuples())

    def record_occurrence_conflicts(
        self, found: Mapping[tuple[int, datetime], list[dict[str, Any]]]
    ) -> None:
        """Keep the latest conflicts of occurrences that could not be created."""
        if not found:
            return
        now = utcnow()
        rows = [
            {
                "series_id": sid,
                "occurrence_start": at,
                "conflicts": json.dumps(c),
                "checked_at": now,
            }
            for (sid, at), c in found.items()
        ]
        dialect = postgresql if self.dialect == "postgresql" else sqlite
        statement = dialect.insert(series_conflicts)
        upsert = statement.on_conflict_do_update(
            index_elements=["series_id", "occurrence_start"],
            set_={"conflicts": statement.excluded.conflicts, "checked_at": now},
        )
        with self.engine.begin() as conn:
            conn.execute(upsert, rows)

    def clear_occurrence_conflicts(self, keys: Iterable[tuple[int, datetime]]) -> None:
        """Forget the refusals of occurrences that now have a task (usually none)."""
        wanted = set(keys)
        if not wanted:
            return
        recorded = select(series_conflicts.c.series_id, series_conflicts.c.occurrence_start).where(
            series_conflicts.c.series_id.in_({sid for sid, _ in wanted})
        )
        with self.engine.begin() as conn:
            stale = [key for key in conn.execute(recorded).tuples() if key in wanted]
            for sid, at in stale:
                conn.execute(
                    delete(series_conflicts).where(
                        series_conflicts.c.series_id == sid,
                        series_conflicts.c.occurrence_start == at,
                    )
                )

    def occurrence_conflicts(self, series_id: int) -> dict[datetime, list[dict[str, Any]]]:
        query = select(series_conflicts).where(series_conflicts.c.series_id == series_id)
        with self.engine.connect() as conn:
            return {r.occurrence_start: json.loads(r.conflicts) for r in conn.execute(query)}
