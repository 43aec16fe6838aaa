"""`POST /api/v1/system/ml-model/retrain` launches retrain_job through a real Dagster
webserver (dagster-graphql's client) on loopback, and answers the run's id."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from dagster import DagsterInstance

from scheduling_platform.runtime.launcher import wait_for_http
from scheduling_platform.settings import Settings
from tests.api.conftest import Api
from tests.samples import free_port

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def webserver(api_settings: Settings) -> Iterator[str]:
    """dagster-webserver over the project's definitions, on the API's DAGSTER_HOME."""
    port = free_port()
    env = {
        **os.environ,
        "DAGSTER_HOME": str(api_settings.dagster_home),
        "SCHEDULING_HOME": str(api_settings.home),
    }
    process = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("dagster-webserver")),
            "-w",
            str(REPO / "workspace.yaml"),
            "-h",
            "127.0.0.1",
            "-p",
            str(port),
        ],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for_http(f"{url}/server_info", timeout_seconds=120)
        _wait_for_code_location(url)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


REPOSITORIES = "{ repositoriesOrError { ... on RepositoryConnection { nodes { name } } } }"


def _wait_for_code_location(url: str, timeout_seconds: float = 120) -> None:
    """The webserver answers before its code location has loaded (seconds on a busy machine):
    wait until it lists the project's repository, as an operator would before launching."""
    deadline = time.monotonic() + timeout_seconds
    while time.monotonic() < deadline:
        answer = httpx.post(f"{url}/graphql", json={"query": REPOSITORIES}, timeout=10).json()
        if (answer.get("data", {}).get("repositoriesOrError") or {}).get("nodes"):
            return
        time.sleep(0.5)
    raise TimeoutError("the code location did not load")


def test_retrain_launches_the_job_and_answers_its_run_id(
    make_api: Callable[..., Api], api_settings: Settings, webserver: str
) -> None:
    api = make_api(api_settings.model_copy(update={"dagster_graphql_url": webserver}))
    answer = api.client(api.key("admin")).post("/api/v1/system/ml-model/retrain")
    assert answer.status_code == 202, answer.text
    run_id = answer.json()["run_id"]
    with DagsterInstance.from_config(str(api_settings.dagster_home)) as instance:
        run = instance.get_run_by_id(run_id)
    assert run is not None and run.job_name == "retrain_job"
    # The embedded dagster.yaml queues runs for the daemon; none runs here, none is lost.
    assert run.status.value in ("QUEUED", "NOT_STARTED", "STARTING", "STARTED")


def test_retrain_without_a_webserver_is_unavailable(
    make_api: Callable[..., Api], api_settings: Settings
) -> None:
    unused = f"http://127.0.0.1:{free_port()}"
    api = make_api(api_settings.model_copy(update={"dagster_graphql_url": unused}))
    answer = api.client(api.key("admin")).post("/api/v1/system/ml-model/retrain")
    assert answer.status_code == 503 and "did not launch retrain_job" in answer.json()["detail"]
