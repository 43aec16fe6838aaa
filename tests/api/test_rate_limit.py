"""Per-key rate limits: a new key may make 1,000 requests an hour, the 1,001st is 429 with
Retry-After; a key's own limit is kept; Redis shares the count between API processes."""

from __future__ import annotations

import time
from collections.abc import Callable

import redis

from scheduling_platform.service.api_keys import list_api_keys
from scheduling_platform.settings import Settings
from tests.api.conftest import Api

INFO = "/api/v1/system/info"


def test_the_1001st_request_in_an_hour_is_refused(api: Api) -> None:
    key = api.key("read")
    assert list_api_keys(api.admin())[0].rate_limit == "1000/hour"  # the default figure
    http = api.client(key)
    statuses = [http.get(INFO).status_code for _ in range(1000)]
    assert statuses == [200] * 1000
    refused = http.get(INFO)
    assert refused.status_code == 429
    retry_after = int(refused.headers["Retry-After"])
    assert 0 < retry_after <= 3600
    assert "1000 requests per 1 hour" in refused.json()["detail"]
    # Another key of the same workspace has its own window.
    assert api.client(api.key("read")).get(INFO).status_code == 200


def test_a_key_keeps_its_own_limit_and_refused_requests_count(api: Api) -> None:
    http = api.client(api.key("read", rate_limit="3/hour"))
    assert http.post("/api/v1/scheduling/tasks", json={}).status_code == 403  # counted too
    assert [http.get(INFO).status_code for _ in range(3)] == [200, 200, 429]


def test_redis_shares_the_window_between_api_processes(
    make_api: Callable[..., Api], api_settings: Settings, redis_url: str
) -> None:
    shared = api_settings.model_copy(update={"redis_url": redis_url})
    first = make_api(shared)
    second = make_api(shared)  # another app: its own limiter object
    key = first.key("read", rate_limit="4/hour")
    one, two = first.client(key), second.client(key)
    assert [one.get(INFO).status_code, two.get(INFO).status_code] == [200, 200]
    assert [one.get(INFO).status_code, two.get(INFO).status_code] == [200, 200]
    assert two.get(INFO).status_code == 429 and one.get(INFO).status_code == 429
    public_id = key.split("_")[1]
    stored = redis.Redis.from_url(redis_url).keys(f"*{public_id}*")
    assert stored, "the window lives in Redis"


def test_without_redis_each_process_counts_alone(
    make_api: Callable[..., Api], api_settings: Settings
) -> None:
    first, second = make_api(), make_api()
    key = first.key("read", rate_limit="2/hour")
    assert [first.client(key).get(INFO).status_code for _ in range(3)] == [200, 200, 429]
    assert second.client(key).get(INFO).status_code == 200


def test_the_window_moves_on(api: Api) -> None:
    http = api.client(api.key("read", rate_limit="2/second"))
    assert [http.get(INFO).status_code for _ in range(3)] == [200, 200, 429]
    refused = http.get(INFO)
    assert refused.headers["Retry-After"] == "1"
    time.sleep(1.2)  # past the window: not a timing assertion, the window is one second
    assert http.get(INFO).status_code == 200
