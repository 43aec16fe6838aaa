"""A crash costs seconds: short leases by default, retries wait for their backoff, a failed or
interrupted tick gives its claims back at once."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner
from dagster import (
    DagsterEvent,
    DagsterEventType,
    DagsterRunStatus,
    build_sensor_context,
    instance_for_test,
)
from dagster._core.remote_origin import (
    RegisteredCodeLocationOrigin,
    RemoteJobOrigin,
    RemoteRepositoryOrigin,
)
from sqlalchemy import update

from scheduling_platform.accounts.registration import sandbox_credentials
from scheduling_platform.cli.main import main
from scheduling_platform.definitions import build_definitions
from scheduling_platform.lifecycle import TaskStatus
from scheduling_platform.platforms.weibo import WeiboClient
from scheduling_platform.publishing.claiming import claim_due_batches
from scheduling_platform.publishing.error_policy import ErrorPolicy
from scheduling_platform.publishing.publisher import BatchPublisher
from scheduling_platform.settings import Settings
from scheduling_platform.store.schema import accounts, tasks
from scheduling_platform.store.task_store import TaskStore
from scheduling_platform.timeutil import utcnow
from sensors.ticks import TickInterrupted, run_one_tick

REPO = Path(__file__).resolve().parents[1]
# What a publisher needs after its start before a post it claims can go out: the sensor's next
# evaluation and a run's launch (a run process under the daemon; 2-5 s on a loaded 2-core box).
LAUNCH_ALLOWANCE_SECONDS = 10
CRASH_BUDGET_SECONDS = 60


def _weibo_account(store: TaskStore, sandbox_url: str, name: str = "brand"):
    credentials = sandbox_credentials("weibo", name, Settings(sandbox_url=sandbox_url))
    return store.add_account("weibo", name, "Asia/Shanghai", credentials)


def _posts(sandbox_url: str) -> list[dict]:
    return httpx.get(f"{sandbox_url}/_sandbox/posts").json()["posts"]


def test_default_leases_bring_a_dead_publishers_posts_back_within_a_minute(
    store: TaskStore, sandbox_url: str
) -> None:
    """The worst case by the defaults: a claim made just before the crash, its lease run out,
    then the next sensor evaluation and a run launch; and an attempt cut off mid-request."""
    defaults = Settings(_env_file=None)  # type: ignore[call-arg]
    account = _weibo_account(store, sandbox_url)
    store.create_task(account, "due soon", utcnow() + timedelta(seconds=1))
    now = utcnow()
    (batch,) = claim_due_batches(
        store,
        now=now,
        lookahead_seconds=defaults.claim_lookahead_seconds,
        lease_seconds=defaults.lease_seconds,
    )
    claimed = store.get_task(batch.task_ids[0])
    assert claimed.lease_expires_at is not None
    claim_back = (claimed.lease_expires_at - now).total_seconds()
    client = WeiboClient(f"{sandbox_url}/weibo")
    publisher = BatchPublisher(store, {"weibo": client}, lease_seconds=defaults.lease_seconds)
    attempt_lease = max(publisher.lease_seconds, 3 * client.timeout_seconds + 5)
    for back in (claim_back, attempt_lease):
        worst = back + defaults.sensor_interval_seconds + LAUNCH_ALLOWANCE_SECONDS
        assert worst <= CRASH_BUDGET_SECONDS, f"a crash can cost {worst:.0f} s"


def test_a_retry_claimed_within_the_lookahead_waits_for_its_backoff(
    store: TaskStore, sandbox_url: str
) -> None:
    account = _weibo_account(store, sandbox_url)
    task = store.create_task(account, "sent after its backoff", utcnow())
    (first,) = claim_due_batches(store, now=utcnow(), lookahead_seconds=1, lease_seconds=15)
    dead = WeiboClient("http://127.0.0.1:9/weibo", timeout_seconds=1)
    policy = ErrorPolicy(base_delay_seconds=2.0, jitter=0.0)
    BatchPublisher(store, {"weibo": dead}, error_policy=policy).publish_batch(first.claim_batch)
    waiting = store.get_task(task.id)
    assert waiting.status is TaskStatus.RETRYING and waiting.not_before is not None
    # A lookahead that reaches past the backoff claims the retry early; it must still wait.
    (batch,) = claim_due_batches(store, now=utcnow(), lookahead_seconds=120, lease_seconds=15)
    client = WeiboClient(f"{sandbox_url}/weibo")
    (outcome,) = BatchPublisher(store, {"weibo": client}).publish_batch(batch.claim_batch)
    assert outcome.status is TaskStatus.PUBLISHED and outcome.sent_at is not None
    assert outcome.sent_at >= waiting.not_before, "the retry went out before its backoff"
    (post,) = _posts(sandbox_url)
    assert datetime.fromisoformat(post["received_at"]) >= waiting.not_before


def test_a_retry_with_a_100_s_backoff_is_not_claimed_by_the_default_lookahead(
    store: TaskStore, sandbox_url: str
) -> None:
    defaults = Settings(_env_file=None)  # type: ignore[call-arg]
    account = _weibo_account(store, sandbox_url)
    task = store.create_task(account, "retry in 100 s", utcnow())
    (first,) = claim_due_batches(store, now=utcnow(), lookahead_seconds=1, lease_seconds=15)
    dead = WeiboClient("http://127.0.0.1:9/weibo", timeout_seconds=1)
    policy = ErrorPolicy(base_delay_seconds=100.0, jitter=0.0)
    BatchPublisher(store, {"weibo": dead}, error_policy=policy).publish_batch(first.claim_batch)
    assert store.get_task(task.id).status is TaskStatus.RETRYING
    claimed = claim_due_batches(
        store,
        now=utcnow(),
        lookahead_seconds=defaults.claim_lookahead_seconds,
        lease_seconds=defaults.lease_seconds,
    )
    assert claimed == []
    assert _posts(sandbox_url) == []


def _break_credentials(store: TaskStore) -> None:
    """The vault can no longer open the accounts' credentials: every publish run fails."""
    with store.engine.begin() as conn:
        conn.execute(update(accounts).values(credentials="not a sealed credential"))


