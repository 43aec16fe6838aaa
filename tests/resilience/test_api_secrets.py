"""No secret through the API: account tokens, API keys, the vault's key and the API key secret
appear in no response, no log line, no metric and no audit row; API keys rest as hashes."""

from __future__ import annotations

import base64
import json
import logging
from pathlib import Path

import sqlalchemy as sa

from scheduling_platform.store.schema import api_keys, audit_log
from scheduling_platform.vault import KEY_FILE_NAME
from tests.api.conftest import Api, later

ENDPOINTS = [
    "/api/v1/accounts",
    "/api/v1/scheduling/tasks",
    "/api/v1/system/health",
    "/api/v1/system/info",
    "/api/v1/system/queue-status",
    "/api/v1/system/metrics",
    "/openapi.json",
]


def _file_secrets(home: Path) -> set[str]:
    """Every key in the home's keyring files (the vault's, the API key secret's)."""
    found = set()
    for name in (KEY_FILE_NAME, "api_key_secrets.json"):
        for entry in json.loads((home / name).read_text())["keys"].values():
            found.add(entry["key"])
            found.add(base64.b64decode(entry["key"]).hex())
    return found


def test_no_secret_leaves_through_the_api(api: Api, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    key = api.key("admin")
    http = api.client(key)
    given_token = "tok-from-the-body-0123456789"
    answers = [
        http.post(
            "/api/v1/accounts",
            json={
                "platform": "weibo",
                "name": "given",
                "credentials": {"access_token": given_token, "app_secret": "app-secret-9876543"},
            },
        ),
        http.post("/api/v1/accounts", json={"platform": "weibo", "name": "sandboxed"}),
    ]
    accounts = api.admin().store.list_accounts()
    tokens = {
        str(v) for a in accounts for k, v in a.credentials.items() if "token" in k or "secret" in k
    }
    assert given_token in tokens and len(tokens) >= 3
    task = http.post(
        "/api/v1/scheduling/tasks",
        json={"account_id": accounts[1].id, "content": "secret scan", "at": later()},
    ).json()
    answers += [
        http.post("/api/v1/accounts/check"),
        http.get(f"/api/v1/scheduling/tasks/{task['id']}"),
    ]
    answers += [http.post(f"/api/v1/accounts/{accounts[1].id}/reauthorise", json={})]
    answers += [http.get(path) for path in ENDPOINTS]
    answers += [api.client("spk_000000000000_" + "x" * 43).get(ENDPOINTS[0])]  # a wrong key
    # A body the schema refuses: the problem names the field, never echoes the input.
    invalid = {"platform": "weibo", "name": ["x"], "credentials": {"access_token": given_token}}
    answers += [http.post("/api/v1/accounts", json=invalid)]
    assert answers[-1].status_code == 422
    tokens |= {
        str(v)
        for a in api.admin().store.list_accounts()
        for k, v in a.credentials.items()
        if "token" in k
    }
    secrets = tokens | {key} | _file_secrets(api.settings.home)
    metrics = http.get("/api/v1/system/metrics").text

    with api.admin().store.engine.connect() as conn:
        audit = "\n".join(str(tuple(r)) for r in conn.execute(sa.select(audit_log)))
        stored_keys = conn.execute(sa.select(api_keys)).all()
    logged = "\n".join(
        [r.getMessage() for r in caplog.records] + [r.exc_text or "" for r in caplog.records]
    )
    captured = {
        "responses": "\n".join(a.text + json.dumps(dict(a.headers)) for a in answers),
        "log": logged,
        "audit log": audit,
        "metrics": metrics,
    }
    assert "scheduling_api_requests_total" in captured["metrics"]
    for where, text in captured.items():
        leaked = [s for s in secrets if s in text]
        assert not leaked, f"{len(leaked)} secrets in the {where}"

    # At rest the key is a keyed hash: the row holds no part of the key's secret half.
    (row,) = stored_keys
    assert row.key_hash != key and key.split("_", 2)[2] not in str(tuple(row))
    raw = b"".join(p.read_bytes() for p in Path(api.settings.home).glob("tasks.sqlite*"))
    assert key.encode() not in raw and given_token.encode() not in raw
