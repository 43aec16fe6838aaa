"""Account endpoints: add with credentials in the body only, list, show, check, re-authorise;
credentials never come back; each change is audited with workspace, key and address."""

from __future__ import annotations

import sqlalchemy as sa

from scheduling_platform.store.schema import audit_log
from tests.api.conftest import Api

ACCOUNTS = "/api/v1/accounts"


def test_accounts_are_added_checked_and_reauthorised(api: Api) -> None:
    key = api.key("read", "manage", "publish")
    http = api.client(key)
    added = http.post(ACCOUNTS, json={"platform": "weibo", "name": "brand", "followers": 1200})
    assert added.status_code == 201, added.text
    account = added.json()
    assert "access_token" in account["credential_fields"]
    token = api.admin().store.get_account(account["id"]).credentials["access_token"]
    assert token not in added.text

    given = http.post(
        ACCOUNTS,
        json={
            "platform": "weibo",
            "name": "given",
            "credentials": {"access_token": "tok-given-123456"},
        },
    )
    assert given.status_code == 201 and "tok-given-123456" not in given.text
    twice = http.post(ACCOUNTS, json={"platform": "weibo", "name": "brand"})
    assert twice.status_code == 409 and "exists already" in twice.json()["detail"]
    unknown = http.post(ACCOUNTS, json={"platform": "myspace", "name": "x"})
    assert unknown.status_code == 422

    listed = http.get(ACCOUNTS)
    assert [a["name"] for a in listed.json()] == ["brand", "given"]
    assert token not in listed.text and "tok-given-123456" not in listed.text
    assert http.get(f"{ACCOUNTS}/{account['id']}").json()["followers"] == 1200

    checks = {c["name"]: c for c in http.post(f"{ACCOUNTS}/check").json()}
    assert checks["brand"]["ok"] is True
    assert checks["given"]["token_valid"] is False  # the sandbox never issued that token

    renewed = http.post(f"{ACCOUNTS}/{account['id']}/reauthorise", json={})
    assert renewed.status_code == 200 and renewed.json()["status"] == "active"
    new_token = api.admin().store.get_account(account["id"]).credentials["access_token"]
    assert new_token != token and new_token not in renewed.text

    # Every change names its workspace, the key and the client's address.
    with api.admin().store.engine.connect() as conn:
        rows = conn.execute(
            sa.select(audit_log).where(audit_log.c.account_id == account["id"])
        ).all()
    assert {r.detail for r in rows} >= {"account added", "credentials renewed"}
    public_id = key.split("_")[1]
    for row in rows:
        assert row.actor == f"api-key:{public_id}"
        assert row.workspace_id == 1 and row.api_key_id is not None
        assert row.client_address == "127.0.0.1"
