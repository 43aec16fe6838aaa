"""Workspaces and their users: who owns accounts, tasks and API keys."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Row, insert, select
from sqlalchemy.exc import IntegrityError

from scheduling_platform.store.audit import AuditEntry, write_audit
from scheduling_platform.store.base import StoreBase
from scheduling_platform.store.records import NotFoundError
from scheduling_platform.store.schema import users, workspaces
from scheduling_platform.timeutil import utcnow


class DuplicateNameError(ValueError):
    """A workspace or user of that name exists already."""


@dataclass(frozen=True)
class Workspace:
    id: int
    name: str
    created_at: datetime

    @classmethod
    def from_row(cls, row: Row[Any]) -> Workspace:
        return cls(**row._mapping)


@dataclass(frozen=True)
class User:
    id: int
    workspace_id: int
    name: str
    created_at: datetime

    @classmethod
    def from_row(cls, row: Row[Any]) -> User:
        return cls(**row._mapping)


class WorkspaceQueries(StoreBase):
    """Reads and writes of the `workspaces` and `users` tables."""

    def create_workspace(self, name: str, *, actor: str = "cli") -> Workspace:
        now = utcnow()
        try:
            with self.engine.begin() as conn:
                row = conn.execute(
                    insert(workspaces).values(name=name, created_at=now).returning(*workspaces.c)
                ).one()
                entry = AuditEntry(actor, detail=f"workspace {name} created", workspace_id=row.id)
                write_audit(conn, now, [entry])
        except IntegrityError as exc:
            raise DuplicateNameError(f"a workspace named {name!r} exists already") from exc
        return Workspace.from_row(row)

    def workspace_named(self, name: str) -> Workspace:
        with self.reading() as conn:
            row = conn.execute(select(workspaces).where(workspaces.c.name == name)).first()
        if row is None:
            raise NotFoundError(f"no workspace named {name!r}")
        return Workspace.from_row(row)

    def get_workspace(self, workspace_id: int) -> Workspace:
        with self.reading() as conn:
            row = conn.execute(select(workspaces).where(workspaces.c.id == workspace_id)).first()
        if row is None:
            raise NotFoundError(f"no workspace with id {workspace_id}")
        return Workspace.from_row(row)

    def list_workspaces(self) -> list[Workspace]:
        with self.reading() as conn:
            rows = conn.execute(select(workspaces).order_by(workspaces.c.id)).all()
        return [Workspace.from_row(r) for r in rows]

    def add_user(self, workspace_id: int, name: str, *, actor: str = "cli") -> User:
        now = utcnow()
        try:
            with self.engine.begin() as conn:
                row = conn.execute(
                    insert(users)
                    .values(workspace_id=workspace_id, name=name, created_at=now)
                    .returning(*users.c)
                ).one()
                entry = AuditEntry(actor, detail=f"user {name} added", workspace_id=workspace_id)
                write_audit(conn, now, [entry])
        except IntegrityError as exc:
            raise DuplicateNameError(f"a user named {name!r} exists already here") from exc
        return User.from_row(row)

    def user_named(self, workspace_id: int, name: str) -> User:
        query = select(users).where(users.c.workspace_id == workspace_id, users.c.name == name)
        with self.reading() as conn:
            row = conn.execute(query).first()
        if row is None:
            raise NotFoundError(f"no user named {name!r} in this workspace")
        return User.from_row(row)

    def list_users(self, workspace_id: int) -> list[User]:
        query = select(users).where(users.c.workspace_id == workspace_id).order_by(users.c.id)
        with self.reading() as conn:
            return [User.from_row(r) for r in conn.execute(query)]
