"""`scheduling-platform api --workers N`: each worker listens on a socket of its own, so clients
that connect together are spread over the workers (uvicorn's shared socket gave nearly all of
them to the first worker to wake); a worker that dies is started again; SIGTERM stops them all;
a taken port is refused before any worker starts. Real processes, real sockets on loopback."""

from __future__ import annotations

import base64
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from scheduling_platform.runtime.api_workers import reuse_port_supported
from scheduling_platform.runtime.launcher import wait_for_http
from tests.samples import free_port

pytestmark = pytest.mark.skipif(not reuse_port_supported(), reason="no SO_REUSEPORT here")
CONNECTIONS = 40


def _env(home: Path, port: int) -> dict[str, str]:
    secret = lambda: base64.b64encode(os.urandom(32)).decode()  # noqa: E731
    env = {
        **os.environ,
        "SCHEDULING_HOME": str(home),
        "SCHEDULING_ENCRYPTION_KEY": secret(),
        "SCHEDULING_API_KEY_SECRET": secret(),
        "SCHEDULING_API_PORT": str(port),
        "SCHEDULING_DEMO": "0",
        "DAGSTER_HOME": str(home / "dagster"),
    }
    env.pop("SCHEDULING_REDIS_URL", None)
    env.pop("SCHEDULING_DATABASE_URL", None)
    return env


def _children(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry))
    return found


def _sockets_on(pid: int, port: int) -> tuple[bool, int]:
    """(whether `pid` listens on `port`, how many established connections to it it holds)."""
    inodes = set()
    try:
        for fd in os.listdir(f"/proc/{pid}/fd"):
            try:
                target = os.readlink(f"/proc/{pid}/fd/{fd}")
            except OSError:
                continue
            if target.startswith("socket:["):
                inodes.add(target[len("socket:[") : -1])
    except OSError:
        return False, 0
    listening, established = False, 0
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local, state, inode = fields[1], fields[3], fields[9]
        if inode in inodes and int(local.split(":")[1], 16) == port:
            listening |= state == "0A"
            established += state == "01"
    return listening, established


def _workers(parent: int, port: int) -> dict[int, int]:
    """Each worker process (a child listening on the port) with its established connections."""
    found = {pid: _sockets_on(pid, port) for pid in _children(parent)}
    return {pid: held for pid, (listening, held) in found.items() if listening}


def _until(condition, seconds: float = 60.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if value := condition():
            return value
        time.sleep(0.2)
    raise AssertionError(f"not within {seconds} s")


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[bytes], int]]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "scheduling_platform.cli", "api", "--workers", "2"],
        env=_env(tmp_path / "home", port),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        wait_for_http(f"http://127.0.0.1:{port}/api/v1/system/ready", timeout_seconds=120)
        _until(lambda: len(_workers(process.pid, port)) == 2)
        yield process, port
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(30)


def _hold_connections(port: int, count: int) -> list[socket.socket]:
    """`count` keep-alive connections opened at once, each answered once."""
    held = [socket.create_connection(("127.0.0.1", port)) for _ in range(count)]
    request = f"GET /api/v1/system/ready HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode()
    for connection in held:
        connection.sendall(request)
    for connection in held:
        assert connection.recv(64).startswith(b"HTTP/1.1 200")
    return held


def test_connections_opened_together_are_spread_over_the_workers(served) -> None:
    process, port = served
    held = _hold_connections(port, CONNECTIONS)
    try:
        per_worker = _workers(process.pid, port)
        assert sum(per_worker.values()) == CONNECTIONS
        # The kernel hashes each connection to a socket: each of two gets about half (fewer
        # than 8 of 40 has a chance under 1e-4); one shared socket gave the first worker all.
        assert min(per_worker.values()) >= 8, per_worker
    finally:
        for connection in held:
            connection.close()


def test_a_dead_worker_is_replaced_and_sigterm_stops_them_all(served) -> None:
    process, port = served
    first, second = sorted(_workers(process.pid, port))
    os.kill(first, signal.SIGKILL)

    def replaced_worker() -> dict[int, int]:
        found = _workers(process.pid, port)
        return found if len(found) == 2 and first not in found else {}

    replaced = _until(replaced_worker)
    assert second in replaced
    assert httpx.get(f"http://127.0.0.1:{port}/api/v1/system/ready", timeout=10).status_code == 200
    workers = list(replaced)
    process.send_signal(signal.SIGTERM)
    assert process.wait(60) == 0
    assert not any(Path(f"/proc/{pid}").exists() for pid in workers)
    assert b"exited with -9; starting another" in process.stderr.read()


def _running(pid: int) -> bool:
    """Whether `pid` runs (a zombie waiting for its new parent to reap it does not)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_workers_stop_when_their_supervisor_is_killed(served) -> None:
    process, port = served
    workers = list(_workers(process.pid, port))
    process.kill()  # SIGKILL: the supervisor cannot stop them itself
    process.wait(30)
    _until(lambda: not any(_running(pid) for pid in workers), seconds=30)
    with pytest.raises(httpx.ConnectError):  # nobody is left listening on the port
        httpx.get(f"http://127.0.0.1:{port}/api/v1/system/ready", timeout=5)


def test_workers_refuse_a_taken_port_before_starting(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "scheduling_platform.cli", "api", "--workers", "2"],
            env=_env(tmp_path / "home", port),
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert result.returncode == 1
    assert f"127.0.0.1:{port} is already in use, so the REST API" in result.stderr
    assert "SCHEDULING_API_PORT" in result.stderr
    assert "Traceback" not in result.stderr
