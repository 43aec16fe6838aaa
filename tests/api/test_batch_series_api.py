"""The conflict answer (409 with the conflicts and their fixes), batches and series over HTTP."""

from __future__ import annotations

from tests.api.conftest import Api, later

TASKS = "/api/v1/scheduling/tasks"


def test_a_conflicting_create_is_409_with_the_conflicts_and_changes_nothing(api: Api) -> None:
    http = api.client(api.key("read", "write"))
    account = api.account()
    at = later()
    assert http.post(TASKS, json={"account_id": account, "content": "一", "at": at}).is_success
    refused = http.post(TASKS, json={"account_id": account, "content": "二", "at": at})
    assert refused.status_code == 409
    assert refused.headers["content-type"].startswith("application/problem+json")
    (conflict,) = [c for c in refused.json()["conflicts"] if c["rule"] == "min_gap"]
    assert conflict["type"] == "time_overlap" and conflict["severity"] == "error"
    assert conflict["fix"]["at"]  # the nearest free good slot
    assert len(http.get(TASKS).json()["items"]) == 1
    # The same post with conflict_avoidance goes to the suggested slot instead.
    moved = http.post(
        TASKS,
        json={"account_id": account, "content": "二", "at": at, "strategy": "conflict_avoidance"},
    )
    assert moved.status_code == 201
    assert moved.json()["scheduled_at"] == conflict["fix"]["at"]
    assert moved.json()["moved_from"] is not None


def test_a_batch_answers_per_item_and_51_are_refused_whole(api: Api) -> None:
    http = api.client(api.key("read", "write"))
    account = api.account()
    first = later()
    items = [
        {"account_id": account, "content": "早报", "at": first},
        {"account_id": account, "content": "", "at": later()},
        {"account_id": account, "content": "太近", "at": first},
    ]
    answer = http.post(f"{TASKS}/batch", json={"items": items})
    assert answer.status_code == 200
    result = answer.json()
    assert (result["created"], result["refused"]) == (1, 2)
    assert [i["status"] for i in result["items"]] == ["created", "refused", "refused"]
    assert "content is empty" in result["items"][1]["reasons"][0]
    assert result["items"][2]["conflicts"][0]["rule"] == "min_gap"

    many = [{"account_id": account, "content": f"第{i}条", "at": later()} for i in range(51)]
    refused = http.post(f"{TASKS}/batch", json={"items": many})
    assert refused.status_code == 422
    assert "at most 50 tasks; this one has 51" in refused.json()["detail"]
    assert len(http.get(TASKS).json()["items"]) == 1


def test_series_over_http_and_another_workspace_cannot_see_them(api: Api) -> None:
    http = api.client(api.key("read", "write"))
    body = {
        "account_id": api.account(),
        "content": "周报",
        "rrule": "FREQ=WEEKLY;BYDAY=MO,WE;BYHOUR=9;BYMINUTE=0",
    }
    made = http.post("/api/v1/scheduling/series", json=body)
    assert made.status_code == 201, made.text
    series = made.json()
    assert len(series["next"]) == 10
    assert all(o["local"].endswith("T09:00:00+08:00") for o in series["next"])
    shown = http.get(f"/api/v1/scheduling/series/{series['id']}").json()
    assert shown["next"] == series["next"]
    occurrence = series["next"][0]["local"]
    edited = http.put(
        f"/api/v1/scheduling/series/{series['id']}",
        json={"scope": "one", "occurrence": occurrence, "content": "本周特刊"},
    )
    assert edited.status_code == 200, edited.text

    other = api.client(api.key("read", "write", workspace="other"))
    assert other.get(f"/api/v1/scheduling/series/{series['id']}").status_code == 404
    assert other.delete(f"/api/v1/scheduling/series/{series['id']}").status_code == 404
    cancelled = http.delete(f"/api/v1/scheduling/series/{series['id']}")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