def test_a_failed_run_of_a_tick_gives_its_claims_back_at_once(
    platform_env: Settings, sandbox_url: str
) -> None:
    store = TaskStore.from_settings(platform_env)
    account = _weibo_account(store, sandbox_url)
    task = store.create_task(account, "its run fails", utcnow() + timedelta(seconds=1))
    _break_credentials(store)
    ticked = CliRunner().invoke(main, ["tick", "--json"], catch_exceptions=False)
    assert ticked.exit_code == 1, ticked.output
    (run,) = json.loads(ticked.stdout)["runs"]
    assert not run["success"]
    assert "run(s) failed; their tasks were given back" in ticked.stderr
    back = store.get_task(task.id)
    assert back.status is TaskStatus.SCHEDULED and back.lease_expires_at is None
    assert _posts(sandbox_url) == []


def test_an_interrupted_tick_gives_back_what_it_has_not_sent(
    platform_env: Settings, sandbox_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl-C while a run waits for its posts' time: the posts due later are claimable at once."""
    monkeypatch.setenv("SCHEDULING_CLAIM_LOOKAHEAD_SECONDS", "60")  # room on a loaded machine
    store = TaskStore.from_settings(platform_env)
    account = _weibo_account(store, sandbox_url)
    soon = store.create_task(account, "due before Ctrl-C", utcnow() + timedelta(seconds=2))
    later = store.create_task(account, "due after Ctrl-C", utcnow() + timedelta(seconds=40))
    definitions = build_definitions(Settings())

    def interrupt_once_sent() -> None:
        deadline = time.monotonic() + 60
        while store.get_task(soon.id).status is not TaskStatus.PUBLISHED:
            if time.monotonic() > deadline:
                return
            time.sleep(0.05)
        os.kill(os.getpid(), signal.SIGINT)

    with instance_for_test() as instance:
        watcher = threading.Thread(target=interrupt_once_sent, daemon=True)
        watcher.start()
        with pytest.raises(TickInterrupted):
            run_one_tick(instance, definitions)
        watcher.join()
    assert store.get_task(soon.id).status is TaskStatus.PUBLISHED
    back = store.get_task(later.id)
    assert back.status is TaskStatus.SCHEDULED and back.lease_expires_at is None
    assert [p["text"] for p in _posts(sandbox_url)] == ["due before Ctrl-C"]


def test_tick_stopped_with_sigterm_gives_its_claims_back_and_says_so(
    platform_env: Settings, sandbox_url: str
) -> None:
    store = TaskStore.from_settings(platform_env)
    account = _weibo_account(store, sandbox_url)
    task = store.create_task(account, "never sent", utcnow() + timedelta(seconds=12))
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    process = subprocess.Popen(
        [sys.executable, "-m", "scheduling_platform.cli", "tick"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while store.get_task(task.id).status is not TaskStatus.CLAIMED:
            assert time.monotonic() < deadline, "the tick never claimed the task"
            time.sleep(0.05)
        time.sleep(1.0)  # into the run, waiting for the post's time
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode != 0, out
    assert "interrupted" in err and "given back" in err
    back = store.get_task(task.id)
    assert back.status is TaskStatus.SCHEDULED and back.lease_expires_at is None
    assert _posts(sandbox_url) == []


def test_the_sensor_renews_the_claims_of_runs_still_in_the_run_queue(
    platform_env: Settings,
) -> None:
    """Short leases under a busy queue: a queued run cannot renew its claims, the sensor does."""
    store = TaskStore.from_settings(platform_env)
    account = store.add_account("weibo", "brand", "Asia/Shanghai", {"access_token": "t"})
    task = store.create_task(account, "waits in the queue", utcnow() + timedelta(seconds=10))
    (batch,) = claim_due_batches(store, now=utcnow(), lookahead_seconds=15, lease_seconds=15)
    # The run waited in the queue until its claim's lease ran out.
    with store.engine.begin() as conn:
        conn.execute(update(tasks).values(lease_expires_at=utcnow() - timedelta(seconds=1)))
    definitions = build_definitions(platform_env)
    with instance_for_test() as instance:
        run = instance.create_run_for_job(
            job_def=definitions.resolve_job_def("publish_job"),
            run_config={
                "ops": {
                    "publish_claimed_batch": {
                        "config": {"claim_batch": batch.claim_batch, "platform": "weibo"}
                    }
                }
            },
            tags={"claim_batch": batch.claim_batch, "platform": "weibo"},
            remote_job_origin=RemoteJobOrigin(
                RemoteRepositoryOrigin(
                    RegisteredCodeLocationOrigin("scheduling_platform"), "__repository__"
                ),
                "publish_job",
            ),
        )
        # Enqueued as the queued run coordinator does it (submitting needs a code server).
        enqueued = DagsterEvent(DagsterEventType.RUN_ENQUEUED.value, job_name="publish_job")
        instance.report_dagster_event(enqueued, run_id=run.run_id)
        queued = instance.get_run_by_id(run.run_id)
        assert queued is not None and queued.status is DagsterRunStatus.QUEUED
        with build_sensor_context(
            instance=instance, definitions=definitions, resources=definitions.resources
        ) as context:
            result = definitions.resolve_sensor_def("due_tasks_sensor").evaluate_tick(context)
    assert not result.run_requests, "the queued run's task was claimed again elsewhere"
    kept = store.get_task(task.id)
    assert kept.claim_batch == batch.claim_batch and kept.lease_version == 1
    assert kept.lease_expires_at is not None and kept.lease_expires_at > utcnow()
