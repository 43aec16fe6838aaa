"""`scheduling-platform up`: the sandbox, the Dagster webserver and daemon, stopped together."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

import httpx

from scheduling_platform.keyhash import KeyHasher
from scheduling_platform.private_files import private_dir
from scheduling_platform.runtime.dagster_home import ensure_dagster_home
from scheduling_platform.service.context import ServiceContext
from scheduling_platform.settings import Settings
from scheduling_platform.vault import prepare_vault

LOOPBACK = {"127.0.0.1", "localhost", "::1"}

# The project folder (pyproject.toml), which `dg dev` loads.
PROJECT_ROOT = Path(__file__).resolve().parents[2]


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
    """Signal the child's whole process group, as Ctrl-C in a terminal would, then kill it.

    `dagster dev` starts the webserver, the daemon and code servers; signalling only it can
    leave them running if it dies first.
    """
    try:
        os.killpg(process.pid, first_signal)
    except ProcessLookupError:
        return
    try:
        process.wait(grace_seconds)
    except subprocess.TimeoutExpired:
        pass
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def refuse_busy_port(host: str, port: int, what: str, variable: str) -> None:
    """PortInUseError, naming `variable`, when something already listens on host:port."""
    with socket.socket() as probe:
        try:
            probe.bind((host, port))
        except OSError:
            raise PortInUseError(
                f"{host}:{port} is already in use, so the {what} cannot start there "
                f"(is another platform running?); stop it or set {variable}"
            ) from None


class PortInUseError(RuntimeError):
    """A port the platform needs is taken."""


def _interrupt(*_args: object) -> None:
    # Ctrl-C and SIGTERM (a service manager's stop) take the same path.
    raise KeyboardInterrupt


def run_platform(settings: Settings) -> int:
    """Start everything, wait until interrupted or a part dies, then stop everything."""
    sandbox = urlparse(settings.sandbox_url)
    if sandbox.hostname in LOOPBACK:
        refuse_busy_port(
            sandbox.hostname or "127.0.0.1", sandbox.port or 80, "sandbox", "SCHEDULING_SANDBOX_URL"
        )
    refuse_busy_port(
        "127.0.0.1", settings.webserver_port, "Dagster webserver", "SCHEDULING_WEBSERVER_PORT"
    )
    refuse_busy_port(settings.api_host, settings.api_port, "REST API", "SCHEDULING_API_PORT")
    private_dir(settings.home)
    dagster_home = ensure_dagster_home(settings)
    ctx = ServiceContext(settings, actor="demo")
    ctx.store  # noqa: B018 -- migrates the store now, before any other process opens it
    # No key is generated while accounts are sealed under one that is missing.
    prepare_vault(settings, lambda line: print(line, flush=True), ctx.store.sealed_key_ids)
    # As the vault's key: `up` may generate the API key secret into the home (its API process
    # reads it there); other setups set SCHEDULING_API_KEY_SECRET.
    KeyHasher.from_settings(settings, create_missing=True).primary_id  # noqa: B018
    env = {
        **os.environ,
        "DAGSTER_HOME": str(dagster_home),
        "SCHEDULING_HOME": str(settings.home),
        "VIRTUAL_ENV": sys.prefix,  # the environment `dg dev --use-active-venv` runs in
    }
    children: list[tuple[subprocess.Popen[bytes], int, float]] = []

    def stop_all(*_args: object) -> None:
        for process, first_signal, grace in reversed(children):
            _stop(process, first_signal, grace)

    # Set both explicitly: a shell that starts `up` in the background ignores SIGINT for it.
    signal.signal(signal.SIGINT, _interrupt)
    signal.signal(signal.SIGTERM, _interrupt)
    try:
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
                start_new_session=True,
            )
            children.append((process, signal.SIGTERM, 10.0))
            wait_for_http(f"{settings.sandbox_url.rstrip('/')}/_sandbox/health")
            print(f"sandbox: {settings.sandbox_url}", flush=True)
        if settings.demo:
            from scheduling_platform.runtime.demo import seed_demo

            seeded = seed_demo(ctx)
            if seeded:
                print(
                    f"demo: {len(seeded.tasks)} posts due in the next minutes "
                    "(SCHEDULING_DEMO=0 turns this off)",
                    flush=True,
                )
                # Shown this once (the store keeps only its hash), so the README's first
                # `curl` works; `keys api create` makes more.
                print(
                    f"demo API key (admin of the default workspace): {seeded.api_key}",
                    flush=True,
                )
        api = subprocess.Popen(
            [sys.executable, "-m", "scheduling_platform.cli", "api"],
            env=env,
            start_new_session=True,
        )
        children.append((api, signal.SIGTERM, 10.0))
        api_url = f"http://{settings.api_host}:{settings.api_port}"
        wait_for_http(f"{api_url}/api/v1/system/ready", timeout_seconds=60)
        print(f"REST API: {api_url}/docs", flush=True)
        dagster = subprocess.Popen(
            # `dg dev` reads the project from pyproject.toml ([tool.dg]), in this interpreter's
            # environment (so it needs no uv).
            [
                str(Path(sys.executable).with_name("dg")),
                "dev",
                "--use-active-venv",
                "--target-path",
                str(PROJECT_ROOT),
                "--host",
                "127.0.0.1",
                "--port",
                str(settings.webserver_port),
            ],
            env=env,
            start_new_session=True,
        )
        children.append((dagster, signal.SIGINT, 30.0))
        print(f"Dagster UI: http://127.0.0.1:{settings.webserver_port}  (Ctrl-C stops)", flush=True)
        while all(p.poll() is None for p, _, _ in children):
            time.sleep(0.5)
        print("a part of the platform stopped; stopping the rest", file=sys.stderr, flush=True)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        stop_all()
        ctx.store.engine.dispose()
