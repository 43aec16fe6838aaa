"""What every CLI command shares: JSON output, clear refusals, the operations' context."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from functools import wraps
from typing import Any, ParamSpec

import click
from pydantic import BaseModel

from scheduling_platform.dagster_client import InProcessRuns
from scheduling_platform.service.context import ServiceContext
from scheduling_platform.service.errors import REFUSALS, ConflictRefusal
from scheduling_platform.service.views import ConflictView
from scheduling_platform.service.workspaces import admin_context
from scheduling_platform.settings import get_settings

P = ParamSpec("P")
DEFAULT_WORKSPACE = "default"

json_option = click.option("--json", "as_json", is_flag=True, help="print JSON for machines")
strategy_option = click.option(
    "--strategy",
    type=click.Choice(["fixed", "conflict_avoidance"]),
    default="fixed",
    show_default=True,
    help="on a conflict: refuse (fixed) or move to the nearest free good slot",
)

create_strategy_option = click.option(
    "--strategy",
    type=click.Choice(
        [
            "immediate",
            "optimal_time",
            "user_preference",
            "load_balance",
            "conflict_avoidance",
            "fixed",
        ]
    ),
    default=None,
    help="how the time is chosen; default: fixed with --at (refused on a conflict), "
    "optimal_time without (docs/scheduling.md#strategies)",
)
window_option = click.option(
    "--window", help="optimal_time, user_preference, load_balance: search this far (default 7d)"
)


def _jsonable(data: Any) -> Any:
    if isinstance(data, BaseModel):
        return data.model_dump(mode="json")
    if isinstance(data, list):
        return [_jsonable(item) for item in data]
    return data


def emit(as_json: bool, data: Any, text: str) -> None:
    """Print `data` (views, lists of views or plain data) as JSON, or `text` for people."""
    if as_json:
        click.echo(json.dumps(_jsonable(data), ensure_ascii=False, default=str, indent=2))
    else:
        click.echo(text)


def user_errors(command: Callable[P, None]) -> Callable[P, None]:
    """Turn refusals into a clear message and exit code 1, nothing stored, no traceback."""

    @wraps(command)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> None:
        try:
            command(*args, **kwargs)
        except REFUSALS as exc:
            # A refusal with structure (the conflicts of a post) gives all of it to machines.
            details = exc.data() if isinstance(exc, ConflictRefusal) else {"error": str(exc)}
            if kwargs.get("as_json"):
                click.echo(json.dumps(details, ensure_ascii=False, indent=2))
            click.echo(f"Error: {exc}", err=True)
            if isinstance(exc, ConflictRefusal):
                for line in conflict_lines(exc.conflicts):
                    click.echo(line, err=True)
            sys.exit(1)

    return wrapper


def context(workspace: str | None = None) -> ServiceContext:
    """The CLI on the host acts as admin of the workspace it names (`--workspace`, default
    the default workspace), with the settings of its environment."""
    if workspace is None:
        root = click.get_current_context(silent=True)
        obj = root.find_root().obj if root else None
        workspace = obj.get("workspace") if isinstance(obj, dict) else None
    settings = get_settings()
    ctx = admin_context(settings, workspace or DEFAULT_WORKSPACE, actor="cli")
    # With the platform running, a post due before the sensor's next tick is published by a
    # run in this process, on the platform's instance, before the command returns.
    ctx.local_launcher = InProcessRuns(settings, wait=True, only_when_running=True)
    return ctx


def parse_credentials(text: str | None, option: str = "--credentials") -> dict[str, Any] | None:
    """A JSON object given on the command line; None when the option was not given."""
    if text is None:
        return None
    try:
        parsed = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"{option} is not valid JSON: {exc.msg}") from None
    if not isinstance(parsed, dict):
        raise ValueError(f"{option} must be a JSON object")
    return parsed


def conflict_lines(conflicts: list[ConflictView]) -> list[str]:
    """One line a conflict and one for its fix, for people."""
    lines = []
    for c in conflicts:
        others = f" (tasks {', '.join(map(str, c.other_task_ids))})" if c.other_task_ids else ""
        lines.append(f"  {c.severity}: {c.type}/{c.rule}: {c.message}{others}")
        lines.append(f"    fix: {c.fix.text}" + (f" [{c.fix.local_at}]" if c.fix.local_at else ""))
    return lines
