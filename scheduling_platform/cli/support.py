"""What every CLI command shares: JSON output, clear refusals, opening the store."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from functools import wraps
from typing import Any

import click

from scheduling_platform.lifecycle import InvalidTransitionError
from scheduling_platform.platforms.base import PlatformError
from scheduling_platform.platforms.registry import UnsupportedPlatformError
from scheduling_platform.platforms.rules import ContentRejectedError
from scheduling_platform.settings import Settings
from scheduling_platform.store.records import NotFoundError
from scheduling_platform.store.task_store import DuplicateAccountError, TaskStore
from scheduling_platform.timeutil import InvalidTimeError
from scheduling_platform.vault import VaultError

USER_ERRORS = (
    ValueError,  # SchedulingError, ContentRejectedError, InvalidTimeError, DuplicateAccountError
    NotFoundError,
    InvalidTransitionError,
    UnsupportedPlatformError,
    ContentRejectedError,
    InvalidTimeError,
    DuplicateAccountError,
    PlatformError,
    VaultError,  # missing or unknown key, tampered credentials
)

json_option = click.option("--json", "as_json", is_flag=True, help="print JSON for machines")


def emit(as_json: bool, data: Any, text: str) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, default=str, indent=2) if as_json else text)


def user_errors(command: Callable[..., None]) -> Callable[..., None]:
    """Turn refusals into a clear message and exit code 1, nothing stored, no traceback."""

    @wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> None:
        try:
            command(*args, **kwargs)
        except USER_ERRORS as exc:
            if kwargs.get("as_json"):
                click.echo(json.dumps({"error": str(exc)}, ensure_ascii=False))
            click.echo(f"Error: {exc}", err=True)
            sys.exit(1)

    return wrapper


def open_store(settings: Settings) -> TaskStore:
    return TaskStore.from_settings(settings)
