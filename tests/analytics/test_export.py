"""`scheduling-platform analytics export` and the API's export: the same rows of a model, as
CSV or Parquet, from a time on; refusals are one clear line."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from scheduling_platform.cli.main import main
from tests.analytics.conftest import Materialised, Setup
from tests.analytics.data import T0


@pytest.fixture
def fresh(on_duckdb: Materialised) -> Setup:
    """The history materialised once for the session (these tests only read it)."""
    assert on_duckdb.result.success
    return on_duckdb.setup


@pytest.fixture
def cli(fresh: Setup, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("SCHEDULING_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("SCHEDULING_DATABASE_URL", fresh.store_url)
    monkeypatch.setenv("SCHEDULING_WAREHOUSE_URL", fresh.warehouse.url)
    runner = CliRunner()
    return lambda *args: runner.invoke(main, ["analytics", "export", *args])


def test_cli_exports_csv_and_parquet_from_a_time_on(cli, fresh: Setup, tmp_path: Path) -> None:
    whole = cli("--table", "performance")
    assert whole.exit_code == 0, whole.output
    frame = pd.read_csv(io.StringIO(whole.stdout))
    workspace_one = fresh.warehouse.query("SELECT * FROM performance WHERE workspace_id = 1")
    assert len(frame) == len(workspace_one) == 12  # the default workspace's posts only
    assert list(frame.columns) == list(workspace_one.columns)

    since = (T0 + pd.Timedelta(hours=60)).isoformat()
    target = tmp_path / "late.parquet"
    written = cli(
        "--table", "performance", "--format", "parquet", "--since", since, "--output", str(target)
    )
    assert written.exit_code == 0, written.output
    late = pd.read_parquet(target)
    expected = workspace_one[workspace_one["published_at"] >= pd.Timestamp(since)]
    assert sorted(late["task_id"]) == sorted(expected["task_id"]) and 0 < len(late) < 12
    assert late["engagement_rate"].dtype == "float64"

    refused = cli("--table", "dashboard", "--since", since)
    assert refused.exit_code == 1
    assert refused.stderr.strip().splitlines() == [
        "Error: dashboard has no time column for --since; tables that do: performance, "
        "conflicts, publish_log, daily_publish_summary"
    ]
    assert cli("--table", "performance", "--since", "yesterday").exit_code == 1


def test_the_api_endpoints_read_the_models(cli, fresh: Setup) -> None:
    from scheduling_platform.service.analytics import ANALYTICS_TABLES, AnalyticsQuery, read_table
    from scheduling_platform.service.workspaces import admin_context
    from scheduling_platform.settings import get_settings

    ctx = admin_context(get_settings(), "default", actor="test")
    for endpoint, table in ANALYTICS_TABLES.items():
        if table == "conflicts":  # built from its own inputs (tests/conflicts)
            continue
        answer = read_table(ctx, endpoint, AnalyticsQuery())
        assert answer.available, (endpoint, answer.note)
        assert answer.rows and {r["workspace_id"] for r in answer.rows} == {1}, endpoint
    (dashboard,) = read_table(ctx, "dashboard", AnalyticsQuery()).rows
    assert dashboard["published"] == 12 and dashboard["tasks"] == 16
