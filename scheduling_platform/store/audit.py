"""The audit log: one way to write its rows, for every change the store makes."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, func, insert, select

from scheduling_platform.store.copy import COPY_FROM, copy_rows
from scheduling_platform.store.schema import audit_log

if TYPE_CHECKING:
    from scheduling_platform.store.base import StoreBase


class Actor(str):
    """Who acts, as the audit log names them, and where the change came from.

    A `str`, so every operation that takes the actor's name carries the workspace, API key and
    client address to the audit row unchanged; plain strings (the sensor, the publisher)
    carry none.
    """

    workspace_id: int | None
    api_key_id: int | None
    client_address: str | None

    def __new__(
        cls,
        name: str,
        *,
        workspace_id: int | None = None,
        api_key_id: int | None = None,
        client_address: str | None = None,
    ) -> Actor:
        actor = super().__new__(cls, name)
        actor.workspace_id = workspace_id
        actor.api_key_id = api_key_id
        actor.client_address = client_address
        return actor


@dataclass(frozen=True)
class AuditEntry:
    """Who changed what: a task's status, an account, a model; `detail` says how."""

    actor: str
    task_id: int | None = None
    account_id: int | None = None
    from_status: str | None = None
    to_status: str | None = None
    detail: str | None = None
    workspace_id: int | None = None  # the changed row's workspace, when the writer knows it

    def row(self, at: datetime) -> dict[str, Any]:
        origin = self.actor if isinstance(self.actor, Actor) else None
        return {
            "at": at,
            "actor": str(self.actor),
            "task_id": self.task_id,
            "account_id": self.account_id,
            "from_status": str(self.from_status) if self.from_status else None,
            "to_status": str(self.to_status) if self.to_status else None,
            "detail": self.detail,
            "workspace_id": self.workspace_id
            if self.workspace_id is not None
            else (origin.workspace_id if origin else None),
            "api_key_id": origin.api_key_id if origin else None,
            "client_address": origin.client_address if origin else None,
        }


def moves(
    actor: str, rows: Iterable[Any], source: str, target: str, detail: str | None
) -> list[AuditEntry]:
    """The entries of tasks moved together (`rows` carry `id`, `account_id`, `workspace_id`)."""
    return [
        AuditEntry(actor, r.id, r.account_id, source, target, detail, r.workspace_id) for r in rows
    ]


def write_audit(conn: Connection, at: datetime, entries: Iterable[AuditEntry]) -> None:
    """Append `entries` in the caller's transaction, so a change and its record go together."""
    rows = [entry.row(at) for entry in entries]
    if conn.dialect.name == "postgresql" and len(rows) >= COPY_FROM:
        copy_rows(conn, audit_log, rows)  # an expansion's or an import's thousands
    elif rows:
        conn.execute(insert(audit_log), rows)


def audit_trail(conn: Connection, task_id: int) -> list[dict[str, Any]]:
    query = select(audit_log).where(audit_log.c.task_id == task_id).order_by(audit_log.c.id)
    return [dict(r._mapping) for r in conn.execute(query)]


def last_audit_id(conn: Connection) -> int:
    """The newest entry's id (0 when the log is empty): where a reader starts."""
    return int(conn.execute(select(func.max(audit_log.c.id))).scalar_one() or 0)


def entries_after(
    conn: Connection, after_id: int, up_to_id: int, to_statuses: Iterable[str]
) -> list[dict[str, Any]]:
    """Entries after `after_id` up to `up_to_id` that moved something to one of `to_statuses`."""
    query = (
        select(audit_log)
        .where(audit_log.c.id > after_id, audit_log.c.id <= up_to_id)
        .where(audit_log.c.to_status.in_(list(to_statuses)))
        .order_by(audit_log.c.id)
    )
    return [dict(r._mapping) for r in conn.execute(query)]


def newest_entries(
    store: StoreBase, after_id: int | None, to_statuses: Iterable[str]
) -> tuple[list[dict[str, Any]], int]:
    """Entries since `after_id` (None: none yet, start now) moving something to `to_statuses`,
    and the id to read on from."""
    with store.reading() as conn:
        up_to = last_audit_id(conn)
        if after_id is None:
            return [], up_to
        return entries_after(conn, after_id, up_to, to_statuses), up_to
