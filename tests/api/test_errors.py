"""Refusals as RFC 9457 problem details with the CLI's own messages; request size limits;
CORS from the settings."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator

import pytest
from click.testing import CliRunner

from scheduling_platform.cli.main import main
from scheduling_platform.settings import Settings
from tests.api.conftest import Api
from tests.samples import D0

TASKS = "/api/v1/scheduling/tasks"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"content": "hi", "at": "2001-01-01T00:00"}, "in the past"),
        ({"account_id": 7, "content": "hi", "at": f"{D0}T00:00"}, "no account with id 7"),
        ({"content": "", "at": f"{D0}T00:00"}, "content is empty"),
        ({"content": "长" * 141, "at": f"{D0}T00:00"}, "at most 140"),
        ({"content": "hi", "at": "soon"}, "not an ISO 8601 time"),
        ({"content": "hi", "at": f"{D0}T00:00", "priority": 11}, "between 1 and 10"),
    ],
)
def test_the_api_refuses_as_the_cli_does(api: Api, body: dict[str, object], message: str) -> None:
    account = api.account()
    body = {"account_id": account, **body}
    answer = api.client(api.key("write")).post(TASKS, json=body)
    cli = CliRunner().invoke(
        main,
        [
            "tasks",
            "create",
            "--account",
            str(body["account_id"]),
            "--content",
            str(body["content"]),
            "--at",
            str(body["at"]),
            "--priority",
            str(body.get("priority", 5)),
            "--json",
        ],
    )
    assert cli.exit_code == 1
    cli_message = json.loads(cli.stdout)["error"]
    problem = answer.json()
    assert answer.headers["content-type"] == "application/problem+json"
    assert problem["detail"] == cli_message and message in cli_message
    assert problem["status"] == answer.status_code == (404 if "no account" in message else 422)
    assert problem["title"] and problem["type"] == "about:blank"
    assert problem["instance"] == TASKS


def test_input_the_schema_refuses_is_a_problem_too(api: Api) -> None:
    http = api.client(api.key("read", "write"))
    bad = http.post(TASKS, json={"account_id": "one"})
    assert bad.status_code == 422 and bad.headers["content-type"] == "application/problem+json"
    assert {tuple(e["loc"]) for e in bad.json()["errors"]} >= {
        ("body", "account_id"),
        ("body", "content"),
    }
    unknown = http.get("/api/v1/nowhere")
    assert unknown.status_code == 404 and unknown.json()["status"] == 404
    assert http.get(f"{TASKS}/0").status_code == 422  # ids start at 1


def test_large_bodies_are_refused(make_api: Callable[..., Api], api_settings: Settings) -> None:
    api = make_api(api_settings.model_copy(update={"api_max_request_bytes": 2048}))
    http = api.client(api.key("write"))
    body = {"account_id": api.account(), "content": "x" * 4000, "at": f"{D0}T00:00"}
    declared = http.post(TASKS, json=body)
    assert declared.status_code == 413 and "over 2048 bytes" in declared.json()["detail"]

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted as it streams
        raw = json.dumps(body).encode()
        for start in range(0, len(raw), 512):
            yield raw[start : start + 512]

    streamed = http.post(TASKS, content=chunks(), headers={"Content-Type": "application/json"})
    assert streamed.status_code == 413
    assert http.get(TASKS).status_code != 413


def test_cors_allows_the_configured_origins_only(
    make_api: Callable[..., Api], api_settings: Settings
) -> None:
    api = make_api(api_settings.model_copy(update={"api_cors_origins": ["https://app.example"]}))
    preflight = {"Access-Control-Request-Method": "POST"}
    allowed = api.client().options(TASKS, headers={"Origin": "https://app.example", **preflight})
    assert allowed.headers["access-control-allow-origin"] == "https://app.example"
    other = api.client().options(TASKS, headers={"Origin": "https://evil.example", **preflight})
    assert "access-control-allow-origin" not in other.headers
