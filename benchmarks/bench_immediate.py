"""The immediate path under `scheduling-platform up` with default settings (60 s sensor
interval): posts created through the REST API with `strategy: immediate` (timed from the
create request) and posts created for 20 s ahead, less than a tick (timed from their due
time), each until the platform answered it (published_at). Target: p99 under 10 s (2 s)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import httpx

from scheduling_platform.runtime.launcher import wait_for_http
from scheduling_platform.service.accounts import AddAccountRequest, add_account
from scheduling_platform.service.api_keys import CreateApiKeyRequest, create_api_key
from scheduling_platform.service.workspaces import admin_context
from scheduling_platform.settings import Settings
from scheduling_platform.store.task_store import TaskStore
from scheduling_platform.timeutil import utcnow

REPOSITORIES = "{ repositoriesOrError { ... on RepositoryConnection { nodes { name } } } }"


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_until(condition, timeout: float, what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} did not come up within {timeout:.0f} s")
        time.sleep(0.5)


def _location_loaded(url: str) -> bool:
    try:
        answer = httpx.post(f"{url}/graphql", json={"query": REPOSITORIES}, timeout=10).json()
    except (httpx.HTTPError, ValueError):
        return False
    return bool((answer.get("data", {}).get("repositoriesOrError") or {}).get("nodes"))


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def _row(name: str, seconds: list[float]) -> dict[str, object]:
    return {
        "posts": name,
        "n": len(seconds),
        "p50_s": round(_percentile(seconds, 0.5), 2),
        "p99_s": round(_percentile(seconds, 0.99), 2),
        "max_s": round(max(seconds), 2),
        "target": "p99 < 10 s (2 s)",
    }


def run(quick: bool) -> list[dict]:
    posts = 5 if quick else 20
    folder = Path(tempfile.mkdtemp(prefix="bench-immediate-"))
    ports = {name: _port() for name in ("sandbox", "web", "api")}
    env = {
        **os.environ,
        "SCHEDULING_HOME": str(folder / "home"),
        "SCHEDULING_SANDBOX_URL": f"http://127.0.0.1:{ports['sandbox']}",
        "SCHEDULING_WEBSERVER_PORT": str(ports["web"]),
        "SCHEDULING_API_PORT": str(ports["api"]),
        "SCHEDULING_DEMO": "0",
        # This checkout's code in every process `up` starts (they run in another folder).
        "PYTHONPATH": str(Path(__file__).resolve().parents[1]),
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
        api = f"http://127.0.0.1:{ports['api']}"
        web = f"http://127.0.0.1:{ports['web']}"
        wait_for_http(f"{api}/api/v1/system/ready", timeout_seconds=120)
        wait_for_http(f"{web}/server_info", timeout_seconds=180)
        _wait_until(lambda: _location_loaded(web), 180, "the code location")
        settings = Settings(
            _env_file=None, home=folder / "home", sandbox_url=env["SCHEDULING_SANDBOX_URL"]
        )
        ctx = admin_context(settings, "default", actor="bench")
        key = create_api_key(ctx, CreateApiKeyRequest(scopes=["read", "write"])).key
        accounts = [
            add_account(ctx, AddAccountRequest(platform="weibo", name=f"b{i}")).id
            for i in range(2 * posts)
        ]
        store = TaskStore.from_settings(settings)
        http = httpx.Client(base_url=api, headers={"Authorization": f"Bearer {key}"}, timeout=30)
        results: dict[str, list[float]] = {"immediate": [], "20 s ahead (fixed)": []}
        for i in range(posts):
            for kind, account in (
                ("immediate", accounts[2 * i]),
                ("20 s ahead (fixed)", accounts[2 * i + 1]),
            ):
                body: dict[str, str] = (
                    {"strategy": "immediate"}
                    if kind == "immediate"
                    else {"at": (utcnow() + timedelta(seconds=20)).isoformat()}
                )
                asked = utcnow()
                answer = http.post(
                    "/api/v1/scheduling/tasks",
                    json={"account_id": account, "content": f"{kind} {i}", **body},
                )
                if answer.status_code != 201:
                    raise RuntimeError(f"create answered {answer.status_code}: {answer.text}")
                task_id = answer.json()["id"]
                due = max(asked, store.get_task(task_id).scheduled_at)

                def sent(task_id: int = task_id) -> bool:
                    return store.get_task(task_id).published_at is not None

                _wait_until(sent, 120, f"task {task_id}")
                published = store.get_task(task_id).published_at
                assert published is not None
                results[kind].append((published - due).total_seconds())
            time.sleep(2)  # posts one by one, as people create them
        return [_row(kind, seconds) for kind, seconds in results.items()]
    finally:
        os.killpg(process.pid, signal.SIGINT)
        try:
            process.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        log.close()
