"""The chaos tests' platform: a Postgres task store, a sandbox, publisher processes, a verdict.

Tasks are named `chaos <platform> <n>` (at most 30 characters, so Toutiao's title is the whole
text); a sandbox post is matched to its task by platform and that name.
"""

from __future__ import annotations

import base64
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from benchmarks.stores import bulk_load_tasks
from scheduling_platform.accounts.registration import add_account
from scheduling_platform.lifecycle import TaskStatus
from scheduling_platform.sandbox.app import running_sandbox
from scheduling_platform.settings import Settings
from scheduling_platform.store.records import Account, Task
from scheduling_platform.store.schema import publish_attempts
from scheduling_platform.store.task_store import TaskStore

REPO = Path(__file__).resolve().parents[2]
# Development only: CHAOS_SCALE=0.1 runs a tenth of each test's posts (the default is the issue's).
SCALE = float(os.environ.get("CHAOS_SCALE", "1"))
WORKER = REPO / "benchmarks" / "publish_worker.py"
# Short leases and backoffs so a killed publisher's tasks come back within seconds.
FAST_SETTINGS = {
    "SCHEDULING_LEASE_SECONDS": "5",
    "SCHEDULING_CLAIM_LOOKAHEAD_SECONDS": "2",
    "SCHEDULING_RETRY_BASE_SECONDS": "1",
    "SCHEDULING_MAX_LATENESS_SECONDS": "3600",
    "SCHEDULING_SENSOR_INTERVAL_SECONDS": "1",
}


@dataclass
class Verdict:
    """Where the tasks ended and what the sandbox holds, matched by name."""

    by_status: Counter[str]
    posts: int
    duplicates: list[tuple[str, str]]
    strays: list[tuple[str, str]]
    published_without_post: list[int]
    wrong_post_id: list[int]
    lost: list[Task]
    attention: list[Task]
    attention_without_evidence: list[int]

    def assert_exactly_once(self, *, attention_allowed: bool = True) -> None:
        assert self.duplicates == [], f"posted twice: {self.duplicates[:10]}"
        assert self.strays == [], f"posts no task asked for: {self.strays[:10]}"
        assert self.published_without_post == [], "shown as published, never went out"
        assert self.wrong_post_id == [], "published with another post's id"
        assert [(t.id, t.status, t.last_error) for t in self.lost] == []
        assert self.attention_without_evidence == []
        if not attention_allowed:
            assert self.attention == []


