"""No secret in any log line, Dagster event, CLI output or error text; none at rest either.

Publishes through the real sensor path (`run_one_tick`) with faults on, so tokens are
refreshed, refused and retried while everything that talks is captured.
"""

from __future__ import annotations

import json
import logging
from datetime import timedelta
from pathlib import Path

import httpx
from click.testing import CliRunner
from dagster import instance_for_test
from dagster._serdes import serialize_value

from scheduling_platform.accounts.registration import add_account
from scheduling_platform.cli.main import main
from scheduling_platform.definitions import build_definitions
from scheduling_platform.platforms.base import PLATFORMS, ErrorKind, PlatformError
from scheduling_platform.redaction import is_secret_field, redact
from scheduling_platform.settings import Settings
from scheduling_platform.store.task_store import TaskStore
from scheduling_platform.timeutil import utcnow
from sensors.ticks import run_one_tick


def _secrets(store: TaskStore) -> set[str]:
    return {
        str(value)
        for account in store.list_accounts()
        for name, value in account.credentials.items()
        if is_secret_field(name) and value and len(str(value)) >= 8
    }


def test_no_secret_leaves_the_process(platform_env: Settings, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    store = TaskStore.from_settings(platform_env)
    for platform in PLATFORMS:
        for name in ("secret-a", "secret-b"):
            add_account(store, platform_env, platform=platform, name=f"{platform}-{name}")
    seen = _secrets(store)
    assert len(seen) >= 2 * len(PLATFORMS)
    faults = f"{platform_env.sandbox_url}/_sandbox/faults"
    for mode, rate in (("token_expired", 0.4), ("http_500", 0.15), ("reject", 0.15)):
        body = {"platform": "*", "mode": mode, "rate": rate, "seed": 11}
        assert httpx.post(faults, json=body).status_code == 200
    due = utcnow() + timedelta(seconds=2)
    for account in store.list_accounts():
        for n in range(3):
            store.create_task(
                account, f"secret scan {n} of {account.name}", due, title=f"Secret scan {n}"
            )

    with instance_for_test() as instance:
        runs = run_one_tick(instance, build_definitions(platform_env))
        assert {r["platform"] for r in runs} == set(PLATFORMS)
        events = [serialize_value(e) for r in runs for e in instance.all_logs(r["run_id"])]
    fired = httpx.get(faults).json()["fired"]
    assert any(k.endswith("token_expired") for k in fired), fired
    seen |= _secrets(store)  # refreshed tokens too

    runner = CliRunner()
    outputs = [
        runner.invoke(main, args).output
        for args in (
            ["accounts", "list", "--json"],
            ["accounts", "check", "--json"],
            ["tasks", "list", "--json"],
            ["keys", "status", "--json"],
            *[["tasks", "show", str(t.id), "--json"] for t in store.list_tasks()],
        )
    ]
    errors = [t.last_error or "" for t in store.list_tasks()]
    assert any(errors), "the faults left their messages on tasks"
    logged = [r.getMessage() for r in caplog.records] + [r.exc_text or "" for r in caplog.records]
    assert any("HTTP Request" in line for line in logged), "httpx's request log was captured"
    captured = {
        "python log": "\n".join(logged),
        "dagster event log": "\n".join(events),
        "cli output": "\n".join(outputs),
        "task errors": "\n".join(errors),
    }
    for where, text in captured.items():
        leaked = [s for s in seen if s in text]
        assert not leaked, f"{len(leaked)} secrets in the {where}"

    # At rest: the database file holds sealed credentials only.
    raw = b"".join(p.read_bytes() for p in Path(platform_env.home).glob("tasks.sqlite*"))
    assert raw and not [s for s in seen if s.encode() in raw]


def test_secret_values_are_masked_in_records_and_errors(caplog) -> None:
    from scheduling_platform.redaction import install_log_redaction, register_secrets

    install_log_redaction()
    register_secrets(["tok-must-not-show-123"])
    log = logging.getLogger("scheduling_platform.test")
    with caplog.at_level(logging.INFO):
        log.info("sending with %s", "tok-must-not-show-123")
        log.info("GET /x?access_token=never-registered-456&ids=1")
        try:
            raise RuntimeError("failed for tok-must-not-show-123")
        except RuntimeError:
            log.exception("boom")
    text = "\n".join(
        [r.getMessage() for r in caplog.records] + [r.exc_text or "" for r in caplog.records]
    )
    assert "tok-must-not-show-123" not in text and "never-registered-456" not in text
    assert text.count("***") >= 3
    error = PlatformError(ErrorKind.AUTH, "bad token tok-must-not-show-123", code="1")
    assert "tok-must-not-show-123" not in str(error)
    assert redact(json.dumps({"app_secret": "abcdefgh12"})) == '{"app_secret": "***"}'
    # Secrets sharing a beginning: the longest one present is masked whole.
    register_secrets(["shared-prefix-1", "shared-prefix-1-and-more"])
    masked = redact("a shared-prefix-1-and-more b shared-prefix-1 c shared-pre")
    assert masked == "a *** b *** c shared-pre"
