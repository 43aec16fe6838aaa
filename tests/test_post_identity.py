"""A task recorded as published holds its own post: never an earlier task's with the same title.

Through the CLI's `tick` (the sensor and the publish job, in process) against the sandbox on
loopback, with the sandbox's faults hiding whether a publish went out.
"""

from __future__ import annotations

import json
import time
from datetime import timedelta

import httpx
import pytest
from click.testing import CliRunner

from scheduling_platform.cli.main import main
from scheduling_platform.settings import Settings
from scheduling_platform.store.task_store import TaskStore
from scheduling_platform.timeutil import utcnow

TITLE = "Daily market report"
CLIENT_TIMEOUT = 0.5


@pytest.fixture
def cli(platform_env: Settings, monkeypatch: pytest.MonkeyPatch):
    # Short client timeouts and retries keep the test in seconds; no gap between posts so a
    # second report may follow the first at once.
    monkeypatch.setenv("SCHEDULING_TOUTIAO_TIMEOUT_SECONDS", str(CLIENT_TIMEOUT))
    monkeypatch.setenv("SCHEDULING_RETRY_BASE_SECONDS", "0.2")
    monkeypatch.setenv("SCHEDULING_MIN_GAP_MINUTES", json.dumps({"toutiao": 0}))
    runner = CliRunner()

    def invoke(*args: str) -> dict:
        result = runner.invoke(main, [*args, "--json"], catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return json.loads(result.stdout)

    return invoke


def _report(cli, content: str) -> int:
    at = (utcnow() + timedelta(seconds=1)).isoformat()
    created = cli("tasks", "create", "--account", "1", "--title", TITLE, "--content", content,
                  "--at", at)  # fmt: skip
    return int(created["id"])


def _tick_until_settled(cli, task_id: int, seconds: float = 15) -> dict:
    """Tick until the task has left `scheduled`/`retrying`; its view."""
    deadline = time.monotonic() + seconds
    while True:
        cli("tick")
        shown = cli("tasks", "show", str(task_id))
        if shown["status"] not in ("scheduled", "claimed", "retrying", "publishing"):
            return shown
        assert time.monotonic() < deadline, shown
        time.sleep(0.2)


def _sandbox(sandbox_url: str, method: str, path: str, **kw: object) -> dict:
    response = httpx.request(method, f"{sandbox_url}/_sandbox/{path}", **kw)  # type: ignore[arg-type]
    assert response.status_code == 200, response.text
    return response.json()


def test_same_title_after_a_timeout_is_sent_not_taken_from_the_earlier_post(
    cli, sandbox_url: str, platform_env: Settings
) -> None:
    cli("accounts", "add", "--platform", "toutiao", "--name", "desk")
    first = _report(cli, "Shares rose on Monday.")
    assert _tick_until_settled(cli, first)["status"] == "published"

    # The second report's publish request hangs past the client's timeout: outcome unknown.
    _sandbox(sandbox_url, "POST", "faults",
             json={"platform": "toutiao", "mode": "timeout", "delay_seconds": 1.0})  # fmt: skip
    second = _report(cli, "Shares fell on Tuesday.")
    time.sleep(1.2)
    cli("tick")
    assert cli("tasks", "show", str(second))["status"] == "retrying"
    _sandbox(sandbox_url, "DELETE", "faults")

    shown = _tick_until_settled(cli, second)
    posts = _sandbox(sandbox_url, "GET", "posts")["posts"]
    texts = sorted(p["text"] for p in posts)
    assert texts == ["<p>Shares fell on Tuesday.</p>", "<p>Shares rose on Monday.</p>"]
    held = {cli("tasks", "show", str(t))["platform_post_id"] for t in (first, second)}
    assert held == {p["platform_post_id"] for p in posts}
    assert shown["status"] == "published"
    store = TaskStore.from_settings(platform_env)
    by_id = {p["platform_post_id"]: p["text"] for p in posts}
    assert by_id[store.get_task(second).platform_post_id or ""] == "<p>Shares fell on Tuesday.</p>"