@dataclass
class ChaosPlatform:
    folder: Path
    sandbox_url: str
    store: TaskStore
    settings: Settings
    env: dict[str, str]
    processes: list[subprocess.Popen[str]] = field(default_factory=list)
    child_pids: list[int] = field(default_factory=list)  # forked by a zygote

    # ------------------------------------------------------------ setting up
    def add_accounts(self, platform: str, count: int) -> list[Account]:
        return [
            add_account(self.store, self.settings, platform=platform, name=f"{platform}-{i}")
            for i in range(count)
        ]

    def load_tasks(self, platform: str, plan: list[tuple[Account, datetime]]) -> None:
        """One task per (account, due time), named `chaos <platform> <n>`, in bulk."""
        rows = [
            (account.id, task_name(platform, n), "scheduled", due)
            for n, (account, due) in enumerate(plan)
        ]
        for start in range(0, len(rows), 5000):
            bulk_load_tasks(self.store, rows[start : start + 5000], platform=platform)

    def sandbox(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        response = httpx.post(f"{self.sandbox_url}/_sandbox/{path}", json=body, timeout=10)
        assert response.status_code == 200, response.text
        return response.json()

    # ------------------------------------------------------------ publishers
    def worker_env(self, name: str) -> dict[str, str]:
        return {**self.env, "DAGSTER_HOME": str(self.folder / f"dagster-{name}")}

    def start_worker(self, name: str, *, until_done: bool = False) -> subprocess.Popen[str]:
        """A publisher process ticking against the store; its output goes to `<name>.log`."""
        log = (self.folder / f"{name}.log").open("a")
        process = subprocess.Popen(
            [sys.executable, str(WORKER), *(["--until-done"] if until_done else [])],
            cwd=REPO,
            env=self.worker_env(name),
            stdout=log,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.processes.append(process)
        return process

    def start_zygote(self, name: str) -> Zygote:
        process = subprocess.Popen(
            [sys.executable, str(WORKER), "--zygote"],
            cwd=REPO,
            env=self.worker_env(name),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=(self.folder / f"{name}-zygote.log").open("a"),
            text=True,
            bufsize=1,
        )
        self.processes.append(process)
        line = process.stdout.readline() if process.stdout else ""
        assert line.strip() == "zygote ready", self.log_tail(f"{name}-zygote")
        return Zygote(process, self.folder, self.child_pids)

    def log_tail(self, name: str, chars: int = 4000) -> str:
        path = self.folder / f"{name}.log"
        return path.read_text(errors="replace")[-chars:] if path.exists() else "(no log)"

    def wait_for(self, process: subprocess.Popen[str], timeout: float, name: str) -> None:
        try:
            code = process.wait(timeout)
        except subprocess.TimeoutExpired:
            pytest.fail(f"{name} did not finish in {timeout:.0f} s: {self.store.count_by_status()}")
        assert code == 0, self.log_tail(name)

    # --------------------------------------------------------------- verdict
    def attempts_started(self) -> int:
        with self.store.engine.connect() as conn:
            return conn.execute(select(func.count()).select_from(publish_attempts)).scalar_one()

    def attempt_outcomes(self) -> dict[str | None, int]:
        """Attempts by outcome; None: cut off (the process died before recording an answer)."""
        outcome = publish_attempts.c.outcome
        with self.store.engine.connect() as conn:
            return dict(conn.execute(select(outcome, func.count()).group_by(outcome)).all())

    def all_tasks(self) -> list[Task]:
        return self.store.list_tasks(limit=1_000_000)

    def posts(self) -> list[dict[str, Any]]:
        return httpx.get(f"{self.sandbox_url}/_sandbox/posts", timeout=120).json()["posts"]

    def verdict(self) -> Verdict:
        posts = self.posts()
        key_of_post = [(p["platform"], p.get("title") or p["text"]) for p in posts]
        counts = Counter(key_of_post)
        post_ids = {key: p["platform_post_id"] for key, p in zip(key_of_post, posts, strict=True)}
        tasks = self.all_tasks()
        names = {(t.platform, t.content): t for t in tasks}
        published = [t for t in tasks if t.status is TaskStatus.PUBLISHED]
        attention = [t for t in tasks if t.status is TaskStatus.NEEDS_ATTENTION]
        return Verdict(
            by_status=Counter(str(t.status) for t in tasks),
            posts=len(posts),
            duplicates=sorted(k for k, n in counts.items() if n > 1),
            strays=sorted(k for k in counts if k not in names),
            published_without_post=[
                t.id for t in published if (t.platform, t.content) not in counts
            ],
            wrong_post_id=[
                t.id
                for t in published
                if post_ids.get((t.platform, t.content), t.platform_post_id) != t.platform_post_id
            ],
            lost=[
                t
                for t in tasks
                if t.status not in (TaskStatus.PUBLISHED, TaskStatus.NEEDS_ATTENTION)
            ],
            attention=attention,
            attention_without_evidence=[t.id for t in attention if not t.last_error],
        )


@dataclass
class Zygote:
    """Forks publishers on demand (benchmarks/publish_worker.py) for the test to kill."""

    process: subprocess.Popen[str]
    folder: Path
    pids: list[int]
    spawned: int = 0

    def spawn(self, *, until_done: bool = False) -> tuple[int, str]:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.spawned += 1
        name = f"publisher-{self.spawned}"
        mode = "finish" if until_done else "run"
        self.process.stdin.write(f"{mode} {self.folder / (name + '.log')}\n")
        self.process.stdin.flush()
        line = self.process.stdout.readline().split()
        assert line[:1] == ["pid"], line
        self.pids.append(int(line[1]))
        return int(line[1]), name

    def kill(self, pid: int) -> None:
        """kill -9, and wait until the zygote has reaped it."""
        os.kill(pid, signal.SIGKILL)
        assert self.wait_gone(pid, 10), f"publisher {pid} survived kill -9"

    def wait_ready(self, name: str, timeout: float = 30) -> None:
        log = self.folder / f"{name}.log"
        deadline = time.monotonic() + timeout
        while not (log.exists() and "ready" in log.read_text(errors="replace")):
            assert time.monotonic() < deadline, f"{name} did not start"
            time.sleep(0.05)

    @staticmethod
    def alive(pid: int) -> bool:
        """Running (not gone, not a zombie waiting for the zygote to reap it)."""
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except (FileNotFoundError, ProcessLookupError, IndexError):
            return False
        return state != "Z"

    def wait_gone(self, pid: int, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while self.alive(pid):
            if time.monotonic() > deadline:
                return False
            time.sleep(0.1)
        return True


def scaled(count: int) -> int:
    return max(1, round(count * SCALE))


def task_name(platform: str, n: int) -> str:
    return f"chaos {platform} {n:06d}"


@pytest.fixture
def chaos(postgres_url: str, tmp_path: Path) -> Iterator[ChaosPlatform]:
    """A platform on a fresh Postgres schema with a sandbox in this process; kills leftovers."""
    key = base64.b64encode(os.urandom(32)).decode()
    with running_sandbox() as sandbox_url:
        env = {
            **os.environ,
            **FAST_SETTINGS,
            "SCHEDULING_HOME": str(tmp_path / "home"),
            "SCHEDULING_DATABASE_URL": postgres_url,
            "SCHEDULING_SANDBOX_URL": sandbox_url,
            "SCHEDULING_ENCRYPTION_KEY": key,
            "PYTHONPATH": str(REPO),
        }
        settings = Settings(
            home=tmp_path / "home",
            database_url=postgres_url,
            sandbox_url=sandbox_url,
            encryption_key=key,
        )
        store = TaskStore.from_settings(settings)
        platform = ChaosPlatform(tmp_path, sandbox_url, store, settings, env)
        try:
            yield platform
        finally:
            for pid in platform.child_pids:
                if Zygote.alive(pid):
                    os.kill(pid, signal.SIGKILL)
            for process in platform.processes:
                if process.poll() is None:
                    process.kill()
                    process.wait()
            store.engine.dispose()
