"""The CLI's workspaces and API keys: `--workspace` scopes every command, `keys api create`
shows a key once, `list` never shows it, `revoke` ends it; the key then works on the API."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from scheduling_platform.cli.main import main
from scheduling_platform.service.api_keys import authenticate
from scheduling_platform.service.context import ServiceContext
from scheduling_platform.service.errors import AuthenticationError
from scheduling_platform.settings import Settings
from tests.samples import D0


@pytest.fixture
def cli(platform_env: Settings):
    runner = CliRunner()

    def invoke(*args: str, ok: bool = True):
        result = runner.invoke(main, list(args), catch_exceptions=False)
        assert (result.exit_code == 0) == ok, result.output
        return json.loads(result.stdout) if "--json" in args and ok else result

    return invoke


def test_each_workspace_sees_its_own(cli) -> None:
    assert cli("workspaces", "create", "acme", "--json")["name"] == "acme"
    assert "exists already" in cli("workspaces", "create", "acme", ok=False).output
    assert "lowercase" in cli("workspaces", "create", "Not OK", ok=False).output
    cli("--workspace", "acme", "accounts", "add", "--platform", "weibo", "--name", "brand")
    cli("accounts", "add", "--platform", "weibo", "--name", "brand")  # the default workspace
    acme = cli("--workspace", "acme", "accounts", "list", "--json")
    default = cli("accounts", "list", "--json")
    assert [a["id"] for a in acme] != [a["id"] for a in default]
    cli(
        "--workspace",
        "acme",
        "tasks",
        "create",
        "--account",
        str(acme[0]["id"]),
        "--content",
        "acme's",
        "--at",
        f"{D0}T09:00",
    )
    assert cli("tasks", "list", "--json") == []
    shown = cli("tasks", "show", "1", ok=False)
    assert "no task with id 1" in shown.output
    assert len(cli("--workspace", "acme", "tasks", "list", "--json")) == 1
    refused = cli("--workspace", "nowhere", "tasks", "list", ok=False)
    assert "no workspace named 'nowhere'" in refused.output
    assert [w["name"] for w in cli("workspaces", "list", "--json")] == ["default", "acme"]
    cli("--workspace", "acme", "workspaces", "add-user", "ana")
    assert [u["name"] for u in cli("--workspace", "acme", "workspaces", "users", "--json")] == [
        "ana"
    ]


def test_api_keys_are_shown_once_and_revocable(cli, platform_env: Settings) -> None:
    cli("workspaces", "create", "acme")
    cli("--workspace", "acme", "workspaces", "add-user", "ana")
    created = cli(
        "keys",
        "api",
        "create",
        "--workspace",
        "acme",
        "--scopes",
        "read,write",
        "--name",
        "ci",
        "--user",
        "ana",
        "--json",
    )
    key, view = created["key"], created["api_key"]
    assert key.startswith(f"spk_{view['public_id']}_")
    assert view["scopes"] == ["read", "write"] and view["rate_limit"] == "1000/hour"
    listed = cli("keys", "api", "list", "--workspace", "acme")
    assert view["public_id"] in listed.output and key not in listed.output
    assert cli("keys", "api", "list", "--json") == []  # the default workspace has none
    caller = authenticate(ServiceContext(platform_env), key)
    assert caller.scopes == {"read", "write"} and caller.rate_limit == "1000/hour"
    assert caller.user_id is not None and caller.user_id == view["user_id"]  # acts for ana

    bad = cli("keys", "api", "create", "--workspace", "acme", "--scopes", "read,root", ok=False)
    assert "unknown scope root" in bad.output
    limit = cli("keys", "api", "create", "--scopes", "read", "--rate-limit", "lots", ok=False)
    assert "is not like 1000/hour" in limit.output
    assert "no API key" in cli("keys", "api", "revoke", view["public_id"], ok=False).output
    cli("keys", "api", "revoke", view["public_id"], "--workspace", "acme")
    with pytest.raises(AuthenticationError):
        authenticate(ServiceContext(platform_env), key)


def test_a_rotated_secret_keeps_old_keys_working_and_moves_them(cli, platform_env) -> None:
    key = cli("keys", "api", "create", "--scopes", "read", "--json")["key"]
    old_secret = cli("keys", "api", "list", "--json")[0]["hash_secret_id"]
    new_secret = cli("keys", "api", "rotate-secret", "--json")["primary"]
    assert new_secret != old_secret
    authenticate(ServiceContext(platform_env), key)  # still accepted, and rehashed
    assert cli("keys", "api", "list", "--json")[0]["hash_secret_id"] == new_secret


def test_a_tick_publishes_every_workspace_and_shows_its_own(cli, sandbox_url: str) -> None:
    from datetime import timedelta

    import httpx

    from scheduling_platform.timeutil import utcnow

    cli("workspaces", "create", "acme")
    at = (utcnow() + timedelta(seconds=2)).isoformat()
    for workspace in ("default", "acme"):
        cli("--workspace", workspace, "accounts", "add", "--platform", "weibo", "--name", workspace)
        account = cli("--workspace", workspace, "accounts", "list", "--json")[0]["id"]
        cli(
            "--workspace",
            workspace,
            "tasks",
            "create",
            "--account",
            str(account),
            "--content",
            f"{workspace} says hi",
            "--at",
            at,
        )
    ticked = cli("tick", "--json")
    assert sum(len(r["published_task_ids"]) for r in ticked["runs"]) == 2
    assert [t["content"] for t in ticked["published"]] == ["default says hi"]
    assert httpx.get(f"{sandbox_url}/_sandbox/posts").json()["count"] == 2
