"""Workspaces are walls: a key of workspace A gets 404 for B's task, account and analytics,
and B's rows never appear in A's lists (tasks, accounts, analytics, exports, queue)."""

from __future__ import annotations

import pandas as pd

from scheduling_platform.store.warehouse import Warehouse
from tests.api.conftest import Api, later

TASKS = "/api/v1/scheduling/tasks"


def test_a_workspace_sees_nothing_of_another(api: Api) -> None:
    a_account = api.account("team-a", name="brand")
    b_account = api.account("team-b", name="brand")  # the same name in another workspace
    a = api.client(api.key("admin", workspace="team-a"))
    b = api.client(api.key("admin", workspace="team-b"))
    a_task = a.post(TASKS, json={"account_id": a_account, "content": "A's", "at": later()}).json()
    b_task = b.post(TASKS, json={"account_id": b_account, "content": "B's", "at": later()}).json()

    # B's task and account do not exist for A, whatever A does with them.
    for method, path, body in (
        ("GET", f"{TASKS}/{b_task['id']}", None),
        ("PUT", f"{TASKS}/{b_task['id']}/reschedule", {"at": later(40)}),
        ("DELETE", f"{TASKS}/{b_task['id']}", None),
        ("GET", f"/api/v1/accounts/{b_account}", None),
        ("POST", f"/api/v1/accounts/{b_account}/reauthorise", {}),
        ("GET", "/api/v1/analytics/performance", None),
    ):
        params = {"account_id": b_account} if "analytics" in path else None
        answer = a.request(method, path, json=body, params=params)
        assert answer.status_code == 404, (method, path, answer.text)
        assert answer.json()["detail"] in (
            f"no task with id {b_task['id']}",
            f"no account with id {b_account}",
        )
    created = a.post(TASKS, json={"account_id": b_account, "content": "into B", "at": later()})
    assert created.status_code == 404
    assert b.get(f"{TASKS}/{b_task['id']}").json()["status"] == "scheduled"  # untouched

    # A's lists hold A's rows only.
    assert [t["id"] for t in a.get(TASKS).json()["items"]] == [a_task["id"]]
    assert [t["id"] for t in a.get(TASKS, params={"account_id": b_account}).json()["items"]] == []
    assert [x["id"] for x in a.get("/api/v1/accounts").json()] == [a_account]
    assert [c["account_id"] for c in a.post("/api/v1/accounts/check").json()] == [a_account]
    assert a.get("/api/v1/system/queue-status").json()["tasks_by_status"] == {"scheduled": 1}

    # Analytics rows carry their workspace; A reads and exports its own.
    a_id, b_id = a_task["workspace_id"], b_task["workspace_id"]
    Warehouse(api.settings.resolved_warehouse_url).replace_table(
        "performance",
        pd.DataFrame(
            {
                "workspace_id": [a_id, b_id, b_id],
                "account_id": [a_account, b_account, b_account],
                "platform": ["weibo"] * 3,
                "reach": [10, 20, 30],
            }
        ),
    )
    rows = a.get("/api/v1/analytics/performance").json()["rows"]
    assert rows == [
        {"workspace_id": a_id, "account_id": a_account, "platform": "weibo", "reach": 10}
    ]
    exported = a.get("/api/v1/analytics/export", params={"table": "performance"}).text
    assert exported.splitlines() == [
        "workspace_id,account_id,platform,reach",
        f"{a_id},{a_account},weibo,10",
    ]
    assert len(b.get("/api/v1/analytics/performance").json()["rows"]) == 2
