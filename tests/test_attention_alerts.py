"""People hear about what needs them: one webhook message a tick for failed and held tasks and
accounts that need re-authorisation; `tick` takes posts in review to their end."""

from __future__ import annotations

import json
import time
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner
from dagster import build_sensor_context, instance_for_test

from scheduling_platform.cli.main import main
from scheduling_platform.definitions import build_definitions
from scheduling_platform.lifecycle import TaskStatus
from scheduling_platform.settings import Settings
from scheduling_platform.store.leases import hold_missed_posts
from scheduling_platform.store.task_store import TaskStore
from scheduling_platform.timeutil import utcnow
from tests.samples import write_media
from tests.webhook import webhook  # noqa: F401  (a fixture)


def _cli(*args: str, code: int = 0) -> dict:
    result = CliRunner().invoke(main, [*args, "--json"], catch_exceptions=False)
    assert result.exit_code == code, result.output
    return json.loads(result.stdout)


def test_a_storm_of_failures_and_a_held_account_is_one_message(
    platform_env: Settings,
    webhook,  # noqa: F811  (the fixture)
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    url, received = webhook
    monkeypatch.setenv("SCHEDULING_ALERT_WEBHOOK_URL", url)
    brand = _cli("accounts", "add", "--platform", "weibo", "--name", "brand")
    store = TaskStore.from_settings(platform_env)
    # Everything but a valid token: the platform refuses it and the account is held.
    orphan = store.add_account(
        "weibo", "orphan", "Asia/Shanghai", {"access_token": "bad-token", "rip": "127.0.0.1"}
    )
    # The sandbox refuses repeated text: the first goes out, the other three fail. (Made in
    # the store: `tasks create` would refuse them as conflicts.)
    at = utcnow() + timedelta(seconds=2)
    same = [store.create_task(store.get_account(brand["id"]), "same", at) for _ in range(4)]
    held = store.create_task(store.get_account(orphan.id), "never sent", at)
    _cli("tick")
    failed = [t.id for t in same if store.get_task(t.id).status is TaskStatus.FAILED]
    assert len(failed) == 3
    (message,) = received
    assert message["event"] == "attention_needed"
    assert message["tasks"] == 3 and message["tasks_by_status"] == {"failed": 3}
    assert sorted(i["task_id"] for i in message["task_items"]) == failed
    assert {i["account_id"] for i in message["task_items"]} == {brand["id"]}
    assert all("repeat content" in i["reason"] for i in message["task_items"])
    (account,) = message["account_items"]
    assert account["account_id"] == orphan.id and "needs_reauth" in account["reason"]
    assert store.get_task(held.id).status is not TaskStatus.PUBLISHED
    token = store.get_account(brand["id"]).credentials["access_token"]
    assert token not in json.dumps(message) and "bad-token" not in json.dumps(message)
    _cli("tick")
    assert len(received) == 1, "nothing new needs anyone: no second message"


def test_the_daemon_sensor_alerts_once_for_what_happened_since_its_cursor(
    platform_env: Settings,
    webhook,  # noqa: F811  (the fixture)
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    url, received = webhook
    monkeypatch.setenv("SCHEDULING_ALERT_WEBHOOK_URL", url)
    store = TaskStore.from_settings(platform_env)
    account = store.add_account("weibo", "brand", "Asia/Shanghai", {"access_token": "t"})
    definitions = build_definitions(Settings())
    sensor = definitions.resolve_sensor_def("attention_alerts_sensor")

    def evaluate(cursor: str | None) -> str | None:
        with build_sensor_context(
            instance=instance,
            cursor=cursor,
            definitions=definitions,
            resources=definitions.resources,
        ) as context:
            return sensor.evaluate_tick(context).cursor

    with instance_for_test() as instance:
        start = evaluate(None)  # the first look starts now: no alert for the past
        late = [
            store.create_task(account, f"late {i}", utcnow() - timedelta(hours=4)) for i in (1, 2)
        ]
        assert hold_missed_posts(store, utcnow() - timedelta(hours=3), utcnow()) == 2
        after = evaluate(start)
        assert evaluate(after) == after
    (message,) = received
    assert message["tasks_by_status"] == {"needs_attention": 2}
    assert sorted(i["task_id"] for i in message["task_items"]) == [t.id for t in late]
    assert all("too late" in i["reason"] for i in message["task_items"])


def test_tick_reports_posts_in_review_as_submitted_and_follows_them_up(
    platform_env: Settings, sandbox_url: str, tmp_path: Path
) -> None:
    httpx.post(
        f"{sandbox_url}/_sandbox/config", json={"review_delay_seconds": 3}
    ).raise_for_status()
    cover = write_media(tmp_path, "cover.jpg")
    account = _cli("accounts", "add", "--platform", "wechat", "--name", "mp")
    at = (utcnow() + timedelta(seconds=1)).isoformat()
    task = _cli(
        "tasks", "create", "--account", str(account["id"]), "--content", "正文", "--title",
        "标题", "--media", str(cover), "--at", at,
    )  # fmt: skip
    first = _cli("tick")
    (run,) = first["runs"]
    assert run["submitted_task_ids"] == [task["id"]] and run["published_task_ids"] == []
    assert task["id"] not in [t["id"] for t in first["published"]] or first["review"]
    deadline = time.monotonic() + 30
    while _cli("tasks", "show", str(task["id"]))["status"] == "submitted":
        assert time.monotonic() < deadline, "the review never ended"
        time.sleep(1)
        ticked = _cli("tick")
        assert ticked["runs"] == []
    assert _cli("tasks", "show", str(task["id"]))["status"] == "published"
