"""The audit log: one way to write its rows, for every change the store makes."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select

from scheduling_platform.store.schema import audit_log


@dataclass(frozen=True)
class AuditEntry:
    """Who changed what: a task's status, an account, a model; `detail` says how."""

    actor: str
    task_id: int | None = None
    account_id: int | None = None
    from_status: str | None = None
    to_status: str | None = None
    detail: str | None = None

    def row(self, at: datetime) -> dict[str, Any]:
        return {
            "at": at,
            "actor": self.actor,
            "task_id": self.task_id,
            "account_id": self.account_id,
            "from_status": str(self.from_status) if self.from_status else None,
            "to_status": str(self.to_status) if self.to_status else None,
            "detail": self.detail,
        }


def moves(
    actor: str, rows: Iterable[Any], source: str, target: str, detail: str | None
) -> list[AuditEntry]:
    """The entries of tasks moved together (`rows` carry `id` and `account_id`)."""
    return [AuditEntry(actor, r.id, r.account_id, source, target, detail) for r in rows]


def write_audit(conn: Connection, at: datetime, entries: Iterable[AuditEntry]) -> None:
    """Append `entries` in the caller's transaction, so a change and its record go together."""
    rows = [entry.row(at) for entry in entries]
    if rows:
        conn.execute(insert(audit_log), rows)


def audit_trail(conn: Connection, task_id: int) -> list[dict[str, Any]]:
    query = select(audit_log).where(audit_log.c.task_id == task_id).order_by(audit_log.c.id)
    return [dict(r._mapping) for r in conn.execute(query)]
