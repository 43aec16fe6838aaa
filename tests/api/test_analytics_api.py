"""Analytics endpoints: empty and well-formed until a table exists, the workspace's rows once
it does, never a table that cannot be scoped; CSV export streams the same rows."""

from __future__ import annotations

import io

import pandas as pd
import pytest

from scheduling_platform.service.analytics import ANALYTICS_TABLES
from scheduling_platform.store.warehouse import Warehouse
from tests.api.conftest import Api


@pytest.mark.parametrize("endpoint", list(ANALYTICS_TABLES))
def test_before_the_tables_exist_the_answer_is_empty(api: Api, endpoint: str) -> None:
    answer = api.client(api.key("read")).get(f"/api/v1/analytics/{endpoint}")
    assert answer.status_code == 200
    assert answer.json() == {
        "table": ANALYTICS_TABLES[endpoint],
        "available": False,
        "columns": [],
        "rows": [],
        "note": f"the {ANALYTICS_TABLES[endpoint]} table has not been materialised yet",
    }


def test_rows_filters_and_tables_that_cannot_be_scoped(api: Api) -> None:
    warehouse = Warehouse(api.settings.resolved_warehouse_url)
    account = api.account()
    warehouse.replace_table(
        "time_patterns",
        pd.DataFrame(
            {
                "workspace_id": [1, 1, 1],
                "account_id": [account, account, account + 1],
                "platform": ["weibo", "douyin", "weibo"],
                "weekday": [0, 1, 2],
                "engagement_rate": [0.5, None, 0.25],
            }
        ),
    )
    warehouse.replace_table("dashboard", pd.DataFrame({"platform": ["weibo"], "tasks": [9]}))
    http = api.client(api.key("read"))
    table = http.get("/api/v1/analytics/time-patterns").json()
    assert table["available"] is True and len(table["rows"]) == 3
    assert table["rows"][1]["engagement_rate"] is None  # missing stays missing, never made up
    weibo = http.get("/api/v1/analytics/time-patterns", params={"platform": "weibo"}).json()
    assert [r["weekday"] for r in weibo["rows"]] == [0, 2]
    mine = http.get("/api/v1/analytics/time-patterns", params={"account_id": account}).json()
    assert [r["weekday"] for r in mine["rows"]] == [0, 1]
    assert len(http.get("/api/v1/analytics/time-patterns", params={"limit": 1}).json()["rows"]) == 1

    unscoped = http.get("/api/v1/analytics/dashboard").json()
    assert unscoped["available"] is False and unscoped["rows"] == []
    assert "no workspace_id column" in unscoped["note"]

    exported = http.get("/api/v1/analytics/export", params={"table": "time_patterns"})
    assert exported.headers["content-type"].startswith("text/csv")
    lines = exported.text.splitlines()
    assert lines[0] == "workspace_id,account_id,platform,weekday,engagement_rate"
    assert len(lines) == 4
    missing = http.get("/api/v1/analytics/export", params={"table": "performance"})
    assert missing.status_code == 200 and missing.text == ""
    assert "not been materialised" in missing.headers["X-Analytics-Note"]
    refused = http.get("/api/v1/analytics/export", params={"table": "accounts"})
    assert refused.status_code == 422


def test_export_streams_parquet_from_a_time_on(api: Api) -> None:
    warehouse = Warehouse(api.settings.resolved_warehouse_url)
    published = pd.to_datetime(["2026-03-01T00:00Z", "2026-03-02T00:00Z", "2026-03-03T00:00Z"])
    warehouse.replace_table(
        "performance",
        pd.DataFrame({"workspace_id": [1, 1, 2], "task_id": [1, 2, 3], "published_at": published}),
    )
    http = api.client(api.key("read"))
    answer = http.get(
        "/api/v1/analytics/export",
        params={"table": "performance", "format": "parquet", "since": "2026-03-02T00:00:00Z"},
    )
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/vnd.apache.parquet"
    frame = pd.read_parquet(io.BytesIO(answer.content))
    assert frame["task_id"].tolist() == [2]  # from the time on, the workspace's rows only
    naive = http.get(
        "/api/v1/analytics/export", params={"table": "performance", "since": "2026-03-02"}
    )
    assert naive.status_code == 422  # a time without its zone is refused
    untimed = http.get(
        "/api/v1/analytics/export",
        params={"table": "dashboard", "since": "2026-03-02T00:00:00Z"},
    )
    assert untimed.status_code == 422 and "no time column" in untimed.text
