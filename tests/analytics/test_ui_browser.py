"""A real browser (Debian's chromium, driven by Playwright; no browser is downloaded) opens
the time_patterns asset in the Dagster UI and finds the weekday × hour heatmap; the screenshot
is kept as a test artifact (test-artifacts/, or $TEST_ARTIFACTS_DIR)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pandas as pd
import pytest
from dagster import DagsterInstance, materialize

from scheduling_platform.store.warehouse import Warehouse
from tests.samples import free_port

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ROOT = Path(__file__).resolve().parents[2]
LOADED = "{ workspaceOrError { ... on Workspace { locationEntries { loadStatus } } } }"


def _wait_loaded(url: str, webserver: subprocess.Popen, deadline: float) -> None:
    """Until the webserver answers and its code location has loaded."""
    while time.monotonic() < deadline:
        assert webserver.poll() is None, "the webserver exited"
        try:
            answer = httpx.post(f"{url}/graphql", json={"query": LOADED}, timeout=2).json()
            entries = answer["data"]["workspaceOrError"]["locationEntries"]
            if entries and all(e["loadStatus"] == "LOADED" for e in entries):
                return
        except (httpx.HTTPError, KeyError, TypeError, ValueError):
            pass
        time.sleep(0.2)
    raise AssertionError("the Dagster webserver did not load the code location in time")


@pytest.fixture
def dagster_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    home = tmp_path / "dagster"
    home.mkdir()
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    yield home


@pytest.mark.timeout(240)
def test_the_heatmap_shows_on_the_asset_page(dagster_home: Path, tmp_path: Path) -> None:
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing: apt-get install -y chromium (make install does)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    warehouse_url = f"duckdb:///{tmp_path / 'warehouse.duckdb'}"
    env = {**os.environ, "ANALYTICS_UI_WAREHOUSE_URL": warehouse_url, "PYTHONPATH": str(ROOT)}
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    webserver_bin = Path(sys.executable).with_name("dagster-webserver")
    definitions = ROOT / "tests" / "analytics" / "ui_definitions.py"
    # Started first: it loads the code location while the asset is materialised here.
    webserver = subprocess.Popen(
        [str(webserver_bin), "-h", "127.0.0.1", "-p", str(port), "-f", str(definitions)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        Warehouse(warehouse_url).replace_table(
            "performance",
            pd.DataFrame(
                {
                    "workspace_id": [1, 1, 1],
                    "platform": ["weibo", "weibo", "wechat"],
                    "account_id": [1, 1, 2],
                    "local_weekday": [0, 4, 6],
                    "local_hour": [10, 20, 21],
                    "engagement": [120, 480, 300],
                    "engagement_rate": [0.1, 0.2, 0.3],
                }
            ),
        )
        os.environ["ANALYTICS_UI_WAREHOUSE_URL"] = warehouse_url
        from tests.analytics.ui_definitions import time_patterns_definitions

        defs = time_patterns_definitions(warehouse_url)
        assert materialize(
            list(defs.assets or []), resources=defs.resources, instance=DagsterInstance.get()
        ).success
        _wait_loaded(url, webserver, time.monotonic() + 150)
        # The first-visit dialog of a fresh instance would cover the page: mark it seen.
        httpx.post(f"{url}/graphql", json={"query": "mutation { setNuxSeen }"}, timeout=10)
        artifacts = Path(os.environ.get("TEST_ARTIFACTS_DIR", ROOT / "test-artifacts"))
        artifacts.mkdir(parents=True, exist_ok=True)
        shot = artifacts / "time_patterns_heatmap.png"
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS, headless=True
            )
            try:
                page = browser.new_page(viewport={"width": 1400, "height": 1200})
                page.goto(f"{url}/assets/time_patterns", timeout=60_000)
                row = page.locator("tr", has_text="weekday_hour_heatmap")
                row.get_by_text("[Show Markdown]").click(timeout=60_000)
                heatmap = page.locator('img[alt="weekday_hour_heatmap"]')
                heatmap.wait_for(timeout=30_000)
                width, height = heatmap.evaluate("i => [i.naturalWidth, i.naturalHeight]")
                page.screenshot(path=str(shot))
            finally:
                browser.close()
        assert width > 300 and height > 150  # the PNG decoded in the page
        assert shot.stat().st_size > 10_000
    finally:
        webserver.terminate()
        try:
            webserver.wait(timeout=20)
        except subprocess.TimeoutExpired:
            webserver.kill()
            webserver.wait()
        shutil.rmtree(dagster_home / "storage", ignore_errors=True)
