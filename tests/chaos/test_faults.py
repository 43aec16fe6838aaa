"""30% server errors, 10% timeouts and accept-then-error: every post out once, within its budget.

Every one of these faults hits a publish request, so each leaves the outcome unknown: the task is
retried only after the platform was asked whether the post is there. A post the sandbox accepted
before failing the answer is found, not sent again; the rest are sent again after a backoff.
"""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from scheduling_platform.publishing.error_policy import MAX_ATTEMPTS
from scheduling_platform.timeutil import utcnow
from tests.chaos.conftest import ChaosPlatform, scaled

pytestmark = [pytest.mark.chaos, pytest.mark.postgres]

# Toutiao alone: it has no idempotency key, and a tick runs one publish run per platform after
# the other, so a second platform would double the time each retry round takes (a hung request
# holds its run for the client's whole timeout).
POSTS, ACCOUNTS = scaled(400), 100  # 4 an account: a hung request delays only its account
CLIENT_TIMEOUT_SECONDS = 10.0  # PlatformResource's default
FAULTS = [
    {"platform": "toutiao", "mode": "http_500", "rate": 0.3, "seed": 4},
    # Hangs past the client's timeout: the request was sent, the answer never came.
    {
        "platform": "toutiao",
        "mode": "timeout",
        "rate": 0.1,
        "delay_seconds": CLIENT_TIMEOUT_SECONDS + 2,
    },
    # Accepted and recorded, then HTTP 500: the duplicate-maker.
    {"platform": "toutiao", "mode": "accept_then_error", "rate": 0.1},
]


def test_faulty_platform_gets_every_post_once_within_the_retry_budget(
    chaos: ChaosPlatform,
) -> None:
    # A request may hang for the client's whole timeout: leases must outlast it.
    chaos.env["SCHEDULING_LEASE_SECONDS"] = "30"
    chaos.sandbox("config", {"daily_quotas": {"toutiao": 100_000}})
    for fault in FAULTS:
        chaos.sandbox("faults", fault)
    accounts = chaos.add_accounts("toutiao", ACCOUNTS)
    start = utcnow() + timedelta(seconds=3)
    chaos.load_tasks(
        "toutiao",
        [(accounts[n % ACCOUNTS], start + timedelta(seconds=n / 40)) for n in range(POSTS)],
    )

    publisher = chaos.start_worker("publisher", until_done=True)
    chaos.wait_for(publisher, timeout=300, name="publisher")

    fired = httpx.get(f"{chaos.sandbox_url}/_sandbox/faults").json()["fired"]
    verdict = chaos.verdict()
    outcomes = chaos.attempt_outcomes()
    print(f"faults fired {fired}; tasks {dict(verdict.by_status)}; attempts {outcomes}")
    assert {key.split(":")[1] for key in fired} == {"http_500", "timeout", "accept_then_error"}
    verdict.assert_exactly_once()
    # Held for a person only when all its attempts failed: the budget, never a shortcut.
    assert [t.attempt_count for t in verdict.attention] == [MAX_ATTEMPTS] * len(verdict.attention)
    # 37% of attempts fail without posting: 0.37**5, under 1% of tasks, spend all five.
    assert len(verdict.attention) <= 0.03 * POSTS
    # Posts accepted behind an error were found by asking the platform, not sent again.
    assert outcomes.get("found_published", 0) > 0
