"""Every endpoint asks for its scope: a key without it gets 403 (read cannot create, write
cannot retrain, ...), admin holds them all; no key, a wrong key or a revoked one gets 401."""

from __future__ import annotations

import pytest

from scheduling_platform.service.api_keys import SCOPES, revoke_api_key
from tests.api.conftest import Api, later

# (method, path, the scope it needs); bodies below make each request a valid one.
ENDPOINTS = [
    ("GET", "/api/v1/scheduling/tasks", "read"),
    ("GET", "/api/v1/scheduling/tasks/{task}", "read"),
    ("POST", "/api/v1/scheduling/tasks", "write"),
    ("PUT", "/api/v1/scheduling/tasks/{task}/reschedule", "write"),
    ("DELETE", "/api/v1/scheduling/tasks/{task}", "write"),
    ("GET", "/api/v1/accounts", "read"),
    ("GET", "/api/v1/accounts/{account}", "read"),
    ("POST", "/api/v1/accounts", "manage"),
    ("POST", "/api/v1/accounts/check", "publish"),
    ("POST", "/api/v1/accounts/{account}/reauthorise", "manage"),
    *[
        ("GET", f"/api/v1/analytics/{name}", "read")
        for name in (
            "dashboard",
            "performance",
            "conflicts",
            "optimization-stats",
            "time-patterns",
            "platform-comparison",
        )
    ],
    ("GET", "/api/v1/analytics/export?table=performance", "read"),
    ("GET", "/api/v1/system/info", "read"),
    ("GET", "/api/v1/system/queue-status", "read"),
    ("GET", "/api/v1/system/metrics", "admin"),
    ("POST", "/api/v1/system/ml-model/retrain", "admin"),
]


def _body(path: str, method: str, account: int) -> dict[str, object] | None:
    if method == "POST" and path.endswith("/tasks"):
        return {"account_id": account, "content": "scoped", "at": later()}
    if path.endswith("/reschedule"):
        return {"at": later(40)}
    if method == "POST" and path.endswith("/accounts"):
        return {"platform": "weibo", "name": f"added-{later()}"}
    if path.endswith("/reauthorise"):
        return {}
    return None


@pytest.mark.parametrize("scope", SCOPES)
def test_each_scope_opens_its_endpoints_only(api: Api, scope: str) -> None:
    account = api.account()
    http = api.client(api.key(scope))
    setup = api.client(api.key("write"))
    for method, template, needed in ENDPOINTS:
        task = setup.post(
            "/api/v1/scheduling/tasks",
            json={"account_id": account, "content": template, "at": later()},
        ).json()["id"]
        path = template.format(task=task, account=account)
        answer = http.request(method, path, json=_body(path, method, account))
        allowed = scope in (needed, "admin")
        if allowed:
            assert answer.status_code != 403, (scope, method, path, answer.text)
            assert answer.status_code not in (401, 500), (scope, method, path, answer.text)
        else:
            assert answer.status_code == 403, (scope, method, path, answer.text)
            assert f"do not include {needed}" in answer.json()["detail"]


def test_keys_that_open_nothing(api: Api) -> None:
    key = api.key("admin")
    unknown = key[:-4] + ("AAAA" if not key.endswith("AAAA") else "BBBB")
    for client in (api.client(), api.client("spk_nonsense"), api.client(unknown)):
        answer = client.get("/api/v1/scheduling/tasks")
        assert answer.status_code == 401 and answer.headers["WWW-Authenticate"] == "Bearer"
        assert answer.headers["content-type"] == "application/problem+json"
    assert api.client(key).get("/api/v1/scheduling/tasks").status_code == 200
    revoke_api_key(api.admin(), key.split("_")[1])
    assert api.client(key).get("/api/v1/scheduling/tasks").status_code == 401
    # The probes answer without a key.
    assert api.client().get("/api/v1/system/ready").status_code == 200
