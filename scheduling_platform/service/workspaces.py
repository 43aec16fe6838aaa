"""Workspace operations: create, list, add users; and the CLI's admin context for one."""

from __future__ import annotations

import re

from scheduling_platform.service.context import ServiceContext
from scheduling_platform.service.views import Timestamp, View
from scheduling_platform.settings import Settings
from scheduling_platform.store.workspaces import User, Workspace

_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")


class WorkspaceView(View):
    id: int
    name: str
    created_at: Timestamp

    @classmethod
    def of(cls, workspace: Workspace) -> WorkspaceView:
        return cls(id=workspace.id, name=workspace.name, created_at=workspace.created_at)


class UserView(View):
    id: int
    workspace_id: int
    name: str
    created_at: Timestamp

    @classmethod
    def of(cls, user: User) -> UserView:
        return cls(
            id=user.id, workspace_id=user.workspace_id, name=user.name, created_at=user.created_at
        )


def admin_context(settings: Settings, workspace: str, actor: str = "cli") -> ServiceContext:
    """The host's operator, acting as admin of the workspace named `workspace`."""
    ctx = ServiceContext(settings, actor)
    ctx.workspace_id = ctx.store.workspace_named(workspace).id
    return ctx


def create_workspace(ctx: ServiceContext, name: str) -> WorkspaceView:
    if not _NAME.match(name):
        raise ValueError(f"workspace name {name!r}: use 1-64 lowercase letters, digits, '-' or '_'")
    return WorkspaceView.of(ctx.store.create_workspace(name, actor=ctx.actor))


def list_workspaces(ctx: ServiceContext) -> list[WorkspaceView]:
    """Every workspace: only the host's operator sees them all (the CLI)."""
    return [WorkspaceView.of(w) for w in ctx.store.list_workspaces()]


def add_user(ctx: ServiceContext, name: str) -> UserView:
    if not name.strip():
        raise ValueError("the user name is empty")
    return UserView.of(ctx.store.add_user(ctx.workspace_id, name.strip(), actor=ctx.actor))


def list_users(ctx: ServiceContext) -> list[UserView]:
    return [UserView.of(u) for u in ctx.store.list_users(ctx.workspace_id)]
