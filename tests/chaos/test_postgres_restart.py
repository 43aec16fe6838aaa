"""Postgres restarted in the middle of a batch: the batch completes once it is back.

The restart drops every connection: store writes in flight retry until the server answers
again; a tick that fails is tried again. Postgres is started again at the end whatever happens,
since every other test needs it.
"""

from __future__ import annotations

import subprocess
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from scheduling_platform.timeutil import utcnow
from tests.chaos.conftest import ChaosPlatform, scaled

pytestmark = [pytest.mark.chaos, pytest.mark.postgres]

POSTS, ACCOUNTS = scaled(600), 20
SPREAD_SECONDS = 30


def pg_ctl(action: str) -> subprocess.CompletedProcess[str]:
    version = sorted(p.name for p in Path("/etc/postgresql").iterdir())[0]
    return subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", action],
        capture_output=True,
        text=True,
        timeout=120,
    )


def postgres_is_up() -> bool:
    return (
        subprocess.run(["pg_isready", "-h", "127.0.0.1", "-p", "5432", "-q"], timeout=30).returncode
        == 0
    )


@pytest.fixture
def restartable_postgres() -> object:
    if not Path("/etc/postgresql").is_dir():
        pytest.skip("no local Postgres cluster to restart (pg_ctlcluster)")
    yield pg_ctl
    if not postgres_is_up():
        pg_ctl("start")
    deadline = time.monotonic() + 60
    while not postgres_is_up() and time.monotonic() < deadline:
        time.sleep(0.5)


def test_batch_completes_after_a_postgres_restart(
    chaos: ChaosPlatform, restartable_postgres: object
) -> None:
    chaos.sandbox("config", {"daily_quotas": {"toutiao": 100_000}})
    accounts = chaos.add_accounts("toutiao", ACCOUNTS)
    start = utcnow() + timedelta(seconds=6)
    chaos.load_tasks(
        "toutiao",
        [
            (accounts[n % ACCOUNTS], start + timedelta(seconds=SPREAD_SECONDS * n / POSTS))
            for n in range(POSTS)
        ],
    )
    with chaos.store.engine.connect() as conn:
        started_before = conn.execute(text("SELECT pg_postmaster_start_time()")).scalar_one()

    publisher = chaos.start_worker("publisher", until_done=True)
    deadline = time.monotonic() + 60
    while chaos.attempts_started() < POSTS // 4:  # a quarter in: mid-batch
        assert time.monotonic() < deadline, chaos.log_tail("publisher")
        time.sleep(0.2)
    before_restart = chaos.store.count_by_status()
    restarted = pg_ctl("restart")
    assert restarted.returncode == 0, restarted.stderr
    chaos.wait_for(publisher, timeout=180, name="publisher")

    with chaos.store.engine.connect() as conn:
        started_after = conn.execute(text("SELECT pg_postmaster_start_time()")).scalar_one()
    assert started_after > started_before  # it really went down,
    assert before_restart.get("published", 0) < POSTS // 2  # and mid-batch
    verdict = chaos.verdict()
    print(f"tasks {dict(verdict.by_status)}; attempts {chaos.attempt_outcomes()}")
    verdict.assert_exactly_once(attention_allowed=False)
    assert verdict.by_status["published"] == POSTS
