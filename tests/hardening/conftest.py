"""The CLI against a platform in a temporary home, its output as people and scripts see it."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from scheduling_platform.cli.main import main
from scheduling_platform.settings import Settings

Cli = Callable[..., Result]


@pytest.fixture
def home_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """A platform living in `tmp_path` (no sandbox: accounts bring their own credentials)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SCHEDULING_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("SCHEDULING_SANDBOX_URL", "http://127.0.0.1:9")  # nothing listens
    for name in ("SCHEDULING_DATABASE_URL", "DAGSTER_HOME", "SCHEDULING_ENCRYPTION_KEY"):
        monkeypatch.delenv(name, raising=False)
    return Settings()


@pytest.fixture
def cli(home_env: Settings) -> Cli:
    """Runs a command; `ok` says whether it must succeed; a traceback always fails the test."""
    runner = CliRunner()

    def invoke(*args: str, ok: bool = True, stdin: str | None = None) -> Result:
        result = runner.invoke(main, list(args), input=stdin, catch_exceptions=True)
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            raise AssertionError(f"{args} raised {result.exception!r}:\n{result.output}")
        assert (result.exit_code == 0) == ok, result.output
        if not ok:
            assert "Traceback" not in result.output
        return result

    return invoke


def as_json(result: Result) -> Any:
    return json.loads(result.stdout)


TOKEN = '{"access_token": "tok-%s"}'


@pytest.fixture
def account(cli: Cli) -> int:
    """A Weibo account with credentials of its own (no sandbox token needed)."""
    added = cli(
        "accounts",
        "add",
        "--platform",
        "weibo",
        "--name",
        "brand",
        "--credentials-file",
        "-",
        "--json",
        stdin=TOKEN % "brand",
    )
    return int(as_json(added)["id"])
