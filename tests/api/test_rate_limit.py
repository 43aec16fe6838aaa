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


def clear_of_the_hour(margin: float = 20.0) -> None:
    """Wait past the next whole hour if it is nearer than `margin` seconds: the counter's
    windows start on whole hours, and hits just past one count the last hour's weighted by
    how much of it is left (see `test_the_window_moves_on`)."""
    left = 3600 - time.time() % 3600
    if left < margin:
        time.sleep(left + 0.05)


def test_the_1001st_request_in_an_hour_is_refused(api: Api) -> None:
    clear_of_the_hour()
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
    clear_of_the_hour()
    http = api.client(api.key("read", rate_limit="3/hour"))
    assert http.post("/api/v1/scheduling/tasks", json={}).status_code == 403  # counted too
    assert [http.get(INFO).status_code for _ in range(3)] == [200, 200, 429]


def test_redis_shares_the_window_between_api_processes(
    make_api: Callable[..., Api], api_settings: Settings, redis_url: str
) -> None:
    shared = api_settings.model_copy(update={"redis_url": redis_url})
    clear_of_the_hour()
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
    clear_of_the_hour()
    key = first.key("read", rate_limit="2/hour")
    assert [first.client(key).get(INFO).status_code for _ in range(3)] == [200, 200, 429]
    assert second.client(key).get(INFO).status_code == 200


def test_the_window_moves_on(api: Api) -> None:
    # The counter's windows start on whole seconds, and a request just past a boundary counts
    # the last window's hits weighted by how much of it is left: three requests that straddle
    # one are rightly let through. So the requests start just after a boundary, and a key
    # whose requests crossed the next one anyway (a slow machine) is tried again.
    for _ in range(3):
        http = api.client(api.key("read", rate_limit="2/second"))
        time.sleep(1.02 - time.time() % 1)
        window = int(time.time())
        statuses = [http.get(INFO).status_code for _ in range(3)]
        refused = http.get(INFO)
        if int(time.time()) == window:
            break
    assert statuses == [200, 200, 429]
    assert refused.status_code == 429 and refused.headers["Retry-After"] == "1"
    # A whole window later with no request in it, the key has its full limit again.
    time.sleep(window + 2.02 - time.time())
    assert [http.get(INFO).status_code for _ in range(3)] == [200, 200, 429]
