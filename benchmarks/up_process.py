"""`scheduling-platform up` for a benchmark: started in a temporary folder, waited for until
its API, webserver and code location answer, stopped with its whole process group."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from scheduling_platform.runtime.launcher import wait_for_http

REPOSITORIES = "{ repositoriesOrError { ... on RepositoryConnection { nodes { name } } } }"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} did not come up within {timeout:.0f} s")
        time.sleep(0.5)


def location_loaded(url: str) -> bool:
    try:
        answer = httpx.post(f"{url}/graphql", json={"query": REPOSITORIES}, timeout=10).json()
    except (httpx.HTTPError, ValueError):
        return False
    return bool((answer.get("data", {}).get("repositoriesOrError") or {}).get("nodes"))


@dataclass(frozen=True)
class UpProcess:
    folder: Path
    sandbox_url: str
    api_url: str
    web_url: str


@contextmanager
def running_up(prefix: str, extra_env: Mapping[str, str] = {}) -> Iterator[UpProcess]:
    """`up` with default settings but `extra_env`, its home in a new temporary folder."""
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    ports = {name: free_port() for name in ("sandbox", "web", "api")}
    env = {
        **os.environ,
        "SCHEDULING_HOME": str(folder / "home"),
        "SCHEDULING_SANDBOX_URL": f"http://127.0.0.1:{ports['sandbox']}",
        "SCHEDULING_WEBSERVER_PORT": str(ports["web"]),
        "SCHEDULING_API_PORT": str(ports["api"]),
        "SCHEDULING_DEMO": "0",
        # This checkout's code in every process `up` starts (they run in another folder).
        "PYTHONPATH": str(Path(__file__).resolve().parents[1]),
        **extra_env,
    }
    for name in ("DAGSTER_HOME", "SCHEDULING_DATABASE_URL", "SCHEDULING_DAGSTER_GRAPHQL_URL"):
        env.pop(name, None)
    log = open(folder / "up.log", "wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "scheduling_platform.cli", "up"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=folder,
        start_new_session=True,
    )
    try:
        up = UpProcess(
            folder,
            env["SCHEDULING_SANDBOX_URL"],
            f"http://127.0.0.1:{ports['api']}",
            f"http://127.0.0.1:{ports['web']}",
        )
        wait_for_http(f"{up.api_url}/api/v1/system/ready", timeout_seconds=120)
        wait_for_http(f"{up.web_url}/server_info", timeout_seconds=180)
        wait_until(lambda: location_loaded(up.web_url), 180, "the code location")
        yield up
    finally:
        os.killpg(process.pid, signal.SIGINT)
        try:
            process.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        log.close()
