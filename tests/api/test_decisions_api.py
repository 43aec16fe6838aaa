"""Scheduling decisions over HTTP: suggestions, preferred windows, creates by strategy."""

from __future__ import annotations

from scheduling_platform.intelligence.artifact import ModelArtifact
from scheduling_platform.store.task_store import TaskStore
from tests.api.conftest import Api
from tests.strategies.conftest import artifact, put_in_use  # noqa: F401

SUGGESTIONS = "/api/v1/scheduling/suggestions"


def test_suggestions_windows_and_strategies(api: Api, artifact: ModelArtifact) -> None:  # noqa: F811
    account = api.account()
    http = api.client(api.key("read", "write"))
    # Day one: the shipped prior curves suggest, and say so.
    day_one = http.get(SUGGESTIONS, params={"account_id": account, "top": 2})
    assert day_one.status_code == 200, day_one.text
    assert day_one.json()["model_version"].startswith("prior-")
    assert "no trained model yet" in day_one.json()["items"][0]["reasons"][0]
    put_in_use(TaskStore.from_settings(api.settings), artifact)

    found = http.get(SUGGESTIONS, params={"account_id": account, "content": "新品", "top": 3})
    assert found.status_code == 200, found.text
    items = found.json()["items"]
    assert len(items) == 3 and all(i["low"] <= i["predicted"] <= i["high"] for i in items)
    assert items[0]["reasons"][0].startswith("Weibo ") and "hourly posts left" in " ".join(
        items[0]["reasons"]
    )
    assert http.get(SUGGESTIONS, params={"account_id": 999}).status_code == 404
    assert http.get(SUGGESTIONS, params={"account_id": account, "window": "x"}).status_code == 422

    windows = f"/api/v1/accounts/{account}/posting-windows"
    assert http.put(windows, json={"windows": ["mon 09:00-10:00"]}).status_code == 403
    manager = api.client(api.key("read", "write", "manage"))
    put = manager.put(windows, json={"windows": ["mon-fri 12:00-13:00"]})
    assert put.status_code == 200 and put.json()["summary"] == "mon,tue,wed,thu,fri 12:00-13:00"
    assert http.get(windows).json()["windows"][0] == "mon 12:00-13:00"
    assert manager.put(windows, json={"windows": ["noon"]}).status_code == 422

    task = http.post(
        "/api/v1/scheduling/tasks",
        json={"account_id": account, "content": "午间", "strategy": "user_preference"},
    )
    assert task.status_code == 201, task.text
    body = task.json()
    assert body["strategy"] == "user_preference" and body["model_version"] == artifact.version
    assert "12:" in body["local_time"][11:14] and body["reasons"]
    now = http.post(
        "/api/v1/scheduling/tasks",
        json={"account_id": account, "content": "立即", "strategy": "immediate"},
    ).json()
    # The API starts the post's publish run at once, in its process.
    assert now["strategy"] == "immediate" and now["dispatch"].startswith("publish run ")
