"""The API refuses what the CLI refuses: far times, huge integers, deep JSON and invisible
text are 422 problems, never a 500, and nothing is stored."""

from __future__ import annotations

from tests.api.conftest import Api, later

TASKS = "/api/v1/scheduling/tasks"


def test_input_the_store_cannot_take_is_a_422_problem(api: Api) -> None:
    account = api.account()
    http = api.client(api.key("read", "write"))
    bodies = [
        {"account_id": account, "content": "hi", "at": later(400)},
        {"account_id": account, "content": "hi", "at": "9999-12-31T20:00:00Z"},
        {"account_id": account, "content": "hi", "at": later(2), "priority": 2**64},
        {"account_id": account, "content": "\u200b\u2060", "at": later(2)},
    ]
    for body in bodies:
        answer = http.post(TASKS, json=body)
        assert answer.status_code == 422, (body, answer.text)
        assert answer.headers["content-type"] == "application/problem+json"
    deep = '{"account_id": 1, "content": "hi", "at": "' + later(2) + '", "x": ' + "[" * 5000
    deep += "]" * 5000 + "}"
    answer = http.post(TASKS, content=deep, headers={"content-type": "application/json"})
    assert answer.status_code in (400, 422), answer.text  # a problem, never a 500
    assert answer.headers["content-type"] == "application/problem+json"
    assert http.get(TASKS).json()["items"] == []
