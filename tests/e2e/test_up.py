"""The whole platform as a user starts it: `scheduling-platform up`, daemon and sensor included.

100 posts due over the next two minutes on five sandbox accounts must each go out exactly once,
within 5 seconds after their time, with nobody clicking anything.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

import httpx
import pytest
from dagster import DagsterInstance

from scheduling_platform.accounts.registration import add_account
from scheduling_platform.scheduling.tasks import schedule_task
from scheduling_platform.settings import Settings
from scheduling_platform.store.task_store import TaskStore
from scheduling_platform.timeutil import utcnow
from tests.samples import free_port

pytestmark = pytest.mark.e2e

POSTS = 100
ACCOUNTS = 5  # Weibo takes 30 posts an hour per account


def _wait(condition, timeout: float, what: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if process.poll() is not None:
            pytest.fail(f"`up` exited while waiting for {what}:\n{log.read_text()[-3000:]}")
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}:\n{log.read_text()[-3000:]}")
        time.sleep(0.5)


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code < 500
    except httpx.TransportError:
        return False


def test_up_publishes_every_post_once_and_on_time(tmp_path: Path) -> None:
    sandbox_port, web_port, api_port = free_port(), free_port(), free_port()
    env = {
        **os.environ,
        "SCHEDULING_HOME": str(tmp_path / "home"),
        "SCHEDULING_SANDBOX_URL": f"http://127.0.0.1:{sandbox_port}",
        "SCHEDULING_WEBSERVER_PORT": str(web_port),
        "SCHEDULING_API_PORT": str(api_port),
        "SCHEDULING_DEMO": "0",
        "SCHEDULING_SENSOR_INTERVAL_SECONDS": "15",
        "SCHEDULING_CLAIM_LOOKAHEAD_SECONDS": "60",
    }
    env.pop("DAGSTER_HOME", None)
    env.pop("SCHEDULING_DATABASE_URL", None)
    log = tmp_path / "up.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "scheduling_platform.cli", "up"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=tmp_path,
            start_new_session=True,
        )
    try:
        settings = Settings(
            _env_file=None, home=tmp_path / "home", sandbox_url=env["SCHEDULING_SANDBOX_URL"]
        )
        _wait(
            lambda: _answers(f"{settings.sandbox_url}/_sandbox/health"),
            60,
            "the sandbox",
            process,
            log,
        )
        _wait(
            lambda: _answers(f"http://127.0.0.1:{api_port}/api/v1/system/ready"),
            60,
            "the REST API",
            process,
            log,
        )
        _wait(
            lambda: _answers(f"http://127.0.0.1:{web_port}/server_info"),
            120,
            "the Dagster webserver",
            process,
            log,
        )
        os.environ["DAGSTER_HOME"] = str(tmp_path / "home" / "dagster")
        try:
            instance = DagsterInstance.get()
            _wait(
                lambda: "SENSOR" in instance.get_daemon_heartbeats(),
                120,
                "the sensor daemon",
                process,
                log,
            )
        finally:
            os.environ.pop("DAGSTER_HOME", None)

        store = TaskStore.from_url(settings.resolved_database_url)
        accounts = [
            add_account(store, settings, platform="weibo", name=f"brand-{i}")
            for i in range(ACCOUNTS)
        ]
        start = utcnow() + timedelta(seconds=25)
        due: dict[str, datetime] = {}
        for i in range(POSTS):
            at = start + timedelta(seconds=95 * i / (POSTS - 1))
            task = schedule_task(store, accounts[i % ACCOUNTS].id, f"post {i}", at)
            due[task.content] = task.scheduled_at
        last_due = max(due.values())

        def all_sent() -> bool:
            return httpx.get(f"{settings.sandbox_url}/_sandbox/posts").json()["count"] >= POSTS

        _wait(all_sent, (last_due - utcnow()).total_seconds() + 60, "all posts", process, log)
        time.sleep(2)  # anything sent twice would arrive now
        posts = httpx.get(f"{settings.sandbox_url}/_sandbox/posts").json()["posts"]
        counts = Counter(p["text"] for p in posts)
        assert set(counts) == set(due), "a post is missing or unknown"
        assert max(counts.values()) == 1, "a post went out twice"
        lateness = sorted(
            (datetime.fromisoformat(p["received_at"]) - due[p["text"]]).total_seconds()
            for p in posts
        )
        assert lateness[0] >= 0, f"a post left {-lateness[0]:.1f} s early"
        assert lateness[-1] <= 5, f"the latest post left {lateness[-1]:.1f} s after its time"
        statuses = Counter(str(t.status) for t in store.list_tasks())
        assert statuses == {"published": POSTS}
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            pytest.fail("`up` did not stop on Ctrl-C within 60 s")
    assert not _answers(f"http://127.0.0.1:{sandbox_port}/_sandbox/health"), "sandbox left running"
    assert not _answers(f"http://127.0.0.1:{web_port}/server_info"), "webserver left running"
    # The daemon and code servers have no port: look for any process still using the home.
    left = subprocess.run(["pgrep", "-f", str(tmp_path / "home")], capture_output=True, text=True)
    assert left.stdout.strip() == "", f"processes left running: {left.stdout}"
