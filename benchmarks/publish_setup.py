"""The publishing benchmark's platform: a sandbox process, a store, Toutiao accounts, a publisher.

Tasks are named `bench <load> <n>` (a Toutiao title is at most 30 characters, and the sandbox
records it), so each sandbox post finds its task's due time by name.
"""

from __future__ import annotations

import base64
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import httpx

from benchmarks.stores import bulk_load_tasks, settle, temporary_store
from benchmarks.up_process import free_port
from scheduling_platform.accounts.registration import add_account
from scheduling_platform.runtime.launcher import wait_for_http
from scheduling_platform.settings import Settings
from scheduling_platform.store.records import Account
from scheduling_platform.store.task_store import TaskStore
from scheduling_platform.timeutil import utcnow

REPO = Path(__file__).resolve().parents[1]
WORKER = Path(__file__).with_name("publish_worker.py")
UNFINISHED = ("scheduled", "claimed", "publishing", "retrying")
# The publisher's settings: a 10 s claim window (a tick and a run start take about a second),
# and no request-rate cap below what the sandbox can take.
PUBLISHER_SETTINGS = {
    "SCHEDULING_CLAIM_LOOKAHEAD_SECONDS": "10",
    "SCHEDULING_LEASE_SECONDS": "60",
    "SCHEDULING_PUBLISH_CONCURRENCY": "32",
    "SCHEDULING_PLATFORM_RATE_PER_SECOND": '{"toutiao": 2000}',
    "SCHEDULING_MAX_LATENESS_SECONDS": "3600",
}


@dataclass
class BenchPlatform:
    folder: Path
    store: TaskStore
    database_url: str
    sandbox_url: str
    env: dict[str, str]
    accounts: list[Account] = field(default_factory=list)
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)
    loads: int = 0

    @staticmethod
    def now() -> datetime:
        return utcnow()

    def name(self, n: int) -> str:
        return f"bench {self.loads} {n:06d}"

    def load(self, due: dict[str, datetime]) -> None:
        """Store one Toutiao task per name, due at its time, round-robin over the accounts."""
        rows = [
            (self.accounts[i % len(self.accounts)].id, name, "scheduled", at)
            for i, (name, at) in enumerate(due.items())
        ]
        for start in range(0, len(rows), 5000):
            bulk_load_tasks(self.store, rows[start : start + 5000], platform="toutiao")
        self.loads += 1

    def unfinished(self) -> int:
        counts = self.store.count_by_status()
        return sum(counts.get(status, 0) for status in UNFINISHED)

    def wait_published(self, count: int, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while self.unfinished():
            if time.monotonic() > deadline:
                raise RuntimeError(f"not done in {timeout:.0f} s: {self.store.count_by_status()}")
            for process in self.processes:
                if process.poll() is not None:
                    logs = {p.name: p.read_text()[-2000:] for p in self.folder.glob("*.log")}
                    raise RuntimeError(f"a benchmark process exited: {process.args}\n{logs}")
            time.sleep(0.5)

    def received_at(self) -> tuple[dict[str, datetime], int]:
        """Each title's first receipt, and how many posts repeated a title (must be 0)."""
        posts = httpx.get(f"{self.sandbox_url}/_sandbox/posts", timeout=120).json()["posts"]
        first: dict[str, datetime] = {}
        for post in posts:
            at = datetime.fromisoformat(post["received_at"])
            first[post["title"]] = min(at, first.get(post["title"], at))
        return first, len(posts) - len(first)

    def start_publisher(self) -> None:
        log = (self.folder / "publisher.log").open("ab")
        process = subprocess.Popen(
            [sys.executable, str(WORKER)], cwd=REPO, env=self.env, stdout=log, stderr=log
        )
        self.processes.append(process)
        deadline = time.monotonic() + 60
        while b"ready" not in (self.folder / "publisher.log").read_bytes():
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the publisher did not start; see publisher.log")
            time.sleep(0.1)


def load_history(platform: BenchPlatform, count: int) -> None:
    """`count` published tasks over the past year, round-robin over the accounts: a store in
    use holds its history, and a statement that scans the table shows only beside it."""
    now, day = utcnow(), 86400
    rows = [
        (
            platform.accounts[n % len(platform.accounts)].id,
            f"history {n}",
            "published",
            now - timedelta(seconds=60 + (n * 7919) % (365 * day)),
        )
        for n in range(count)
    ]
    for start in range(0, len(rows), 200_000):
        bulk_load_tasks(platform.store, rows[start : start + 200_000], platform="toutiao")
    settle(platform.store)


@contextmanager
def bench_platform(backend: str, *, accounts: int) -> Iterator[BenchPlatform]:
    """A sandbox process, a temporary store with `accounts` Toutiao accounts, and their env."""
    port = free_port()
    sandbox_url = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory() as folder_name, temporary_store(backend) as store:
        folder = Path(folder_name)
        (folder / "dagster").mkdir()
        database_url = store.engine.url.render_as_string(hide_password=False)
        sandbox = subprocess.Popen(
            [sys.executable, "-m", "scheduling_platform.cli", "sandbox", "--port", str(port)],
            cwd=REPO,
            stdout=subprocess.DEVNULL,
            stderr=(folder / "sandbox.log").open("ab"),
        )
        env = {
            **os.environ,
            **PUBLISHER_SETTINGS,
            "SCHEDULING_HOME": str(folder / "home"),
            "SCHEDULING_DATABASE_URL": database_url,
            "SCHEDULING_SANDBOX_URL": sandbox_url,
            "SCHEDULING_ENCRYPTION_KEY": base64.b64encode(os.urandom(32)).decode(),
            "DAGSTER_HOME": str(folder / "dagster"),
            "PYTHONPATH": str(REPO),
        }
        platform = BenchPlatform(folder, store, database_url, sandbox_url, env, [], [sandbox])
        try:
            wait_for_http(f"{sandbox_url}/_sandbox/health")
            httpx.post(
                f"{sandbox_url}/_sandbox/config", json={"daily_quotas": {"toutiao": 1_000_000}}
            ).raise_for_status()
            settings = Settings(
                home=folder / "home", database_url=database_url, sandbox_url=sandbox_url
            )
            platform.accounts = [
                add_account(store, settings, platform="toutiao", name=f"bench-{i}")
                for i in range(accounts)
            ]
            yield platform
        finally:
            for process in platform.processes:
                process.terminate()
            for process in platform.processes:
                try:
                    process.wait(10)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
