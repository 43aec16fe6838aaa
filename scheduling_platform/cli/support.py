"""What every CLI command shares: JSON output, clear refusals, the operations' context."""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Callable
from functools import wraps
from typing import Any, ParamSpec

import click
from pydantic import BaseModel

from scheduling_platform.dagster_client import InProcessRuns
from scheduling_platform.inputs import INT64_MAX, INT64_MIN, load_json
from scheduling_platform.service.context import ServiceContext
from scheduling_platform.service.errors import REFUSALS, ConflictRefusal, NotCancelledError
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
            # A refusal with structure (the conflicts of a post, what a cancel found instead)
            # gives all of it to machines.
            if isinstance(exc, ConflictRefusal | NotCancelledError):
                details = exc.data()
            else:
                details = {"error": str(exc)}
            if kwargs.get("as_json"):
                click.echo(json.dumps(details, ensure_ascii=False, indent=2))
            click.echo(f"Error: {exc}", err=True)
            if isinstance(exc, ConflictRefusal):
                for line in conflict_lines(exc.conflicts):
                    click.echo(line, err=True)
            sys.exit(1)

    return wrapper


class FiniteFloat(click.ParamType):
    """A float that is a number: inf and nan are refused where they are typed."""

    name = "float"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        number = click.FLOAT.convert(value, param, ctx)
        if not math.isfinite(number):
            self.fail(f"{value!r} is not a finite number", param, ctx)
        return number


class FiniteFloatRange(click.FloatRange):
    """A float range whose bounds may be open (no maximum) and that still refuses inf."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        number = super().convert(value, param, ctx)
        if not math.isfinite(number):
            self.fail(f"{value!r} is not a finite number", param, ctx)
        return number


def bound_numbers(command: click.Command) -> None:
    """Give every integer option and argument of `command` and its subcommands the store's
    64-bit range, and every float a finite value, so a number past them is a usage error
    before any command runs."""
    for param in command.params:
        if isinstance(param.type, click.IntRange):
            low, high = param.type.min, param.type.max
            param.type = click.IntRange(
                INT64_MIN if low is None else max(low, INT64_MIN),
                INT64_MAX if high is None else min(high, INT64_MAX),
                min_open=param.type.min_open,
                max_open=param.type.max_open,
                clamp=param.type.clamp,
            )
        elif param.type is click.INT:
            param.type = click.IntRange(INT64_MIN, INT64_MAX)
        elif param.type is click.FLOAT:
            param.type = FiniteFloat()
        elif isinstance(param.type, click.FloatRange) and not isinstance(
            param.type, FiniteFloatRange
        ):
            bounds = param.type
            param.type = FiniteFloatRange(
                bounds.min, bounds.max, min_open=bounds.min_open, max_open=bounds.max_open
            )
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            bound_numbers(sub)


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


MAX_CREDENTIALS_BYTES = 64 * 1024

credentials_file_option = click.option(
    "--credentials-file",
    "credentials_file",
    type=click.Path(dir_okay=False, allow_dash=True, path_type=str),
    help="a file holding the credentials as a JSON object; - reads standard input "
    "(keeps tokens out of `ps` and the shell history)",
)


def parse_credentials(text: str | None, option: str = "--credentials") -> dict[str, Any] | None:
    """A JSON object given on the command line; None when the option was not given."""
    if text is None:
        return None
    parsed = load_json(text, option)
    if not isinstance(parsed, dict):
        raise ValueError(f"{option} must be a JSON object")
    return parsed


def read_credentials(text: str | None, file: str | None) -> dict[str, Any] | None:
    """Credentials from `--credentials-file FILE` (or `-`: standard input), or from the older
    `--credentials JSON`; None when neither was given."""
    if text is not None and file is not None:
        raise click.UsageError("give --credentials-file or --credentials, not both")
    if file is None:
        return parse_credentials(text)
    where = "standard input" if file == "-" else file
    try:
        with click.open_file(file, "rb") as handle:
            raw = handle.read(MAX_CREDENTIALS_BYTES + 1)
    except OSError as exc:
        raise ValueError(f"cannot read {where}: {exc.strerror}") from None
    if len(raw) > MAX_CREDENTIALS_BYTES:
        raise ValueError(f"the credentials in {where} exceed {MAX_CREDENTIALS_BYTES} bytes")
    try:
        decoded = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValueError(f"the credentials in {where} are not UTF-8 text") from None
    return parse_credentials(decoded, f"the credentials in {where}")


def conflict_lines(conflicts: list[ConflictView]) -> list[str]:
    """One line a conflict and one for its fix, for people."""
    lines = []
    for c in conflicts:
        others = f" (tasks {', '.join(map(str, c.other_task_ids))})" if c.other_task_ids else ""
        lines.append(f"  {c.severity}: {c.type}/{c.rule}: {c.message}{others}")
        lines.append(f"    fix: {c.fix.text}" + (f" [{c.fix.local_at}]" if c.fix.local_at else ""))
    return lines
