"""`accounts check` and `accounts reauthorise` through the CLI, against the real sandbox."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from click.testing import CliRunner

from scheduling_platform.accounts.registration import add_account
from scheduling_platform.cli.main import main
from scheduling_platform.lifecycle import AccountStatus
from scheduling_platform.settings import Settings
from scheduling_platform.store.task_store import TaskStore
from scheduling_platform.timeutil import utcnow


def _invoke(*args: str, exit_code: int = 0) -> str:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    assert result.exit_code == exit_code, result.output
    return result.stdout


def test_check_reports_token_expiry_and_platform(
    platform_env: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = TaskStore.from_settings(platform_env)
    good = add_account(store, platform_env, platform="weibo", name="good")
    wechat = add_account(store, platform_env, platform="wechat", name="wx")
    bad = store.add_account("weibo", "bad", "UTC", {"access_token": "revoked-token-123456"})
    assert "token INVALID" in _invoke("accounts", "check", exit_code=1)
    reports = {
        r["account_id"]: r for r in json.loads(_invoke("accounts", "check", "--json", exit_code=1))
    }
    for account in (good, wechat):
        report = reports[account.id]
        assert report["ok"] and report["token_valid"] and report["platform_available"]
        assert 0 < report["expires_in_seconds"] <= 15 * 86400
    assert reports[bad.id]["token_valid"] is False and not reports[bad.id]["ok"]
    assert "revoked-token-123456" not in json.dumps(reports)

    # Weibo stops answering: its accounts say so; WeChat's are unaffected.
    monkeypatch.setenv("SCHEDULING_WEIBO_BASE_URL", "http://127.0.0.1:9/weibo")
    down = {
        r["account_id"]: r for r in json.loads(_invoke("accounts", "check", "--json", exit_code=1))
    }
    assert down[good.id]["platform_available"] is False and down[good.id]["token_valid"] is None
    assert down[wechat.id]["ok"]


def test_reauthorise_releases_held_tasks(platform_env: Settings) -> None:
    store = TaskStore.from_settings(platform_env)
    account = store.add_account("weibo", "held", "UTC", {"access_token": "stale-token-123456"})
    store.set_account_status(account.id, AccountStatus.NEEDS_REAUTH, actor="test")
    task = store.create_task(account, "waiting", utcnow())
    horizon = utcnow() + timedelta(hours=1)
    assert store.claim_due_tasks(horizon=horizon, claim_batch_prefix="a", lease_until=horizon) == []
    # Nothing to renew from: refused, still held.
    refused = CliRunner().invoke(main, ["accounts", "reauthorise", str(account.id)])
    assert refused.exit_code == 1 and "authorised again" in refused.output
    assert store.get_account(account.id).status == "needs_reauth"
    # A new authorisation code: exchanged, checked, the account active again.
    code = json.dumps({"authorization_code": "sandbox-held"})
    view = json.loads(
        _invoke("accounts", "reauthorise", str(account.id), "--credentials", code, "--json")
    )
    assert view["status"] == "active"
    renewed = store.get_account(account.id).credentials
    assert renewed["access_token"] != "stale-token-123456" and "expires_at" in renewed
    (claimed,) = store.claim_due_tasks(horizon=horizon, claim_batch_prefix="b", lease_until=horizon)
    assert claimed.id == task.id
