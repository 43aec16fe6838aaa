"""`scheduling-platform up`: the sandbox, the Dagster webserver and daemon, stopped together."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from urllib.parse import urlparse

import httpx

from scheduling_platform.dagster_home import ensure_dagster_home
from scheduling_platform.settings import Settings
from scheduling_platform.store.task_store import TaskStore
from scheduling_platform.vault import prepare_vault

LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def wait_for_http(url: str, timeout_seconds: float = 30.0) -> None:
    deadline = time.monotonic() + timeout_seconds
    while True:
        try:
            httpx.get(url, timeout=2.0)
            return
        except httpx.TransportError:
            if time.monotonic() > deadline:
                raise RuntimeError(f"{url} did not answer within {timeout_seconds:.0f} s") from None
            time.sleep(0.2)


def _stop(process: subprocess.Popen[bytes], first_signal: int, grace_seconds: float) -> None:
    if process.poll() is not None:
        return
    process.send_signal(first_signal)
    try:
        process.wait(grace_seconds)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def run_platform(settings: Settings) -> int:
    """Start everything, wait until interrupted or a part dies, then stop everything."""
    settings.home.mkdir(parents=True, exist_ok=True)
    dagster_home = ensure_dagster_home(settings)
    vault = prepare_vault(settings, say=lambda line: print(line, flush=True))
    store = TaskStore.from_url(settings.resolved_database_url, vault=vault)
    env = {**os.environ, "DAGSTER_HOME": str(dagster_home), "SCHEDULING_HOME": str(settings.home)}
    children: list[tuple[subprocess.Popen[bytes], int, float]] = []

    def stop_all(*_args: object) -> None:
        for process, first_signal, grace in reversed(children):
            _stop(process, first_signal, grace)

    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    try:
        sandbox = urlparse(settings.sandbox_url)
        if sandbox.hostname in LOOPBACK:
            process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "scheduling_platform.cli",
                    "sandbox",
                    "--host",
                    sandbox.hostname or "127.0.0.1",
                    "--port",
                    str(sandbox.port or 80),
                ],
                env=env,
            )
            children.append((process, signal.SIGTERM, 10.0))
            wait_for_http(f"{settings.sandbox_url.rstrip('/')}/_sandbox/health")
            print(f"sandbox: {settings.sandbox_url}", flush=True)
        if settings.demo:
            from scheduling_platform.demo import seed_demo

            seeded = seed_demo(store, settings)
            if seeded:
                print(
                    f"demo: {len(seeded)} posts due in the next minutes "
                    "(SCHEDULING_DEMO=0 turns this off)",
                    flush=True,
                )
        dagster = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "dagster",
                "dev",
                "-m",
                "scheduling_platform.definitions",
                "-h",
                "127.0.0.1",
                "-p",
                str(settings.webserver_port),
            ],
            env=env,
        )
        children.append((dagster, signal.SIGINT, 30.0))
        print(f"Dagster UI: http://127.0.0.1:{settings.webserver_port}  (Ctrl-C stops)", flush=True)
        while all(p.poll() is None for p, _, _ in children):
            time.sleep(0.5)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        stop_all()
        store.engine.dispose()
