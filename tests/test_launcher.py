"""`scheduling-platform up` refuses a taken port with the reason, before it starts anything."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

from tests.samples import free_port


def test_up_refuses_a_busy_sandbox_port(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = {
            **os.environ,
            "SCHEDULING_HOME": str(tmp_path / "home"),
            "SCHEDULING_SANDBOX_URL": f"http://127.0.0.1:{port}",
        }
        env.pop("DAGSTER_HOME", None)
        result = subprocess.run(
            [sys.executable, "-m", "scheduling_platform.cli", "up"],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert result.returncode == 1
    assert f"127.0.0.1:{port} is already in use" in result.stderr
    assert "SCHEDULING_SANDBOX_URL" in result.stderr
    assert not (tmp_path / "home").exists(), "nothing is created when up cannot start"


def test_up_refuses_a_busy_api_port(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = {
            **os.environ,
            "SCHEDULING_HOME": str(tmp_path / "home"),
            "SCHEDULING_SANDBOX_URL": f"http://127.0.0.1:{free_port()}",
            "SCHEDULING_WEBSERVER_PORT": str(free_port()),
            "SCHEDULING_API_PORT": str(port),
        }
        env.pop("DAGSTER_HOME", None)
        result = subprocess.run(
            [sys.executable, "-m", "scheduling_platform.cli", "up"],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert result.returncode == 1
    assert f"127.0.0.1:{port} is already in use, so the REST API" in result.stderr
    assert "SCHEDULING_API_PORT" in result.stderr
    assert not (tmp_path / "home").exists(), "nothing is created when up cannot start"
