"""Idempotency-Key: a POST retried with the same key returns the same task and never makes a
second; the same key with another body is refused; keys are per workspace."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from tests.api.conftest import Api, later

TASKS = "/api/v1/scheduling/tasks"


def test_a_retried_create_returns_the_same_task(api: Api) -> None:
    http = api.client(api.key("read", "write"))
    body = {"account_id": api.account(), "content": "only once", "at": later()}
    first = http.post(TASKS, json=body, headers={"Idempotency-Key": "order-1"})
    retry = http.post(TASKS, json=body, headers={"Idempotency-Key": "order-1"})
    assert first.status_code == retry.status_code == 201
    assert retry.json() == first.json()
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert len(http.get(TASKS).json()["items"]) == 1

    other = http.post(
        TASKS, json={**body, "content": "changed"}, headers={"Idempotency-Key": "order-1"}
    )
    assert other.status_code == 422
    assert "was used for a different request" in other.json()["detail"]
    # Without a key, or with a new one, a create is a new task (another time and text, so
    # the conflict checks do not refuse it as the same post twice).
    again = {**body, "content": "once more", "at": later(31)}
    assert (
        http.post(TASKS, json=again, headers={"Idempotency-Key": "order-2"}).json()["id"]
        != (first.json()["id"])
    )
    assert len(http.get(TASKS).json()["items"]) == 2


def test_racing_retries_make_one_task(api: Api) -> None:
    http = api.client(api.key("read", "write"))
    body = {"account_id": api.account(), "content": "raced", "at": later()}
    with ThreadPoolExecutor(8) as pool:
        answers = list(
            pool.map(
                lambda _: http.post(TASKS, json=body, headers={"Idempotency-Key": "race"}),
                range(8),
            )
        )
    created = {a.json()["id"] for a in answers if a.status_code == 201}
    assert len(created) == 1
    # A retry that meets the first still running is told so, never run a second time.
    assert {a.status_code for a in answers} <= {201, 409}
    assert len(http.get(TASKS).json()["items"]) == 1


def test_a_refused_request_frees_its_key(api: Api) -> None:
    http = api.client(api.key("read", "write"))
    account = api.account()
    past = {"account_id": account, "content": "too late", "at": "2001-01-01T00:00"}
    refused = http.post(TASKS, json=past, headers={"Idempotency-Key": "fix-me"})
    assert refused.status_code == 422 and "in the past" in refused.json()["detail"]
    fixed = http.post(TASKS, json={**past, "at": later()}, headers={"Idempotency-Key": "fix-me"})
    assert fixed.status_code == 201


def test_keys_are_per_workspace(api: Api) -> None:
    a = api.client(api.key("write", workspace="team-a"))
    b = api.client(api.key("write", workspace="team-b"))
    made = [
        client.post(
            TASKS,
            json={"account_id": api.account(ws), "content": "same key", "at": later()},
            headers={"Idempotency-Key": "shared"},
        )
        for client, ws in ((a, "team-a"), (b, "team-b"))
    ]
    assert [m.status_code for m in made] == [201, 201]
    assert made[0].json()["id"] != made[1].json()["id"]
    assert "Idempotent-Replayed" not in made[1].headers
