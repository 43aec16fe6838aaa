"""Scheduling endpoints over real HTTP: create, list (pages, filters, orders), show, move,
cancel; times stored in UTC with the offset spelled out."""

from __future__ import annotations

from tests.api.conftest import Api, later
from tests.samples import D1, D2

TASKS = "/api/v1/scheduling/tasks"


def test_a_task_round_trip(api: Api) -> None:
    account = api.account()
    http = api.client(api.key("read", "write"))
    created = http.post(
        TASKS,
        json={"account_id": account, "content": "你好", "at": f"{D1}T08:00", "priority": 7},
    )
    assert created.status_code == 201, created.text
    task = created.json()
    # A time without a zone is read in the account's zone (Asia/Shanghai) and stored in UTC.
    assert task["scheduled_at"] == f"{D1}T00:00:00+00:00"
    assert task["status"] == "scheduled" and task["priority"] == 7

    shown = http.get(f"{TASKS}/{task['id']}").json()
    assert shown["audit"][0]["to_status"] == "scheduled"
    assert shown["audit"][0]["actor"].startswith("api-key:")

    moved = http.put(f"{TASKS}/{task['id']}/reschedule", json={"at": f"{D2}T12:00+08:00"})
    assert moved.status_code == 200 and moved.json()["scheduled_at"] == f"{D2}T04:00:00+00:00"

    cancelled = http.delete(f"{TASKS}/{task['id']}")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    again = http.delete(f"{TASKS}/{task['id']}")
    assert again.status_code == 409
    assert "can no longer be cancelled" in again.json()["detail"]
    assert http.get(f"{TASKS}/999").status_code == 404


def test_listing_pages_filters_and_orders(api: Api) -> None:
    first, second = api.account(name="a"), api.account(name="b")
    http = api.client(api.key("read", "write"))
    ids = [
        http.post(
            TASKS,
            json={"account_id": (first, second)[i % 2], "content": f"p{i}", "at": later(i + 1)},
        ).json()["id"]
        for i in range(7)
    ]
    seen, cursor = [], None
    while True:
        page = http.get(TASKS, params={"limit": 3, **({"cursor": cursor} if cursor else {})})
        body = page.json()
        seen += [t["id"] for t in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == ids  # soonest first, each once

    newest = http.get(TASKS, params={"order": "newest", "limit": 2}).json()
    assert [t["id"] for t in newest["items"]] == ids[::-1][:2]
    mine = http.get(TASKS, params={"account_id": second}).json()["items"]
    assert {t["account_id"] for t in mine} == {second} and len(mine) == 3
    window = http.get(
        TASKS, params={"scheduled_from": later(2.5), "scheduled_until": later(5.5)}
    ).json()["items"]
    assert [t["id"] for t in window] == ids[2:5]
    http.delete(f"{TASKS}/{ids[0]}")
    cancelled = http.get(TASKS, params={"status": "cancelled"}).json()["items"]
    assert [t["id"] for t in cancelled] == [ids[0]]
    assert http.get(TASKS, params={"platform": "douyin"}).json()["items"] == []
    stale = http.get(TASKS, params={"cursor": "not-a-cursor"})
    assert stale.status_code == 422 and "not one this listing gave out" in stale.json()["detail"]


def test_without_a_time_the_model_picks_it_or_says_why_not(api: Api) -> None:
    http = api.client(api.key("write"))
    # Day one: no model trained yet, the shipped prior curves pick the time.
    day_one = http.post(TASKS, json={"account_id": api.account(), "content": "何时发？"})
    assert day_one.status_code == 201, day_one.text
    assert day_one.json()["model_version"].startswith("prior-")
