"""`workspaces`: create and list workspaces, add and list a workspace's users."""

from __future__ import annotations

import click

from scheduling_platform.cli.support import context, emit, json_option, user_errors
from scheduling_platform.service import workspaces as service


@click.group()
def workspaces() -> None:
    """Workspaces: who owns accounts, tasks and API keys."""


@workspaces.command("create")
@click.argument("name")
@json_option
@user_errors
def workspaces_create(name: str, as_json: bool) -> None:
    """A new workspace; `keys api create --workspace NAME` then gives it a key."""
    view = service.create_workspace(context(), name)
    emit(as_json, view, f"workspace {view.id}: {view.name}")


@workspaces.command("list")
@json_option
@user_errors
def workspaces_list(as_json: bool) -> None:
    views = service.list_workspaces(context())
    emit(as_json, views, "\n".join(f"{w.id:>5}  {w.name}" for w in views))


@workspaces.command("add-user")
@click.argument("name")
@json_option
@user_errors
def workspaces_add_user(name: str, as_json: bool) -> None:
    """Add a user to the workspace named by `--workspace`."""
    view = service.add_user(context(), name)
    emit(as_json, view, f"user {view.id}: {view.name}")


@workspaces.command("users")
@json_option
@user_errors
def workspaces_users(as_json: bool) -> None:
    """The users of the workspace named by `--workspace`."""
    views = service.list_users(context())
    emit(as_json, views, "\n".join(f"{u.id:>5}  {u.name}" for u in views) or "no users")
