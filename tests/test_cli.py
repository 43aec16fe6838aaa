"""The CLI as people and scripts use it: JSON output, clear refusals, nothing stored on error."""

from __future__ import annotations

import json
from datetime import timedelta

import httpx
import pytest
from click.testing import CliRunner

from scheduling_platform.cli.main import main
from scheduling_platform.settings import Settings
from scheduling_platform.store.task_store import TaskStore
from scheduling_platform.timeutil import utcnow
from tests.samples import D0, D1, D2


@pytest.fixture
def cli(platform_env: Settings):
    runner = CliRunner()

    def invoke(*args: str, ok: bool = True):
        result = runner.invoke(main, list(args), catch_exceptions=False)
        assert (result.exit_code == 0) == ok, result.output
        return result

    return invoke


def _json(result) -> object:
    return json.loads(result.stdout)


def test_account_add_gets_a_sandbox_token_and_hides_it(cli, platform_env: Settings) -> None:
    added = _json(cli("accounts", "add", "--platform", "weibo", "--name", "brand", "--json"))
    assert added["name"] == "brand" and added["timezone"] == "Asia/Shanghai"
    assert "access_token" in added["credential_fields"]
    token = (
        TaskStore.from_settings(platform_env).get_account(added["id"]).credentials["access_token"]
    )
    listed = cli("accounts", "list", "--json")
    assert token not in listed.output and token not in json.dumps(added)
    assert [a["name"] for a in _json(listed)] == ["brand"]
    again = cli("accounts", "add", "--platform", "weibo", "--name", "brand", ok=False)
    assert "exists already" in again.output


def test_task_commands_round_trip(cli) -> None:
    cli("accounts", "add", "--platform", "weibo", "--name", "brand")
    created = _json(
        cli(
            "tasks",
            "create",
            "--account",
            "1",
            "--content",
            "你好",
            "--at",
            f"{D1}T08:00",
            "--priority",
            "7",
            "--json",
        )
    )
    assert created["scheduled_at"] == f"{D1}T00:00:00+00:00"
    assert created["status"] == "scheduled" and created["priority"] == 7
    shown = _json(cli("tasks", "show", str(created["id"]), "--json"))
    assert shown["audit"][0]["to_status"] == "scheduled"
    human = cli("tasks", "list").output
    assert f"{D1}T08:00:00+08:00" in human  # shown in the account's zone
    moved = _json(cli("tasks", "reschedule", "1", "--at", f"{D2}T12:00+08:00", "--json"))
    assert moved["scheduled_at"] == f"{D2}T04:00:00+00:00"
    assert _json(cli("tasks", "cancel", "1", "--json"))["status"] == "cancelled"
    assert _json(cli("tasks", "list", "--status", "cancelled", "--json"))[0]["id"] == 1
    refused = cli("tasks", "cancel", "1", ok=False)
    assert "can no longer be cancelled" in refused.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--account", "1", "--content", "hi", "--at", "2001-01-01T00:00"], "in the past"),
        (["--account", "7", "--content", "hi", "--at", f"{D0}T00:00"], "no account with id 7"),
        (["--account", "1", "--content", "", "--at", f"{D0}T00:00"], "content is empty"),
        (["--account", "1", "--content", "长" * 141, "--at", f"{D0}T00:00"], "at most 140"),
        (["--account", "1", "--content", "hi", "--at", "soon"], "not an ISO 8601 time"),
    ],
)
def test_refused_tasks_explain_and_store_nothing(cli, args, message) -> None:
    cli("accounts", "add", "--platform", "weibo", "--name", "brand")
    result = cli("tasks", "create", *args, "--json", ok=False)
    assert message in _json(result)["error"]
    assert _json(cli("tasks", "list", "--json")) == []


def test_bad_credentials_json_is_refused(cli) -> None:
    result = cli(
        "accounts", "add", "--platform", "weibo", "--name", "x", "--credentials", "{", ok=False
    )
    assert "not valid JSON" in result.output
    assert _json(cli("accounts", "list", "--json")) == []


def test_tick_publishes_what_is_due(cli, sandbox_url: str) -> None:
    cli("accounts", "add", "--platform", "weibo", "--name", "brand")
    at = (utcnow() + timedelta(seconds=2)).isoformat()
    cli("tasks", "create", "--account", "1", "--content", "due now", "--at", at)
    ticked = _json(cli("tick", "--json"))
    (run,) = ticked["runs"]
    assert run["success"] and run["published_task_ids"] == [1]
    assert ticked["published"][0]["status"] == "published"
    assert httpx.get(f"{sandbox_url}/_sandbox/posts").json()["count"] == 1
    assert _json(cli("tick", "--json"))["runs"] == []
